"""Lists as CSV and XLSX through the API: the list's scope and filters, every row, formula
injection neutralised, audited (allowed and refused)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from sqlmodel import select

from api import exporting
from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import AuditEvent, Partner, User, Youth
from mowakaba.services import incidents as incident_service
from mowakaba.services import sweep
from mowakaba.services import transfers as transfer_service
from tests.factories import at

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


# ---------------------------------------------------------------- the other lists
# Each list: its scope (never a row the caller cannot see), one formula-like cell
# neutralised, and the audit row of the export.

EVIL = '=HYPERLINK("http://evil.example","x")'


def in_english() -> None:
    """Every account reads English (the headers these tests check)."""
    with session_scope() as s:
        for user in s.exec(select(User)):
            user.language = Language.en
            s.add(user)


def rename_youth(world, key: str, first_name: str) -> None:
    with session_scope() as s:
        youth = s.get(Youth, world.ids[key])
        youth.first_name = first_name
        s.add(youth)


def summary_of(actor: str, world, since: int) -> AuditEvent:
    """The export row (object type = the list's route) of a caller since an audit mark."""
    [summary] = [e for e in exports_of(world.ids[actor], since) if e.object_type != "youth"]
    return summary


def test_referrals_export_the_staffs_scope_and_a_partners_own_minimised(referral_world):
    in_english()
    w = referral_world
    rename_youth(w, "y1", EVIL)
    since = last_audit_id()
    rows = csv_rows(w.get("m1", "/referrals", params={"format": "csv"}))
    assert rows[0][:3] == ["Code", "Name", "Service"]
    assert len(rows) == 4  # the two sent referrals and the draft, every one of y1
    assert all(r[1].startswith("'=HYPERLINK") for r in rows[1:])
    summary = summary_of("m1", w, since)
    assert (summary.object_type, summary.detail["rows"]) == ("referrals.list", 3)
    assert len(csv_rows(w.get("coord_b", "/referrals", params={"format": "csv"}))) == 1
    # A partner: its organisation's open referral only, the youth's first name, no case file.
    rows = csv_rows(w.get("partner", "/referrals", params={"format": "csv"}))
    assert rows[0] == ["First name", "Age", "Service", "Need", "Status", "Answer due",
                       "Delivery due"]  # fmt: skip
    assert [(r[0], r[2]) for r in rows[1:]] == [("'" + EVIL, "First job a")]
    sheet = xlsx_sheet(w.get("partner", "/referrals", params={"format": "xlsx"}))
    assert sheet["A2"].value == EVIL and sheet["A2"].data_type == "s" and sheet["A2"].quotePrefix
    assert sheet["B2"].data_type == "n"  # the age stays a number


def test_escalations_export_mine_with_only_the_youths_i_may_see(world):
    in_english()

    with session_scope() as s:
        sweep.sweep(s, at(date.today() + timedelta(days=40)))
    since = last_audit_id()
    rows = csv_rows(world.get("coord_a", "/escalations", params={"format": "csv"}))
    assert rows[0][:3] == ["Code", "Work item", "Due date"]
    assert len(rows) > 1 and {r[0] for r in rows[1:]} == codes(world, "y1", "y2")
    assert summary_of("coord_a", world, since).detail["rows"] == len(rows) - 1
    rows = csv_rows(world.get("coord_b", "/escalations", params={"format": "csv"}))
    assert {r[0] for r in rows[1:]} == codes(world, "y3")
    rows = csv_rows(world.get("admin", "/escalations", params={"format": "csv"}))
    assert len(rows) > 1 and {r[0] for r in rows[1:]} == {""}  # every one, no youth named


def test_caseloads_export_my_institutions(world):
    in_english()
    with session_scope() as s:
        m1 = s.get(User, world.ids["m1"])
        m1.display_name = "@SUM(A1:A9)"
        s.add(m1)
    since = last_audit_id()
    rows = csv_rows(world.get("coord_a", "/caseloads", params={"format": "csv"}))
    assert rows[0] == ["Institution", "Mediator", "Young people", "Open work", "Overdue"]
    assert {r[0] for r in rows[1:]} == {"Dar Al Atfal A"}
    assert "'@SUM(A1:A9)" in {r[1] for r in rows[1:]}
    assert summary_of("coord_a", world, since).object_type == "caseloads.view"
    rows = csv_rows(world.get("coord_b", "/caseloads", params={"format": "csv"}))
    assert {r[0] for r in rows[1:]} == {"Dar Al Atfal B"}


def test_incidents_export_the_scope_and_the_description_only_to_its_readers(world):
    in_english()

    with session_scope() as s:
        for key, actor in (("y1", "m1"), ("y3", "mb")):
            incident_service.record_incident(
                s, youth_id=world.ids[key], actor=s.get(User, world.ids[actor]),
                report=IncidentReport(kind="runaway", occurred_at=datetime.now(UTC),
                                      description="-2+3 left at night"),
            )  # fmt: skip
    since = last_audit_id()
    rows = csv_rows(world.get("coord_a", "/incidents", params={"format": "csv"}))
    assert rows[0][-1] == "Description" and rows[1][-1] == "'-2+3 left at night"
    assert [r[0] for r in rows[1:]] == [*codes(world, "y1")]  # never institution B's
    summary = summary_of("coord_a", world, since)
    assert (summary.object_type, summary.detail["rows"]) == ("incidents.list", 1)
    rows = csv_rows(world.get("supervisor", "/incidents", params={"format": "csv"}))
    assert "Description" not in rows[0] and [r[0] for r in rows[1:]] == [*codes(world, "y1")]
    assert world.get("m1", "/incidents", params={"format": "csv"}).status_code == 403


def test_transfers_export_those_of_my_institutions(world):
    in_english()
    rename_youth(world, "y1", "+212 600")
    with session_scope() as s:
        transfer_service.request_transfer(
            s, youth_id=world.ids["y1"], actor=s.get(User, world.ids["coord_a"]),
            to_institution_id=world.ids["inst_b"], reason="closer to family",
        )  # fmt: skip
    since = last_audit_id()
    rows = csv_rows(world.get("coord_b", "/transfers", params={"format": "csv"}))
    assert rows[0] == ["Code", "Name", "From", "To", "Asked", "Status"]
    [row] = rows[1:]
    assert row[0] in codes(world, "y1") and row[1].startswith("'+212 600")
    assert (row[2], row[3]) == ("Dar Al Atfal A", "Dar Al Atfal B")
    assert summary_of("coord_b", world, since).object_type == "transfers.list"
    sheet = xlsx_sheet(world.get("coord_a", "/transfers", params={"format": "xlsx"}))
    assert sheet.max_row == 2 and sheet["E2"].is_date  # asked: a real date cell


def test_the_partner_directory_exports_with_its_filters(referral_world):
    in_english()
    w = referral_world
    with session_scope() as s:
        b = s.get(Partner, w.ids["partner_b"])
        b.name_ar = "=1+1"
        s.add(b)
    since = last_audit_id()
    rows = csv_rows(w.get("m1", "/partners", params={"format": "csv", "q": "Partner B"}))
    assert [(r[0], r[1]) for r in rows[1:]] == [("Partner B", "'=1+1")]
    assert "Email" not in rows[0]  # the directory's columns only
    summary = summary_of("m1", w, since)
    assert summary.detail == {"format": "csv", "filters": {"q": "Partner B"}, "rows": 1}
    assert len(csv_rows(w.get("m1", "/partners", params={"format": "csv"}))) == 3


def test_the_users_export_holds_no_secret(world):
    in_english()
    with session_scope() as s:
        m1 = s.get(User, world.ids["m1"])
        m1.display_name = "+33 6 00"
        s.add(m1)
        hashes = [u.password_hash for u in s.exec(select(User))]
    since = last_audit_id()
    response = world.get("admin", "/users", params={"format": "csv"})
    rows = csv_rows(response)
    assert rows[0] == ["User name", "Name", "Role", "Region", "Institutions", "State"]
    assert len(rows) == 1 + len(hashes)
    assert not any(h and h.encode() in response.content for h in hashes)
    assert ["m1", "'+33 6 00", "Mediator", "", "Dar Al Atfal A", "Active"] in rows
    assert summary_of("admin", world, since).object_type == "users.list"
    assert world.get("coord_a", "/users", params={"format": "csv"}).status_code == 403
