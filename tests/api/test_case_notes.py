"""The case file through HTTP: notes written, corrected and read by role (a supervisor
sees a sensitive note exists, not its text), one audit row per sensitive read, contact
details replaced with their history kept, malformed ones refused naming the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, func, select

from mowakaba.db import session_scope
from mowakaba.models import AuditEvent, CaseNoteVersion, Contact
from tests.api.notes_world import add_note

TODAY = date.today()
NOTE = {"kind": "visit", "with_whom": ["youth", "school"], "contact_date": str(TODAY),
        "text": "Visite au lycée avec le jeune", "sensitivity": "none"}  # fmt: skip


@pytest.fixture
def w(world):
    return add_note(world)


def audit_after(start: int, **where) -> list[AuditEvent]:
    with session_scope() as s:
        query = select(AuditEvent).where(col(AuditEvent.id) > start)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(s.exec(query))


def last_audit() -> int:
    with session_scope() as s:
        return s.exec(select(func.max(AuditEvent.id))).one() or 0


def test_a_mediator_writes_and_corrects_a_note_and_every_version_is_kept(w):
    y1 = w.ids["y1"]
    written = w.post("m1", f"/youths/{y1}/notes", json=NOTE)
    assert written.status_code == 201, written.text
    note = written.json()
    assert note["number"] == 2 and note["version_count"] == 1
    assert note["current"]["text"] == NOTE["text"] and note["current"]["with_whom"] == [
        "school",
        "youth",
    ]
    corrected = w.post("coord_a", f"/youths/{y1}/notes/{note['id']}/versions",
                       json={"reason": "wrong day", "contact_date": str(TODAY - timedelta(days=1))})  # fmt: skip
    assert corrected.status_code == 201, corrected.text
    body = corrected.json()
    assert body["version_count"] == 2 and body["current"]["reason"] == "wrong day"
    assert [v["version"] for v in body["versions"]] == [2, 1]
    assert body["versions"][1]["contact_date"] == str(TODAY)
    assert body["current"]["text"] == NOTE["text"]  # kept from version 1
    listed = w.get("m1", f"/youths/{y1}/notes").json()
    assert listed["total"] == 2 and {n["current"]["version"] for n in listed["items"]} == {1, 2}
    events = w.get("m1", f"/youths/{y1}/timeline").json()["items"]
    assert {"case_note_written", "case_note_corrected"} <= {e["kind"] for e in events}


def test_the_same_idempotency_key_writes_one_note(w):
    y1, headers = w.ids["y1"], {"Idempotency-Key": "note-1"}
    first = w.post("m1", f"/youths/{y1}/notes", json=NOTE, headers=headers)
    again = w.post("m1", f"/youths/{y1}/notes", json=NOTE, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(CaseNoteVersion)).one() == 2


def test_a_replayed_answer_showing_a_sensitive_text_is_audited_again(w):
    y1, headers = w.ids["y1"], {"Idempotency-Key": "note-2"}
    body = NOTE | {"sensitivity": "justice", "text": "Audience au tribunal la semaine prochaine"}
    first = w.post("m1", f"/youths/{y1}/notes", json=body, headers=headers)
    start = last_audit()
    again = w.post("m1", f"/youths/{y1}/notes", json=body, headers=headers)
    assert again.json()["current"]["text"] == body["text"]
    (row,) = audit_after(start, action="notes.read_sensitive")
    assert row.object_id == str(first.json()["id"])
    assert row.request_id == again.headers["x-request-id"]


def test_a_supervisor_sees_a_sensitive_note_exists_but_not_its_text(w):
    y1, note = w.ids["y1"], w.ids["note"]
    start = last_audit()
    listed = w.get("supervisor", f"/youths/{y1}/notes").json()["items"]
    (row,) = listed
    assert row["current"]["hidden"] and row["current"]["text"] is None
    assert row["current"]["sensitivity"] == "health" and row["current"]["kind"] == "call"
    assert row["author_id"] == w.ids["m1"] and row["current"]["contact_date"] == str(TODAY)
    one = w.get("supervisor", f"/youths/{y1}/notes/{note}").json()
    assert all(v["text"] is None for v in one["versions"])
    assert "Rendez-vous" not in str(listed) + str(one)
    assert audit_after(start, action="notes.read_sensitive") == []


def test_every_read_of_a_sensitive_text_is_audited_naming_the_note(w):
    y1, note = w.ids["y1"], w.ids["note"]
    start = last_audit()
    assert w.get("m1", f"/youths/{y1}/notes").json()["items"][0]["current"]["text"]
    assert w.get("coord_a", f"/youths/{y1}/notes/{note}").status_code == 200
    rows = audit_after(start, action="notes.read_sensitive")
    # (as a set: on PostgreSQL the ids of two requests' rows need not follow their order)
    assert {(r.actor_id, r.object_type, r.object_id, r.youth_id) for r in rows} == {
        (w.ids["m1"], "case_note", str(note), y1),
        (w.ids["coord_a"], "case_note", str(note), y1),
    } and len(rows) == 2
    # A page that does not show the note reads nothing.
    assert w.get("m1", f"/youths/{y1}/notes", params={"page": 2}).json()["items"] == []
    assert len(audit_after(start, action="notes.read_sensitive")) == 2


def test_a_note_made_sensitive_later_hides_every_version_from_supervisors(w):
    y1 = w.ids["y1"]
    written = w.post("m1", f"/youths/{y1}/notes", json=NOTE | {"text": "She is pregnant"})
    note = written.json()["id"]
    made = w.post("m1", f"/youths/{y1}/notes/{note}/versions",
                  json={"sensitivity": "health", "reason": "health information"})  # fmt: skip
    assert made.status_code == 201, made.text
    listed = w.get("supervisor", f"/youths/{y1}/notes").json()["items"]
    one = w.get("supervisor", f"/youths/{y1}/notes/{note}").json()
    assert [v["hidden"] for v in one["versions"]] == [True, True]
    assert "pregnant" not in str(listed) + str(one)
    # Made not sensitive again, it stays sensitive: its earlier versions say so.
    lowered = w.post("m1", f"/youths/{y1}/notes/{note}/versions",
                     json={"sensitivity": "none", "reason": "classified by mistake"})  # fmt: skip
    assert lowered.status_code == 201, lowered.text
    assert "pregnant" not in str(w.get("supervisor", f"/youths/{y1}/notes").json())
    start = last_audit()
    assert w.get("m1", f"/youths/{y1}/notes/{note}").json()["current"]["text"] == "She is pregnant"
    (row,) = audit_after(start, action="notes.read_sensitive")
    assert row.object_id == str(note)


def test_partners_and_admins_read_no_note_and_other_caseloads_get_404(w):
    y1, note = w.ids["y1"], w.ids["note"]
    for who in ("partner", "admin"):
        assert w.get(who, f"/youths/{y1}/notes").status_code == 403
        assert w.get(who, f"/youths/{y1}/notes/{note}").status_code == 403
    missing = w.get("m2", "/youths/999999/notes")
    for who in ("m2", "coord_b"):
        for response in (w.get(who, f"/youths/{y1}/notes"),
                         w.get(who, f"/youths/{y1}/notes/{note}"),
                         w.post(who, f"/youths/{y1}/notes", json=NOTE),
                         w.put(who, f"/youths/{y1}/contacts", json={"phone": "0612345678"})):  # fmt: skip
            assert response.status_code == 404 and response.json() == missing.json()
    # A note of another youth is not found under this one.
    assert w.get("m2", f"/youths/{w.ids['y2']}/notes/{note}").status_code == 404
    assert w.post("supervisor", f"/youths/{y1}/notes", json=NOTE).status_code == 403


def test_a_future_contact_date_or_an_empty_correction_is_refused(w):
    y1 = w.ids["y1"]
    future = w.post("m1", f"/youths/{y1}/notes",
                    json={**NOTE, "contact_date": str(TODAY + timedelta(days=3))})  # fmt: skip
    assert future.status_code == 422 and future.json()["error"]["code"] == "implausible_dates"
    empty = w.post("m1", f"/youths/{y1}/notes/{w.ids['note']}/versions", json={"reason": "x"})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_input"
    nobody = w.post("m1", f"/youths/{y1}/notes", json={**NOTE, "with_whom": []})
    assert nobody.status_code == 422 and "with_whom" in nobody.json()["error"]["message"]


def test_contact_details_are_replaced_with_their_history_kept(w):
    y1 = w.ids["y1"]
    first = w.put("m1", f"/youths/{y1}/contacts",
                  json={"phone": "0612 34 56 78", "trusted_1_name": "Fatima",
                        "trusted_1_relation": "tante", "trusted_1_phone": "0661000001",
                        "confirmed_date": str(TODAY - timedelta(days=90))})  # fmt: skip
    assert first.status_code == 200, first.text
    assert [(c["kind"], c["position"]) for c in first.json()] == [
        ("phone", 1),
        ("trusted_person", 1),
    ]
    second = w.put("coord_a", f"/youths/{y1}/contacts", json={"phone": "0700 11 22 33"}).json()
    phone = next(c for c in second if c["kind"] == "phone")
    assert phone["value"] == "0700 11 22 33" and phone["confirmed_date"] == str(TODAY)
    assert phone["recorded_by_id"] == w.ids["coord_a"]
    current = w.get("supervisor", f"/youths/{y1}/contacts").json()
    assert current["total"] == 2
    history = w.get("m1", f"/youths/{y1}/contacts", params={"include_replaced": True}).json()
    assert [(c["value"], c["is_current"]) for c in history["items"] if c["kind"] == "phone"] == [
        ("0700 11 22 33", True),
        ("0612 34 56 78", False),
    ]
    assert w.get("partner", f"/youths/{y1}/contacts").status_code == 403


@pytest.mark.parametrize("field,value", [("phone", "06 12"), ("email", "amine@example"),
                                         ("trusted_2_phone", "call me")])  # fmt: skip
def test_a_malformed_phone_or_email_is_a_422_naming_the_field(w, field, value):
    response = w.put("m1", f"/youths/{w.ids['y1']}/contacts", json={field: value})
    assert response.status_code == 422
    assert field in response.json()["error"]["message"]
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Contact)).one() == 0
