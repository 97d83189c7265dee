"""Importing a register through the pages: upload -> mapping -> report -> import -> done;
bad files answered on the upload page, never a 500 and never a half import."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from mowakaba.db import session_scope
from mowakaba.models import Youth
from tests.pages.conftest import sign_in
from tests.pages.world import csrf_of

SAMPLE = Path(__file__).parents[2] / "docs" / "sample-register.csv"
CLEAN = (
    "Nom;Prénom;Date de naissance;Sexe;Date d'admission;Niveau scolaire;Formation\n"
    "Berrada;Mehdi;07/05/2012;M;15/03/2025;Primaire;Aucune\n"
    "Naciri;Hajar;١٢/١٠/٢٠١٠;F;05/09/2019;Collège;Aucune\n"
).encode()


def youths() -> int:
    with session_scope() as s:
        return s.exec(select(func.count()).select_from(Youth)).one()


def upload(client, world, data: bytes, name: str = "registre.csv", institution=None):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/youths/import").text)
    return client.post(
        "/youths/import",
        data={"csrf_token": token,
              "institution_id": str(institution or world.ids["institution"])},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )  # fmt: skip


def to_report(client, world, data: bytes, name: str = "registre.csv"):  # type: ignore[no-untyped-def]
    sent = upload(client, world, data, name)
    assert sent.status_code == 303, sent.text
    mapping = client.get(sent.headers["location"])
    assert mapping.status_code == 200
    chosen = re.findall(r'<select id="map-\d+" name="map">(.*?)</select>', mapping.text, re.S)
    values = [(re.findall(r'value="([^"]*)" selected', c) or [""])[0] for c in chosen]
    report = client.post(
        sent.headers["location"] + "/report",
        data={"csrf_token": csrf_of(mapping.text), "map": values},
    )
    return sent.headers["location"], values, report


def post_import(client, location, values, rows):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(location).text)
    return client.post(location, data={"csrf_token": token, "map": values, "rows": rows})


def test_the_sample_is_reported_row_by_row_and_imports_its_valid_rows(world, browser_client):
    sign_in(browser_client, "coord")
    assert 'href="/youths/import"' in browser_client.get("/youths").text
    before = youths()
    location, values, report = to_report(browser_client, world, SAMPLE.read_bytes())
    assert report.status_code == 200
    rows = re.findall(
        r'<tr data-row="(\d+)"><td class="n">\d+</td><td><bdi>([^<]*)</bdi>', report.text
    )
    assert [(int(r), c) for r, c in rows] == [
        (4, "Date de naissance"), (5, "Sexe"), (6, "Niveau scolaire"), (8, "Prénom"),
        (14, "Date d&#39;admission"),
    ]  # fmt: skip
    assert re.search(r'id="import-all" disabled', report.text)
    assert youths() == before  # the check saved nothing
    refused = post_import(browser_client, location, values, "all")
    assert refused.status_code == 409 and youths() == before  # never a half import
    done = post_import(browser_client, location, values, "valid")
    assert done.status_code == 200 and youths() == before + 8
    assert done.text.count('href="/youths/') >= 8
    with session_scope() as s:  # Prefect is away here: the sweep will start their pathways
        flagged = s.exec(select(func.count()).select_from(Youth).where(
            Youth.needs_reconciliation)).one()  # fmt: skip
        assert flagged == 8
    # The file is gone once imported; a second upload creates nothing.
    assert browser_client.get(location).status_code == 404
    _, _, again = to_report(browser_client, world, SAMPLE.read_bytes())
    assert 'id="import-all" disabled' in again.text and youths() == before + 8


def test_a_clean_file_imports_whole(world, browser_client):
    sign_in(browser_client, "coord")
    before = youths()
    location, values, report = to_report(browser_client, world, CLEAN)
    assert 'id="import-all" disabled' not in report.text
    done = post_import(browser_client, location, values, "all")
    assert done.status_code == 200 and youths() == before + 2


def xlsx_with_merged_cells() -> bytes:
    book = Workbook()
    sheet = book.active
    for line in CLEAN.decode().splitlines():
        sheet.append(line.split(";"))
    sheet["F3"] = None
    sheet.merge_cells("F2:F3")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_merged_cells_are_errors_of_their_rows(world, browser_client):
    sign_in(browser_client, "coord")
    _, _, report = to_report(browser_client, world, xlsx_with_merged_cells(), "r.xlsx")
    assert re.findall(r'<tr data-row="(\d+)">', report.text) == ["2", "3"]


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"", "r.csv", "Le fichier est vide"),
        (b"Nom;Pr\xe9nom\n" + b"x;y\n" * 2_600_000, "r.csv", "trop volumineux"),  # 10 MB
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "r.csv", ".xls"),
        ("Nom;Prénom".encode("utf-16"), "r.csv", "encodage"),
        (b"%PDF-1.4", "r.pdf", ".csv"),
    ],
)
def test_a_bad_file_is_refused_on_the_upload_page(world, browser_client, data, name, says):
    sign_in(browser_client, "coord")
    before = youths()
    sent = upload(browser_client, world, data, name)
    assert sent.status_code == 422 and says in sent.text, sent.text[-800:]
    assert youths() == before


def test_a_formula_and_a_cp1256_file_are_handled(world, browser_client):
    sign_in(browser_client, "coord")
    text = ("النسب;الاسم;تاريخ الازدياد;الجنس;تاريخ الإيداع;المستوى الدراسي;التكوين المهني\n"
            "بنعلي;أمين;15/03/2012;ذكر;01/09/2019;إعدادي;بدون\n"
            "=HYPERLINK(\"x\");سلمى;22/07/2010;أنثى;03/03/2020;ثانوي;بدون\n")  # fmt: skip
    _, _, report = to_report(browser_client, world, text.encode("cp1256"))
    assert re.findall(r'<tr data-row="(\d+)">', report.text) == ["3"]
    assert "formule" in report.text


def test_another_users_upload_is_a_404_and_roles_are_checked(world, browser_client):
    sign_in(browser_client, "coord")
    location = upload(browser_client, world, CLEAN).headers["location"]
    browser_client.post("/sign-out", data={"csrf_token": csrf_of(browser_client.get("/work").text)})
    sign_in(browser_client, "med1")
    assert browser_client.get("/youths/import").status_code == 403
    assert browser_client.get(location).status_code == 403
    assert 'href="/youths/import"' not in browser_client.get("/youths").text


def test_an_institution_outside_the_coordinators_is_refused(world, browser_client):
    sign_in(browser_client, "coord")
    sent = upload(browser_client, world, CLEAN, institution=999)
    assert sent.status_code == 422


def test_a_forged_upload_without_csrf_is_refused(world, browser_client):
    sign_in(browser_client, "coord")
    sent = browser_client.post(
        "/youths/import", data={"institution_id": str(world.ids["institution"])},
        files={"file": ("r.csv", CLEAN, "text/csv")}, follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 403
