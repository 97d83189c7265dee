"""Retention and purge of one youth, legal holds, requests: the services (docs/privacy.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import col, func, select

from mowakaba.enums import PrivacyRequestKind, PrivacyRequestStatus, RecordClass
from mowakaba.errors import NotAllowed, NotYetClosed, OnLegalHold
from mowakaba.models import (
    AuditEvent,
    CaseNote,
    CaseNoteVersion,
    Consent,
    Document,
    FollowUp,
    Notification,
    User,
    WorkItem,
    Youth,
)
from mowakaba.services.privacy import holds, purge, retention
from mowakaba.services.privacy import requests as request_service
from mowakaba.settings import Retention
from tests.services.retention_world import SECRET, build, every_indicator, texts_of

TODAY = date(2026, 11, 30)


def _purge(session, youth_id, **kw):  # type: ignore[no-untyped-def]
    youth = session.get(Youth, youth_id)
    return purge.purge_youth(session, youth_id=youth_id, actor=None, cause="retention",
                             classes=retention.due_classes(youth, TODAY), **kw)  # fmt: skip


START = [0]  # the audit trail is never emptied between tests: rows after this one count


@pytest.fixture(autouse=True)
def _audit_start(session):  # type: ignore[no-untyped-def]
    START[0] = session.exec(select(func.max(AuditEvent.id))).one() or 0


def _purge_audits(session, youth_id):  # type: ignore[no-untyped-def]
    return session.exec(select(AuditEvent).where(
        AuditEvent.youth_id == youth_id, AuditEvent.action == "purge",
        col(AuditEvent.id) > START[0])).all()  # fmt: skip


def test_each_class_falls_due_counted_from_the_closure_date(session):
    w = build(session)
    youth = session.get(Youth, w.youth_id)
    # Closed 30 June 2015: documents and sensitive notes + 2 years, the case file + 5,
    # the runs + 6 months.
    assert retention.due_dates(youth) == {
        RecordClass.documents: date(2017, 6, 30), RecordClass.sensitive_notes: date(2017, 6, 30),
        RecordClass.case_file: date(2020, 6, 30), RecordClass.run_history: date(2015, 12, 30),
    }  # fmt: skip
    assert retention.due_classes(youth, date(2016, 1, 1)) == [RecordClass.run_history]
    # Documents kept longer than the case file go with it: a pseudonymised file keeps none.
    long_docs = Retention(documents_years=9, case_file_years=4)
    assert retention.due_dates(youth, long_docs)[RecordClass.documents] == date(2019, 6, 30)
    other = session.get(Youth, w.other_id)  # closed 1 October 2026: nothing due yet
    assert retention.due_classes(other, TODAY) == []
    assert retention.find_due_youths(session, today=TODAY, after_id=0, limit=10) == [w.youth_id]


def test_a_youth_closed_long_ago_is_purged_and_every_indicator_stays_the_same(session):
    w = build(session)
    before = every_indicator(session)
    other_before = texts_of(session, w.other_id)
    assert "Karim" in texts_of(session, w.youth_id) and SECRET in texts_of(session, w.youth_id)
    result = _purge(session, w.youth_id)
    assert sorted(result.files) == sorted(w.files)
    assert result.rows["documents"] == {"document": 2}
    assert result.rows["sensitive_notes"] == {"case_note_version": 1, "case_note": 1}
    assert result.rows["case_file"]["contact"] == 2 and result.runs_pending
    # Documents and sensitive notes gone; the ordinary note stays, its text blanked.
    assert session.exec(select(func.count()).where(Document.youth_id == w.youth_id)).one() == 0
    notes = session.exec(select(CaseNote).where(CaseNote.youth_id == w.youth_id)).all()
    assert [n.number for n in notes] == [2]
    (version,) = session.exec(select(CaseNoteVersion).where(CaseNoteVersion.note_id == notes[0].id))
    assert version.text == ""
    # Identity pseudonymised, no name or free text left; what the indicators read kept.
    youth = session.get(Youth, w.youth_id)
    assert youth.first_name == f"X-{youth.code}" and youth.first_name_ar == ""
    left = texts_of(session, w.youth_id)
    for word in ("Karim", "Tazi", "كريم", "Aicha", "0698765432", "Said", "baker", SECRET):
        assert word not in left, word
    consent = session.exec(select(Consent).where(Consent.youth_id == w.youth_id)).one()
    assert consent.given_by_name is None
    item = session.exec(select(WorkItem).where(
        WorkItem.youth_id == w.youth_id, WorkItem.kind == "exit_readiness_assessment")).one()  # fmt: skip
    assert item.payload == {"outcome": "ready"}
    checkpoint = session.exec(select(FollowUp).where(FollowUp.youth_id == w.youth_id)).one()
    assert (checkpoint.housing, checkpoint.health_coverage, checkpoint.notes) == (
        "shared_flat", True, None)  # fmt: skip
    assert youth.date_of_birth == date(1995, 3, 15) and youth.exit_date == date(2013, 1, 1)
    assert every_indicator(session) == before
    # The comparison sees what the purge must keep: an outcome or an age lost shows.
    youth.date_of_birth = date(1994, 1, 1)  # 19 at the exit: an exit after 18
    session.add(youth)
    session.flush()
    assert every_indicator(session) != before
    youth.date_of_birth = date(1995, 3, 15)
    checkpoint.housing = None
    session.add_all([youth, checkpoint])
    session.flush()
    assert every_indicator(session) != before
    # The other youth, closed last month, is untouched.
    assert texts_of(session, w.other_id) == other_before
    # One audit row per class purged, counts only.
    audits = {a.object_type: a.detail for a in _purge_audits(session, w.youth_id)}
    assert set(audits) == {"documents", "sensitive_notes", "case_file"}
    assert audits["documents"] == {"rows": {"document": 2}, "cause": "retention"}
    assert SECRET not in str(audits) and "Karim" not in str(audits)


def test_a_second_purge_changes_nothing_and_audits_nothing_new(session):
    w = build(session)
    _purge(session, w.youth_id)
    audits = len(_purge_audits(session, w.youth_id))
    again = _purge(session, w.youth_id)
    assert again.rows == {} and again.files == []
    assert len(_purge_audits(session, w.youth_id)) == audits
    # The runs are the task's: once Prefect deleted them, the youth is done.
    purge.finish_run_history(session, youth_id=w.youth_id, deleted=3)
    purge.finish_run_history(session, youth_id=w.youth_id, deleted=3)
    runs = [a for a in _purge_audits(session, w.youth_id) if a.object_type == "run_history"]
    assert [a.detail["rows"] for a in runs] == [{"flow_run": 3}]
    assert retention.find_due_youths(session, today=TODAY, after_id=0, limit=10) == []


def test_a_dry_run_counts_what_would_go_and_changes_nothing(session):
    w = build(session)
    before = texts_of(session, w.youth_id)
    audits = session.exec(select(func.count()).select_from(AuditEvent)).one()
    result = _purge(session, w.youth_id, dry_run=True)
    assert result.rows == {
        "documents": {"document": 2}, "sensitive_notes": {"case_note_version": 1, "case_note": 1},
        "case_file": {"youth": 1},
    }  # fmt: skip
    assert result.files == [] and result.runs_pending
    assert texts_of(session, w.youth_id) == before
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == audits


def test_a_legal_hold_stops_the_purge_until_it_is_lifted(session):
    w = build(session)
    coordinator = session.get(User, w.coordinator_id)
    youth = session.get(Youth, w.youth_id)
    holds.place_hold(session, youth=youth, actor=coordinator, reason="Court case 2026/114")
    with pytest.raises(OnLegalHold, match="on legal hold") as refused:
        _purge(session, w.youth_id)
    assert "Court case" not in str(refused.value)  # the reason is case data: not in errors
    assert retention.find_due_youths(session, today=TODAY, after_id=0, limit=10) == []
    assert "Karim" in texts_of(session, w.youth_id)
    holds.lift_hold(session, youth=youth, actor=coordinator, reason="Case closed by the court")
    assert retention.find_due_youths(session, today=TODAY, after_id=0, limit=10) == [w.youth_id]
    actions = session.exec(select(AuditEvent.action).where(
        AuditEvent.youth_id == w.youth_id, col(AuditEvent.action).like("legal_hold.%"),
        col(AuditEvent.id) > START[0])).all()  # fmt: skip
    assert sorted(actions) == ["legal_hold.lift", "legal_hold.place"]


def test_an_approved_deletion_request_purges_through_the_same_code(session):
    w = build(session)
    coordinator, admin = session.get(User, w.coordinator_id), session.get(User, w.admin_id)
    youth = session.get(Youth, w.youth_id)
    before = every_indicator(session)
    request = request_service.record_request(session, youth=youth, actor=coordinator,
                                             kind=PrivacyRequestKind.deletion, classes=[],
                                             reason="The youth asks")  # fmt: skip
    assert request.classes == sorted(c.value for c in purge.YOUTH_CLASSES)
    with pytest.raises(NotAllowed):
        request_service.approve_request(session, request_id=request.pk, actor=coordinator)
    result = request_service.approve_request(session, request_id=request.pk, actor=admin)
    assert set(result.rows) == {"documents", "sensitive_notes", "case_file"}
    assert request.status == PrivacyRequestStatus.done and request.decided_by_id == admin.id
    audits = _purge_audits(session, w.youth_id)
    assert {a.detail["cause"] for a in audits} == {f"request:{request.id}"}
    assert all(a.actor_id == admin.id for a in audits)
    assert "Karim" not in texts_of(session, w.youth_id)
    assert every_indicator(session) == before


def test_a_rejected_request_purges_nothing(session):
    w = build(session)
    coordinator, admin = session.get(User, w.coordinator_id), session.get(User, w.admin_id)
    youth = session.get(Youth, w.youth_id)
    request = request_service.record_request(
        session, youth=youth, actor=coordinator, kind=PrivacyRequestKind.objection,
        classes=["documents"], reason="objects to the scans",
    )  # fmt: skip
    request_service.reject_request(session, request_id=request.pk, actor=admin,
                                   note="needed for the court")  # fmt: skip
    assert request.status == PrivacyRequestStatus.rejected
    assert _purge_audits(session, w.youth_id) == []
    assert session.exec(select(func.count()).where(Document.youth_id == w.youth_id)).one() == 2


def test_requests_are_refused_on_a_held_file_or_for_an_open_case_file(session):
    w = build(session)
    coordinator, admin = session.get(User, w.coordinator_id), session.get(User, w.admin_id)
    youth = session.get(Youth, w.youth_id)
    youth.stage = "follow_up"
    request = request_service.record_request(session, youth=youth, actor=coordinator,
                                             kind=PrivacyRequestKind.deletion, classes=[],
                                             reason="asks")  # fmt: skip
    with pytest.raises(NotYetClosed):
        request_service.approve_request(session, request_id=request.pk, actor=admin)
    youth.stage = "closed"
    holds.place_hold(session, youth=youth, actor=coordinator, reason="Inquiry")
    with pytest.raises(OnLegalHold, match="on legal hold"):
        request_service.approve_request(session, request_id=request.pk, actor=admin)


def test_aged_audit_rows_and_notifications_go_and_recent_audit_rows_stay(session):
    w = build(session)
    # Rows of 1990 and a purge "in 1997" (6 years: before 1991 goes): other tests' rows,
    # which the trail keeps, are all younger.
    old = datetime(1990, 1, 1, tzinfo=UTC)
    for action in ("read", "update"):
        session.add(AuditEvent(occurred_at=old, action=action, object_type="youth",
                               youth_id=w.youth_id, outcome="allowed"))  # fmt: skip
    session.add(Notification(idempotency_key="old", recipient_id=w.mediator_id, kind="reminder",
                             created_at=old))  # fmt: skip
    session.flush()
    recent = session.exec(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.occurred_at > old)).one()  # fmt: skip
    found = retention.purge_aged(session, at=datetime(1997, 1, 1, tzinfo=UTC))
    assert found == {"audit_trail": {"audit_event": 2}, "notifications": {"notification": 1}}
    # What is left: the recent rows, and the audit of the purge itself (counts only).
    assert session.exec(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.occurred_at <= old)).one() == 0  # fmt: skip
    kinds = session.exec(select(AuditEvent.object_type).where(
        AuditEvent.action == "purge", col(AuditEvent.id) > START[0])).all()  # fmt: skip
    assert sorted(kinds) == ["audit_trail", "notifications"]
    assert retention.purge_aged(session, at=datetime(1997, 1, 1, tzinfo=UTC)) == {}
    assert session.exec(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.occurred_at > old)).one() == recent + 2  # fmt: skip


def test_the_triggers_refuse_to_delete_a_recent_audit_row(session):
    session.add(AuditEvent(action="read", object_type="youth", outcome="allowed"))
    session.flush()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), session.begin_nested():
        session.exec(sa.delete(AuditEvent))  # type: ignore[call-overload]


def test_a_note_corrected_to_sensitive_goes_whole_with_its_first_ordinary_version(session):
    """A note written as ordinary and corrected to "health" keeps the same words in its
    first version: the whole note goes, so nothing of it is left for a supervisor."""
    w = build(session)
    note = session.exec(select(CaseNote).where(CaseNote.youth_id == w.youth_id,
                                               CaseNote.number == 2)).one()  # fmt: skip
    first = session.exec(select(CaseNoteVersion).where(CaseNoteVersion.note_id == note.id)).one()
    session.add(CaseNoteVersion(note_id=note.pk, version=2, kind=first.kind,
                                contact_date=first.contact_date, sensitivity="health",
                                text=first.text, reason="it is about health",
                                written_by_id=first.written_by_id))  # fmt: skip
    note.current_version = 2
    session.add(note)
    session.flush()
    result = purge.purge_youth(session, youth_id=w.youth_id, actor=None, cause="retention",
                               classes=[RecordClass.sensitive_notes])  # fmt: skip
    assert result.rows["sensitive_notes"] == {"case_note_version": 3, "case_note": 2}
    notes = select(CaseNote.id).where(CaseNote.youth_id == w.youth_id)
    assert session.exec(select(CaseNoteVersion).where(
        col(CaseNoteVersion.note_id).in_(notes))).all() == []  # fmt: skip


def test_a_request_for_the_case_file_takes_the_documents_and_sensitive_notes_too(session):
    w = build(session)
    coordinator, admin = session.get(User, w.coordinator_id), session.get(User, w.admin_id)
    youth = session.get(Youth, w.other_id)  # closed last month: nothing due yet
    request = request_service.record_request(
        session, youth=youth, actor=coordinator, kind=PrivacyRequestKind.deletion,
        classes=[RecordClass.case_file, RecordClass.run_history], reason="The youth asks",
    )  # fmt: skip
    result = request_service.approve_request(session, request_id=request.pk, actor=admin)
    assert {"documents", "sensitive_notes", "case_file"} <= set(result.rows)
    assert session.exec(select(Document).where(Document.youth_id == w.other_id)).all() == []
    assert request.reason != "The youth asks"  # the youth's words go with the file


def test_a_held_file_keeps_its_old_audit_rows_and_messages(session):
    w = build(session)
    coordinator = session.get(User, w.coordinator_id)
    old = datetime(1990, 1, 1, tzinfo=UTC)
    for youth_id in (w.youth_id, w.other_id):
        session.add(AuditEvent(occurred_at=old, action="read", object_type="youth",
                               youth_id=youth_id, outcome="allowed"))  # fmt: skip
        session.add(Notification(idempotency_key=f"old-{youth_id}", recipient_id=w.mediator_id,
                                 kind="reminder", created_at=old, youth_id=youth_id))  # fmt: skip
    session.flush()
    holds.place_hold(session, youth=session.get(Youth, w.youth_id), actor=coordinator,
                     reason="Court case 2026/114")  # fmt: skip
    found = retention.purge_aged(session, at=datetime(1997, 1, 1, tzinfo=UTC))
    assert found == {"audit_trail": {"audit_event": 1}, "notifications": {"notification": 1}}
    kept = session.exec(select(AuditEvent.youth_id).where(AuditEvent.occurred_at <= old)).all()
    assert kept == [w.youth_id]


def test_answers_kept_for_retries_go_after_a_day(session):
    w = build(session)
    from mowakaba.models import IdempotencyRecord

    for key, age in (("old", datetime(2026, 11, 28, tzinfo=UTC)),
                     ("new", datetime(2026, 11, 30, 11, tzinfo=UTC))):  # fmt: skip
        session.add(IdempotencyRecord(user_id=w.mediator_id, key=key, request_hash="h",
                                      status_code=201, response={"a": 1}, created_at=age))  # fmt: skip
    session.flush()
    found = retention.purge_aged(session, at=datetime(2026, 11, 30, 12, tzinfo=UTC))
    assert found["idempotency"] == {"idempotency_record": 1}
    assert session.exec(select(IdempotencyRecord.key)).all() == ["new"]
