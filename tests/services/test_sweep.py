"""The sweep: idempotent, batched, and safe to interrupt."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from mowakaba.enums import Role, Stage, WorkItemKind
from mowakaba.models import Escalation, Notification, PathwayEvent, WorkItem
from mowakaba.services import calendars as calendar_service
from mowakaba.services import reconciliation, sweep
from mowakaba.settings import get_settings
from tests.factories import at, item_of, make_institution, make_user, make_youth

REGISTERED = date(2026, 11, 30)


@pytest.fixture
def cohort(session):
    institution = make_institution(session)
    make_user(session, Role.coordinator, [institution], email="coord@example.ma")
    make_user(session, Role.supervisor, region=institution.region)
    mediator = make_user(session, Role.mediator, [institution], email="med@example.ma")
    youths = [
        make_youth(
            session, institution, mediator, date_of_birth=date(2012, 1, 1 + n), as_of=at(REGISTERED)
        )
        for n in range(5)
    ]
    return youths


def counts(session):
    session.flush()
    return tuple(
        session.exec(select(func.count()).select_from(table)).one()
        for table in (Notification, Escalation, WorkItem, PathwayEvent)
    )


def test_sweep_twice_at_the_same_instant_changes_nothing(session, cohort):
    for day in (date(2026, 12, 23), date(2027, 1, 6), date(2027, 1, 18)):
        first = sweep.sweep(session, at(day), batch_size=2)
        after_first = counts(session)
        second = sweep.sweep(session, at(day), batch_size=2)
        assert counts(session) == after_first
        assert second.reminders == second.escalations_level_1 == second.escalations_level_2 == 0
    assert first.escalations_level_2 == 5


def test_reconcile_twice_changes_nothing(session, cohort):
    youth = cohort[0]
    before = counts(session)
    again = reconciliation.reconcile_youth(session, youth.id, at(REGISTERED, 12))
    assert not again.changed and counts(session) == before
    moved = reconciliation.reconcile_youth(session, youth.id, at(date(2029, 1, 2)))
    # Reconciled a day late: the stage starts on the 17th birthday all the same.
    assert moved.moves == [(Stage.exit_preparation, date(2029, 1, 1))]
    after = counts(session)
    assert not reconciliation.reconcile_youth(session, youth.id, at(date(2029, 1, 2))).changed
    assert counts(session) == after


def test_a_sweep_interrupted_between_batches_leaves_every_notification_once(session, cohort):
    calls = []

    def commit_then_die(s):
        s.commit()  # the edge commits each batch
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("killed between two batches")

    with pytest.raises(RuntimeError):
        sweep.sweep(session, at(date(2026, 12, 23)), batch_size=2, after_batch=commit_then_die)
    session.rollback()
    partial = session.exec(select(func.count()).select_from(Notification)).one()
    assert 0 < partial < 10  # some batches landed, not all
    sweep.sweep(session, at(date(2026, 12, 23)), batch_size=2, after_batch=lambda s: s.commit())
    keys = session.exec(select(Notification.idempotency_key)).all()
    # Five intake items, D−7 reminders, to the mediator (in-app + email on one row each).
    assert len(keys) == 5 == len(set(keys))


def test_stage_triggers_are_found_by_the_index_and_reconciled(session, cohort):
    result = sweep.sweep(session, at(date(2029, 1, 10)), batch_size=2)
    assert result.stage_changes == 5
    assert {y.stage for y in cohort} == {Stage.exit_preparation}
    assert sweep.sweep(session, at(date(2029, 1, 10)), batch_size=2).stage_changes == 0


@pytest.fixture
def change_timings(monkeypatch):
    """Change programme timings as an operator would (environment, then a restart)."""

    def change(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"MOWAKABA_TIMINGS__{name.upper()}", value)
        get_settings.cache_clear()
        calendar_service.forget_cached_rules()

    yield change
    monkeypatch.undo()
    get_settings.cache_clear()
    calendar_service.forget_cached_rules()


def test_changed_timings_apply_to_items_created_after_the_change(session, change_timings):
    institution = make_institution(session)
    make_user(session, Role.coordinator, [institution])
    mediator = make_user(session, Role.mediator, [institution])
    old = make_youth(session, institution, mediator, as_of=at(REGISTERED))
    change_timings(escalation_working_days="[5,12]", reminder_days_before="[10,2]")
    new = make_youth(session, institution, mediator, as_of=at(REGISTERED))
    item_a = item_of(session, old, WorkItemKind.intake_assessment)
    item_b = item_of(session, new, WorkItemKind.intake_assessment)
    assert item_a.due_date == item_b.due_date
    due = item_a.due_date
    working = calendar_service.rules_for(
        session, institution_id=institution.id, today=REGISTERED
    ).calendar

    def reminders(item):
        return sorted(
            key.split(":")[3]
            for key in session.exec(
                select(Notification.idempotency_key).where(Notification.work_item_id == item.id)
            )
        )

    sweep.sweep(session, at(due - timedelta(days=10)))
    assert (reminders(item_a), reminders(item_b)) == ([], ["D-10"])
    sweep.sweep(session, at(due - timedelta(days=7)))
    assert (reminders(item_a), reminders(item_b)) == (["D-7"], ["D-10"])
    for n in range(1, 13):
        sweep.sweep(session, at(working.add_working_days(due, n)))
        levels = (item_a.escalation_level, item_b.escalation_level)
        # The old item keeps D+3 and D+10; the new one takes D+5 and D+12.
        expected_a = 2 if n >= 10 else 1 if n >= 3 else 0
        expected_b = 2 if n >= 12 else 1 if n >= 5 else 0
        assert levels == (expected_a, expected_b), f"working day D+{n}"
