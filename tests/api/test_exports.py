"""Lists as CSV and XLSX through the API: the list's scope and filters, every row, formula
injection neutralised, audited (allowed and refused)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlmodel import select

from api import exporting
from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.models import AuditEvent, User, Youth

ATTACKS = {"first_name": '=HYPERLINK("http://evil.example","x")', "last_name": "+1",
           "first_name_ar": "@SUM(A1:A9)", "last_name_ar": "-2+3"}  # fmt: skip


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def xlsx_sheet(response):
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content)).active


def codes(world, *names: str) -> set[str]:
    with session_scope() as s:
        return {s.get(Youth, world.ids[n]).code for n in names}


def last_audit_id() -> int:
    """The newest audit row (the trail is append-only: earlier tests' rows stay)."""
    with session_scope() as s:
        return max(s.exec(select(AuditEvent.id)).all(), default=0) or 0


def exports_of(actor_id: int, since: int) -> list[AuditEvent]:
    with session_scope() as s:
        return list(
            s.exec(
                select(AuditEvent)
                .where(
                    AuditEvent.action == "export",
                    AuditEvent.actor_id == actor_id,
                    AuditEvent.id > since,
                )  # fmt: skip
                .order_by(AuditEvent.id)
            ).all()
        )


def test_a_mediator_exports_their_caseload_only(world):
    rows = csv_rows(world.get("m1", "/youths", params={"format": "csv"}))
    assert {r[0] for r in rows[1:]} == codes(world, "y1")
    sheet = xlsx_sheet(world.get("m1", "/youths", params={"format": "xlsx"}))
    assert {c.value for c in sheet["A"][1:]} == codes(world, "y1")


def test_coordinators_export_their_institutions_only(world):
    rows = csv_rows(world.get("coord_b", "/youths", params={"format": "csv"}))
    assert {r[0] for r in rows[1:]} == codes(world, "y3")  # never institution A's youths
    rows = csv_rows(world.get("coord_a", "/youths", params={"format": "csv"}))
    assert {r[0] for r in rows[1:]} == codes(world, "y1", "y2")


def test_an_export_keeps_the_filters_and_holds_every_page(world):
    rows = csv_rows(world.get("coord_a", "/youths", params={"format": "csv", "q": "omar"}))
    assert {r[0] for r in rows[1:]} == codes(world, "y2")
    rows = csv_rows(world.get("coord_a", "/youths", params={"format": "csv", "page_size": 1}))
    assert len(rows) == 3  # the header and both youths, not one page


def test_a_partner_cannot_export_the_youths_and_the_refusal_is_audited(world):
    since = last_audit_id()
    response = world.get("partner", "/youths", params={"format": "xlsx", "stage": "intake"})
    assert response.status_code == 403
    [event] = exports_of(world.ids["partner"], since)
    assert (event.outcome, event.object_type, event.object_id) == ("denied", "youths.list", "xlsx")
    assert event.detail == {"format": "xlsx", "filters": {"stage": "intake"}}


def test_an_export_is_audited_with_its_filters_rows_and_youths(world):
    since = last_audit_id()
    world.get("coord_a", "/youths", params={"format": "csv", "q": "omar"})
    summary, *youths = exports_of(world.ids["coord_a"], since)
    assert (summary.outcome, summary.object_type, summary.object_id) == (
        "allowed", "youths.list", "csv",
    )  # fmt: skip
    assert summary.detail == {"format": "csv", "filters": {"q": "omar"}, "rows": 1}
    assert [(e.object_type, e.youth_id) for e in youths] == [("youth", world.ids["y2"])]


def test_the_file_is_an_attachment_never_stored(world):
    response = world.get("m1", "/youths", params={"format": "xlsx"})
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="youths-') and ".xlsx" in disposition
    assert "filename*=UTF-8''youths-" in disposition
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    csv_response = world.get("m1", "/youths", params={"format": "csv"})
    assert csv_response.headers["content-type"] == "text/csv; charset=utf-8"


def test_formula_injection_is_neutralised_in_both_formats(world):
    with session_scope() as s:
        youth = s.get(Youth, world.ids["y1"])
        for field, value in ATTACKS.items():
            setattr(youth, field, value)
        s.add(youth)
    [row] = csv_rows(world.get("m1", "/youths", params={"format": "csv"}))[1:]
    assert row[1] == "'" + ATTACKS["first_name"] + " +1"
    assert row[2] == "'@SUM(A1:A9) -2+3"
    sheet = xlsx_sheet(world.get("m1", "/youths", params={"format": "xlsx"}))
    for cell in (sheet["B2"], sheet["C2"]):
        assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    assert sheet["B2"].value == ATTACKS["first_name"] + " +1"
    assert sheet["E2"].data_type == "n"  # the age stays a number


def test_headers_and_labels_speak_the_readers_language(world):
    with session_scope() as s:
        user = s.get(User, world.ids["coord_b"])
        user.language = Language.ar
        s.add(user)
    rows = csv_rows(world.get("coord_b", "/youths", params={"format": "csv"}))
    assert rows[0][0] == "الرمز"
    sheet = xlsx_sheet(world.get("coord_b", "/youths", params={"format": "xlsx"}))
    assert sheet.sheet_view.rightToLeft
    assert rows[0] == [c.value for c in sheet[1]]


def test_an_export_past_the_limit_is_refused_with_a_clear_error(world, monkeypatch):
    monkeypatch.setattr(exporting, "MAX_ROWS", 1)
    response = world.get("coord_a", "/youths", params={"format": "csv"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_rows"
    assert "narrow" in response.json()["error"]["message"]
    assert world.get("coord_a", "/youths", params={"format": "pdf"}).status_code == 422


def test_the_work_list_exports_the_scope_with_its_filters(world):
    rows = csv_rows(world.get("m1", "/work-items", params={"format": "csv"}))
    assert {r[0] for r in rows[1:]} == codes(world, "y1")
    rows = csv_rows(world.get("coord_b", "/work-items", params={"format": "csv"}))
    assert {r[0] for r in rows[1:]} == codes(world, "y3")
    params = {"format": "xlsx", "kind": "plan_review"}
    sheet = xlsx_sheet(world.get("coord_a", "/work-items", params=params))
    assert sheet.max_row == 1  # the header only: no plan review is due yet
    assert world.get("partner", "/work-items", params={"format": "csv"}).status_code == 403
