"""The nominal schedule: the whole pathway by the rules, every item done on its due date."""

import json
from datetime import date

from typer.testing import CliRunner

from mowakaba.calendar import WorkingCalendar
from mowakaba.cli import app
from mowakaba.enums import Stage, WorkItemKind
from mowakaba.rules import Rules
from mowakaba.schedule import format_schedule, nominal_schedule

RULES = Rules(calendar=WorkingCalendar.national(range(2025, 2040), hijri_offset_days=1))


def schedule_of(**kw):
    return nominal_schedule(RULES, **kw)


def stages(entries):
    return [(e.stage, e.date) for e in entries if e.event == "stage_entered"]


def created(entries, kind, subject=""):
    (entry,) = [
        e
        for e in entries
        if e.event == "work_item_created" and e.kind == kind and e.subject == subject
    ]
    return entry


def test_a_14_year_old_registered_today_runs_to_closure():
    entries = schedule_of(date_of_birth=date(2012, 3, 15), registered=date(2026, 11, 29))
    assert stages(entries) == [
        (Stage.intake, date(2026, 11, 29)),
        (Stage.planning, date(2026, 12, 29)),  # intake due 29 Dec (Tue), done that day
        (Stage.active, date(2027, 2, 4)),  # plan due 28 Jan, approval 7 days later
        (Stage.exit_preparation, date(2029, 3, 15)),  # the 17th birthday
        (Stage.exited, date(2030, 3, 15)),  # the 18th birthday, a Friday
        (Stage.follow_up, date(2030, 4, 16)),  # +1 month = Mon 15 Apr, Eid al-Adha (2nd day)
        (Stage.closed, date(2033, 3, 15)),  # the 36-month checkpoint
    ]
    assert created(entries, WorkItemKind.intake_assessment).due_date == date(2026, 12, 29)
    assert created(entries, WorkItemKind.integration_plan, "v1").due_date == date(2027, 1, 28)
    assert created(entries, WorkItemKind.plan_approval, "v1").due_date == date(2027, 2, 4)
    assert created(entries, WorkItemKind.plan_review, "r1").due_date == date(2027, 8, 4)
    # Exit readiness: 15 Mar 2029 + 30 = Sat 14 Apr → Mon 16 Apr.
    assert created(entries, WorkItemKind.exit_readiness_assessment).due_date == date(2029, 4, 16)
    # Checklist: 60 days before 15 Mar 2030 = Mon 14 Jan, Amazigh New Year → Tue 15 Jan.
    assert created(entries, WorkItemKind.exit_checklist_item, "bank_account").due_date == date(
        2030, 1, 15
    )
    assert created(entries, WorkItemKind.record_exit).due_date == date(2030, 3, 15)
    # The review open when exit preparation starts is cancelled by the exit-readiness assessment.
    cancelled = [e for e in entries if e.event == "work_item_cancelled"]
    assert (cancelled[0].kind, cancelled[0].date) == (WorkItemKind.plan_review, date(2029, 3, 15))
    # Reviews every 3 months from the exit-readiness assessment: 16 Apr → 16 Jul 2029.
    review_6 = created(entries, WorkItemKind.plan_review, "r6")
    assert (review_6.date, review_6.due_date) == (date(2029, 4, 16), date(2029, 7, 16))
    checkpoints = [
        e.due_date
        for e in entries
        if e.event == "work_item_created" and e.kind == WorkItemKind.follow_up_checkpoint
    ]
    assert checkpoints == [
        date(2030, 4, 16),
        date(2030, 6, 17),  # Sat 15 Jun → Mon 17
        date(2030, 9, 16),  # Sun 15 Sep → Mon 16
        date(2031, 3, 17),  # Sat 15 Mar → Mon 17
        date(2032, 3, 15),
        date(2033, 3, 15),
    ]


