"""Exports from the pages: the "Export: CSV · XLSX" links keep the list's filters, the file
holds the list's scope in the reader's language, refusals and exports are audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from html import unescape

import pytest
from openpyxl import load_workbook

from api import exporting
from mowakaba.db import session_scope
from mowakaba.enums import Role
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import Partner, User, Youth
from mowakaba.schemas import ReferralIn
from mowakaba.services import incidents as incident_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import transfers as transfer_service
from tests.factories import at, give_consent, make_institution, make_service, make_user, make_youth
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


# ---------------------------------------------------------------- the other lists

EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def wider(world):
    """The pages' world and more: an admin, a second institution B (its coordinator, a
    youth, an incident, a transfer to a third institution C), a runaway of Amine (A's,
    renamed to a formula), a transfer of Omar from A to B, and a referral of Amine."""
    with session_scope() as s:
        b = make_institution(s, name="Dar B", region="Fès-Meknès")
        c = make_institution(s, name="Dar C", region="Fès-Meknès")
        admin = make_user(s, Role.admin, username="admin1")
        coord_b = make_user(s, Role.coordinator, [b, c], username="coord_b")
        med_b = make_user(s, Role.mediator, [b], username="med_b")
        yb = make_youth(s, b, med_b, first_name="Hind", as_of=at(date.today()))
        late = s.get(Youth, world.ids["late"])
        late.first_name = EVIL
        s.add(late)
        for youth_id, actor in ((late.pk, world.ids["med1"]), (yb.pk, med_b.pk)):
            incident_service.record_incident(
                s, youth_id=youth_id, actor=s.get(User, actor),
                report=IncidentReport(kind="runaway", occurred_at=datetime.now(UTC),
                                      description="-2+3 gone"),
            )  # fmt: skip
        transfer_service.request_transfer(
            s, youth_id=world.ids["other"], actor=s.get(User, world.ids["coord"]),
            to_institution_id=b.pk, reason="family")  # fmt: skip
        transfer_service.request_transfer(
            s, youth_id=yb.pk, actor=coord_b, to_institution_id=c.pk, reason="school"
        )
        partner_user = s.get(User, world.ids["partner"])
        partner = s.get(Partner, partner_user.partner_id)
        service = make_service(s, partner, axis="employment", name="First job")
        med1 = s.get(User, world.ids["med1"])
        give_consent(s, late, med1, partner=partner, data=["education"])
        referral_service.create_referral(
            s, youth=late, actor=med1,
            data=ReferralIn(service_id=service.pk, need="@once a job", send=True,
                            shared_fields=["education_level"]),
        )  # fmt: skip
        world.ids.update(admin=admin.pk, coord_b=coord_b.pk, yb=yb.pk)
        world.codes["yb"] = yb.code
    return world


def switch_to(client, username: str) -> None:
    """Sign out (a fresh cookie jar), then in as someone else."""
    client.cookies.clear()
    sign_in(client, username)


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    "who, path, href",
    [
        ("med1", "/referrals", "/referrals?format=csv"),
        ("med1", "/referrals?status=sent", "/referrals?status=sent&format=xlsx"),
        ("partner", "/referrals", "/referrals?format=csv"),
        ("coord", "/caseloads", "/caseloads?format=xlsx"),
        ("coord", "/incidents?show=all", "/incidents?show=all&format=csv"),
        ("coord", "/transfers", "/transfers?format=csv"),
        ("coord", "/partners?axis=employment", "/partners?axis=employment&format=csv"),
        ("admin1", "/admin/users", "/admin/users?format=xlsx"),
    ],
)
def test_each_list_links_its_exports_with_its_filters(wider, browser_client, who, path, href):
    switch_to(browser_client, who)
    assert f'href="{href}"' in unescape(browser_client.get(path).text)


def test_referrals_export_my_scope_and_a_partners_minimised_view(wider, browser_client):
    before = audit_mark()
    switch_to(browser_client, "med1")
    [header, row] = rows_of(browser_client.get("/referrals?format=csv"))
    assert (row[0], row[1][:11]) == (wider.codes["late"], "'=HYPERLINK")
    switch_to(browser_client, "partner")
    [header, row] = rows_of(browser_client.get("/referrals?format=csv"))
    assert len(header) == 7 and row[0] == "'" + EVIL and row[3] == "'@once a job"
    assert wider.codes["late"] not in ",".join(row)  # no youth code for a partner
    assert [e.object_type for e in audit_since(before, "export")
            if e.object_type != "youth"] == ["referrals.list", "referrals.list"]  # fmt: skip


def test_incidents_export_my_institutions_only(wider, browser_client):
    before = audit_mark()
    switch_to(browser_client, "coord")
    rows = rows_of(browser_client.get("/incidents?format=csv"))
    assert [r[0] for r in rows[1:]] == [wider.codes["late"]]  # never B's Hind
    assert rows[1][-1] == "'-2+3 gone"
    [summary] = [e for e in audit_since(before, "export") if e.object_type == "incidents.list"]
    assert summary.detail["rows"] == 1


def test_transfers_and_caseloads_export_my_institutions_only(wider, browser_client):
    switch_to(browser_client, "coord")
    rows = rows_of(browser_client.get("/transfers?format=csv"))
    assert [r[0] for r in rows[1:]] == [wider.codes["other"]]  # not Hind's, from B to C
    rows = rows_of(browser_client.get("/caseloads?format=csv"))
    assert {r[0] for r in rows[1:]} == {"Dar Al Atfal Ain Chock"}
    assert "Nadia Alaoui" in {r[1] for r in rows[1:]}
    switch_to(browser_client, "med1")
    assert browser_client.get("/transfers?format=csv").status_code == 403


def test_the_directory_and_the_accounts_export(wider, browser_client):
    with session_scope() as s:
        partner = s.get(Partner, s.get(User, wider.ids["partner"]).partner_id)
        partner.phone = "+212 522"
        s.add(partner)
    switch_to(browser_client, "coord")
    rows = rows_of(browser_client.get("/partners?format=csv"))
    assert any(r[6] == "'+212 522" for r in rows[1:])
    before = audit_mark()
    switch_to(browser_client, "admin1")
    response = browser_client.get("/admin/users?format=csv")
    rows = rows_of(response)
    assert {r[0] for r in rows[1:]} >= {"med1", "coord", "coord_b", "admin1"}
    assert b"$argon" not in response.content and b"$2b$" not in response.content
    [summary] = audit_since(before, "export")
    assert (summary.object_type, summary.detail["rows"]) == ("users.list", len(rows) - 1)
    switch_to(browser_client, "coord")
    assert browser_client.get("/admin/users?format=csv").status_code == 403
