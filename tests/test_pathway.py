"""The pathway of DESIGN.md §2: stages, the moves between them and the work they create."""

from datetime import date

import pytest

from mowakaba.calendar import WorkingCalendar
from mowakaba.enums import ChecklistItem, Stage, WorkItemKind
from mowakaba.errors import (
    ExtensionRequired,
    ExtensionTooLate,
    InvalidTransition,
)
from mowakaba.pathway import (
    TRANSITIONS,
    PathwayFacts,
    check_transition,
    entry_work,
    next_stage_trigger,
    stage_moves,
)
from mowakaba.rules import Rules

# National default holidays with Morocco's usual +1 day on Umm al-Qura. Religious
# days used below: Eid al-Adha 2030 falls on 14–15 April by this default.
RULES = Rules(calendar=WorkingCalendar.national(range(2024, 2036), hijri_offset_days=1))


def test_every_stage_can_be_closed_and_nothing_moves_back():
    for stage in Stage:
        if stage != Stage.closed:
            check_transition(stage, Stage.closed)
    with pytest.raises(InvalidTransition, match="youth 7: no move from stage active to planning"):
        check_transition(Stage.active, Stage.planning, youth_id=7)
    with pytest.raises(InvalidTransition):
        check_transition(Stage.closed, Stage.follow_up)
    order = list(Stage)
    for source, targets in TRANSITIONS.items():
        assert all(order.index(t) > order.index(source) for t in targets)


def facts(**kw) -> PathwayFacts:
    base = dict(
        date_of_birth=date(2012, 3, 15),
        registered=date(2026, 11, 29),
        stage=Stage.enrolled,
        planned_exit=date(2030, 3, 15),
    )
    base.update(kw)
    return PathwayFacts(**base)


def test_registered_at_13_waits_for_the_14th_birthday():
    f = facts(date_of_birth=date(2013, 6, 1), planned_exit=date(2031, 6, 1))
    assert stage_moves(RULES, f, date(2026, 11, 29)) == []
    assert next_stage_trigger(RULES, f) == date(2027, 6, 1)
    assert stage_moves(RULES, f, date(2027, 6, 1)) == [(Stage.intake, date(2027, 6, 1))]
    # Intake work, created on the birthday: due 30 days later, Thu 1 Jul 2027.
    assert entry_work(RULES, Stage.intake, date(2027, 6, 1), planned_exit=None)[0].due_date == date(
        2027, 7, 1
    )


def test_registered_at_14_starts_intake_on_registration():
    assert stage_moves(RULES, facts(), date(2026, 11, 29)) == [(Stage.intake, date(2026, 11, 29))]


def test_completions_move_the_stage_on_their_day():
    f = facts(stage=Stage.intake, intake_done=date(2026, 12, 20))
    assert stage_moves(RULES, f, date(2026, 12, 21)) == [(Stage.planning, date(2026, 12, 20))]
    f = facts(stage=Stage.planning, plan_approved=date(2027, 2, 4))
    assert stage_moves(RULES, f, date(2027, 2, 4)) == [(Stage.active, date(2027, 2, 4))]


def test_registered_at_17_and_a_half_lands_in_exit_preparation_with_all_skipped_work():
    born, registered = date(2009, 5, 20), date(2026, 11, 20)
    planned = RULES.check_registration(date_of_birth=born, registered=registered)
    assert planned == date(2027, 5, 20)
    f = facts(date_of_birth=born, registered=registered, planned_exit=planned)
    assert stage_moves(RULES, f, registered) == [
        (Stage.intake, registered),
        (Stage.exit_preparation, registered),
    ]
    work = entry_work(
        RULES,
        Stage.exit_preparation,
        registered,
        planned_exit=planned,
        existing=frozenset({WorkItemKind.intake_assessment}),
    )
    by_kind = {(w.kind, w.subject): w.due_date for w in work}
    assert by_kind[(WorkItemKind.integration_plan, "v1")] == date(2026, 12, 21)  # Sun 20 → Mon
    assert by_kind[(WorkItemKind.exit_readiness_assessment, "")] == date(2026, 12, 21)
    # Checklist: 60 days before 20 May 2027 is Sun 21 Mar → Mon 22 Mar (later than entry + 30).
    for item in ChecklistItem:
        assert by_kind[(WorkItemKind.exit_checklist_item, item.value)] == date(2027, 3, 22)
    assert by_kind[(WorkItemKind.record_exit, "")] == date(2027, 5, 20)
    assert (WorkItemKind.intake_assessment, "") not in by_kind  # it exists already


def test_checklist_is_due_30_days_after_entry_when_the_exit_is_near():
    # Entered 1 Mar 2027, exit 15 Apr 2027: 60 days before is 14 Feb (past); entry + 30 = 31 Mar.
    assert RULES.checklist_due(date(2027, 3, 1), date(2027, 4, 15)) == date(2027, 3, 31)


def test_registered_at_19_still_in_care_needs_an_extension():
    born, registered = date(2007, 9, 1), date(2026, 11, 29)
    with pytest.raises(ExtensionRequired):
        RULES.check_registration(date_of_birth=born, registered=registered)
    with pytest.raises(ExtensionTooLate):
        RULES.check_registration(
            date_of_birth=born, registered=registered, planned_exit=date(2028, 9, 2)
        )
    planned = RULES.check_registration(
        date_of_birth=born, registered=registered, planned_exit=date(2027, 6, 30)
    )
    f = facts(date_of_birth=born, registered=registered, planned_exit=planned)
    assert [s for s, _ in stage_moves(RULES, f, registered)] == [
        Stage.intake,
        Stage.exit_preparation,
    ]


def test_registered_after_leaving_care_starts_in_exited_with_the_checkpoints_to_come():
    born, exited, registered = date(2007, 9, 1), date(2026, 6, 30), date(2026, 11, 29)
    assert (
        RULES.check_registration(date_of_birth=born, registered=registered, exit_date=exited)
        is None
    )
    f = facts(date_of_birth=born, registered=registered, planned_exit=None, exit_date=exited)
    # The first checkpoint (30 Jul) has passed: follow-up starts at once.
    assert stage_moves(RULES, f, registered) == [
        (Stage.exited, registered),
        (Stage.follow_up, registered),
    ]
    work = entry_work(
        RULES, Stage.exited, registered, planned_exit=None, exit_date=exited, registered=registered
    )
    assert [(w.subject, w.due_date) for w in work] == [
        ("m6", date(2026, 12, 30)),
        ("m12", date(2027, 6, 30)),
        ("m24", date(2028, 6, 30)),
        ("m36", date(2029, 7, 2)),  # Sat 30 Jun 2029 → Mon 2 Jul
    ]


def test_29_february_birthday_through_the_pathway():
    born = date(2012, 2, 29)
    f = facts(
        date_of_birth=born,
        registered=date(2025, 6, 1),
        planned_exit=RULES.default_planned_exit(born),
    )
    assert f.planned_exit == date(2030, 2, 28)
    assert next_stage_trigger(RULES, f) == date(2026, 2, 28)
    assert RULES.exit_preparation_date(born, f.planned_exit, f.registered) == date(2029, 2, 28)
