"""Exports from the pages: the "Export: CSV · XLSX" links keep the list's filters, the file
holds the list's scope in the reader's language, refusals and exports are audited."""

from __future__ import annotations

import csv
import io
from html import unescape

from openpyxl import load_workbook

from api import exporting
from tests.pages.conftest import sign_in
from tests.pages.test_session import audit_mark, audit_since


def csv_codes(response) -> set[str]:
    assert response.status_code == 200, response.text[:300]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    return {r[0] for r in rows[1:]}


def test_the_youths_list_links_its_exports_with_its_filters(world, browser_client):
    sign_in(browser_client, "coord")
    page = unescape(browser_client.get("/youths", params={"q": "salma", "stage": "intake"}).text)
    assert 'href="/youths?q=salma&stage=intake&format=csv"' in page
    assert 'href="/youths?q=salma&stage=intake&format=xlsx"' in page
    assert 'href="/youths?format=csv"' in unescape(browser_client.get("/youths").text)


def test_a_mediator_exports_their_caseload_in_their_language(world, browser_client):
    before = audit_mark()
    sign_in(browser_client, "med1")
    response = browser_client.get("/youths", params={"format": "csv"})
    assert csv_codes(response) == {world.codes["late"], world.codes["soon"]}  # not med2's Omar
    assert response.content.decode("utf-8-sig").startswith("Code,Nom,Nom en arabe,Étape")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(browser_client.get("/youths?format=xlsx").content)).active
    assert {c.value for c in sheet["A"][1:]} == {world.codes["late"], world.codes["soon"]}
    [first, second] = [e for e in audit_since(before, "export") if e.object_type == "youths.list"]
    assert (first.object_id, first.detail["rows"]) == ("csv", 2)
    assert second.object_id == "xlsx"


def test_a_coordinators_export_keeps_the_search(world, browser_client):
    sign_in(browser_client, "coord")
    assert csv_codes(browser_client.get("/youths?q=idrissi&format=csv")) == {world.codes["soon"]}


def test_a_partner_may_not_export_the_youths(world, browser_client):
    before = audit_mark()
    sign_in(browser_client, "partner")
    response = browser_client.get("/youths?format=csv")
    assert response.status_code == 403 and "text/html" in response.headers["content-type"]
    [refused] = audit_since(before, "export")
    assert (refused.outcome, refused.object_type) == ("denied", "youths.list")


def test_an_export_past_the_limit_says_how_to_narrow_it(world, browser_client, monkeypatch):
    monkeypatch.setattr(exporting, "MAX_ROWS", 1)
    sign_in(browser_client, "coord")
    response = browser_client.get("/youths?format=xlsx")
    assert response.status_code == 422
    assert "50" in response.text and "filtres" in response.text


def test_my_work_exports_every_item_of_mine_with_its_filters(world, browser_client):
    sign_in(browser_client, "med1")
    page = unescape(browser_client.get("/work", params={"kind": "intake_assessment"}).text)
    assert 'href="/work?kind=intake_assessment&format=csv"' in page
    assert csv_codes(browser_client.get("/work?format=csv")) == {
        world.codes["late"], world.codes["soon"],
    }  # fmt: skip
    sheet = load_workbook(io.BytesIO(browser_client.get("/work?format=xlsx").content)).active
    assert sheet.freeze_panes == "A2" and sheet["D2"].is_date  # the due date, a real date