def test_reminders_and_escalations_of_an_item_are_listed():
    entries = schedule_of(date_of_birth=date(2012, 3, 15), registered=date(2026, 11, 29))
    intake = [e for e in entries if e.kind == WorkItemKind.intake_assessment]
    assert [(e.event, e.date) for e in intake] == [
        ("work_item_created", date(2026, 11, 29)),
        ("reminder_d7", date(2026, 12, 22)),
        ("reminder_d1", date(2026, 12, 28)),
        ("work_item_due", date(2026, 12, 29)),
        ("escalation_1", date(2027, 1, 4)),
        ("escalation_2", date(2027, 1, 15)),
    ]
    approval = {e.event for e in entries if e.kind == WorkItemKind.plan_approval}
    assert "escalation_1" not in approval  # coordinators' items start at level 2


def test_the_schedule_is_sorted_by_date():
    entries = schedule_of(date_of_birth=date(2012, 3, 15), registered=date(2026, 11, 29))
    dates = [e.date for e in entries]
    assert dates == sorted(dates)


def test_late_registration_at_17_and_a_half_chases_every_skipped_item():
    entries = schedule_of(date_of_birth=date(2009, 5, 20), registered=date(2026, 11, 20))
    assert stages(entries)[:2] == [
        (Stage.intake, date(2026, 11, 20)),
        (Stage.exit_preparation, date(2026, 11, 20)),
    ]
    first_day = {
        e.kind for e in entries if e.event == "work_item_created" and e.date == date(2026, 11, 20)
    }
    assert {
        WorkItemKind.intake_assessment,
        WorkItemKind.integration_plan,
        WorkItemKind.exit_readiness_assessment,
        WorkItemKind.exit_checklist_item,
        WorkItemKind.record_exit,
    } <= first_day
    assert (Stage.exited, date(2027, 5, 20)) in stages(entries)


def test_registration_after_exit_lists_only_the_checkpoints_to_come():
    entries = schedule_of(
        date_of_birth=date(2007, 9, 1), registered=date(2026, 11, 29), exit_date=date(2026, 6, 30)
    )
    kinds = {e.kind for e in entries if e.kind}
    assert kinds == {WorkItemKind.follow_up_checkpoint}
    assert stages(entries)[0] == (Stage.exited, date(2026, 11, 29))
    assert stages(entries)[-1] == (Stage.closed, date(2029, 7, 2))


def test_an_extension_to_21_moves_the_exit():
    entries = schedule_of(
        date_of_birth=date(2008, 4, 10),
        registered=date(2026, 11, 29),
        planned_exit=date(2029, 4, 10),
    )
    assert (Stage.exited, date(2029, 4, 10)) in stages(entries)


def test_cli_json_matches_the_rules():
    runner = CliRunner()
    result = runner.invoke(
        app, ["schedule", "--born", "2012-03-15", "--registered", "2026-11-29", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert set(rows[0]) == {"date", "event", "stage", "kind", "due_date"}
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    expected = [
        e.to_json()
        for e in schedule_of(date_of_birth=date(2012, 3, 15), registered=date(2026, 11, 29))
    ]
    assert rows == expected
    assert {"date": "2029-03-15", "event": "stage_entered", "stage": "exit_preparation",
            "kind": None, "due_date": None} in rows  # fmt: skip


def test_cli_text_is_readable_and_bad_input_exits_2():
    runner = CliRunner()
    result = runner.invoke(app, ["schedule", "--born", "2012-03-15", "--registered", "2026-11-29"])
    assert result.exit_code == 0
    assert "intake assessment, due Tue 29 Dec 2026" in result.output
    assert "What comes next:" in result.output
    bad = runner.invoke(app, ["schedule", "--born", "2012-02-30"])
    assert bad.exit_code == 2
    assert "not a date" in bad.output
    late = runner.invoke(app, ["schedule", "--born", "2007-03-15", "--registered", "2026-11-29"])
    assert late.exit_code == 2
    assert "extension_required" in late.output


def test_format_schedule_marks_cancelled_items():
    text = format_schedule(
        schedule_of(date_of_birth=date(2012, 3, 15), registered=date(2026, 11, 29))
    )
    assert "plan review #5, due Tue 07 Aug 2029: cancelled 2029-03-15" in text
