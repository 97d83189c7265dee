"""The pathway driven by Prefect: the youth born 2012-03-15, registered at 13, replayed to 21."""

from datetime import date

from prefect import tags
from sqlmodel import col, func, select

from flows.labels import youth_tags
from flows.launch import start_pathway_after_commit
from flows.pathway import pathway
from flows.sweep import sweep
from mowakaba.calendar import WorkingCalendar
from mowakaba.db import session_scope
from mowakaba.enums import EventKind, Role, Stage, WorkItemKind
from mowakaba.models import Notification, PathwayEvent, User, WorkItem, Youth
from mowakaba.rules import Rules
from mowakaba.schedule import nominal_schedule
from mowakaba.services import completions as completion_service
from mowakaba.services import work_items as work_service
from mowakaba.settings import get_settings
from tests.factories import at, make_institution, make_user, make_youth
from tests.prefect_helpers import run_scheduled_pathway_runs, runs_tagged
from tests.services.test_replay import payload_for

BORN, REGISTERED = date(2012, 3, 15), date(2025, 6, 2)
# Every checkpoint is a contact here: this replay is about the engine, not the misses.
CONTACT = {
    "contact": True, "housing": "family", "activity": "work", "health_coverage": True,
    "id_documents": True, "income": True, "support_network": True, "well_being": 4,
}  # fmt: skip


def test_replay_through_the_flows_matches_the_services_and_tags_every_stage_change(
    committed, deployed
):
    with session_scope() as s:
        institution = make_institution(s)
        coordinator = make_user(s, Role.coordinator, [institution])
        mediator = make_user(s, Role.mediator, [institution])
        youth = make_youth(s, institution, mediator, as_of=at(REGISTERED))
        youth_id, code, institution_id = youth.id, youth.code, institution.id
        coordinator_id, mediator_id = coordinator.id, mediator.id
    rules = Rules(
        timings=get_settings().timings,
        calendar=WorkingCalendar.national(range(2024, 2036), hijri_offset_days=1),
    )
    nominal = nominal_schedule(rules, date_of_birth=BORN, registered=REGISTERED)
    days = {e.date for e in nominal if e.event in ("stage_entered", "work_item_due")}
    done_days: set[date] = set()
    while days - done_days:
        day = min(days - done_days)
        done_days.add(day)
        sweep(as_of=at(day, 8).isoformat(), inline=True)
        while True:
            with session_scope() as s:
                due = [
                    (i.id, i.assignee_pool is not None)
                    for i in work_service.open_items(s, youth_id=youth_id)
                    if i.due_date == day
                ]
            if not due:
                break
            for item_id, pooled in due:
                with session_scope() as s:
                    item = s.get(WorkItem, item_id)
                    actor = s.get(User, coordinator_id if pooled else mediator_id)
                    payload = CONTACT if item.subject == "m3" else payload_for(item, day)
                    completion = completion_service.complete_work_item(
                        s, work_item_id=item_id, actor=actor, payload=payload, as_of=at(day, 10)
                    )
                    event_id = completion.event.id
                # The edge: committed, now the pathway run (executed here as serve() would).
                assert start_pathway_after_commit(
                    youth_id, f"event-{event_id}", at(day, 10).isoformat()
                )
                run_scheduled_pathway_runs()
            with session_scope() as s:
                for item in work_service.open_items(s, youth_id=youth_id):
                    days.add(item.due_date)
        with session_scope() as s:
            if s.get(Youth, youth_id).stage == Stage.closed:
                break

    with session_scope() as s:
        youth = s.get(Youth, youth_id)
        assert youth.stage == Stage.closed
        entered = s.exec(
            select(PathwayEvent)
            .where(PathwayEvent.youth_id == youth_id, PathwayEvent.kind == EventKind.stage_entered)
            .order_by(col(PathwayEvent.id))
        ).all()
        assert [(e.stage, e.event_date) for e in entered] == [
            (e.stage, e.date) for e in nominal if e.event == "stage_entered"
        ]
        created = {
            (i.kind, i.subject): i.due_date
            for i in s.exec(select(WorkItem).where(WorkItem.youth_id == youth_id))
            if i.kind != WorkItemKind.milestone_check
        }
        assert created == {
            (e.kind, e.subject): e.due_date for e in nominal if e.event == "work_item_created"
        }
        # Every stage change was made by a flow run, whose id is on the event.
        run_ids = {e.flow_run_id for e in entered}
        assert None not in run_ids

    runs = {str(r.id): r for r in runs_tagged(f"youth:{youth_id}") if r.name == f"pathway-{code}"}
    for event in entered:
        run = runs[event.flow_run_id]
        assert run.name == f"pathway-{code}"
        assert f"institution:{institution_id}" in run.tags
        assert f"stage:{event.stage.value}" in run.tags or any(
            f"stage:{later.stage.value}" in run.tags
            for later in entered
            if later.flow_run_id == event.flow_run_id
        )
    exit_prep_runs = runs_tagged(f"youth:{youth_id}", "stage:exit_preparation")
    assert any(r.name == f"pathway-{code}" for r in exit_prep_runs)


def test_sweep_flow_twice_at_the_same_instant_writes_nothing_new(committed, deployed):
    with session_scope() as s:
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution])
        make_user(s, Role.coordinator, [institution])
        for n in range(3):
            make_youth(
                s,
                institution,
                mediator,
                date_of_birth=date(2012, 1, 1 + n),
                as_of=at(date(2026, 11, 30)),
            )

    def counts():
        with session_scope() as s:
            return (
                s.exec(select(func.count()).select_from(Notification)).one(),
                s.exec(select(func.count()).select_from(WorkItem)).one(),
                s.exec(select(func.count()).select_from(PathwayEvent)).one(),
            )

    for day in (date(2026, 12, 23), date(2027, 1, 6)):
        first = sweep(as_of=at(day).isoformat(), inline=True)
        before = counts()
        second = sweep(as_of=at(day).isoformat(), inline=True)
        assert counts() == before
        assert second.get("reminders", 0) == second.get("escalations_level_1", 0) == 0
    assert first["escalations_level_1"] == 3


def test_prefect_down_the_completion_stands_and_the_next_sweep_catches_up(committed, deployed):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with session_scope() as s:
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution])
        youth = make_youth(s, institution, mediator, as_of=at(date(2026, 11, 30)))
        youth_id = youth.id
        intake = work_service.open_items(s, youth_id=youth_id)[0]
        completion = completion_service.complete_work_item(
            s, work_item_id=intake.id, actor=mediator, payload=payload_for(intake, date(2026, 12, 1)),
            as_of=at(date(2026, 12, 1)),
        )  # fmt: skip
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert start_pathway_after_commit(youth_id, f"event-{completion.event.id}") is None
    with session_scope() as s:
        youth = s.get(Youth, youth_id)
        assert youth.needs_reconciliation and youth.stage == Stage.intake  # the completion stands
    result = sweep(as_of=at(date(2026, 12, 1), 12).isoformat(), inline=True)
    assert result["pathway_runs"] == 1 and result["stage_changes"] == 1
    with session_scope() as s:
        youth = s.get(Youth, youth_id)
        assert not youth.needs_reconciliation and youth.stage == Stage.planning
        assert [i.kind for i in work_service.open_items(s, youth_id=youth_id)] == [
            WorkItemKind.integration_plan
        ]
    assert any(
        r.name.startswith("pathway-") for r in runs_tagged(f"youth:{youth_id}", "stage:planning")
    )


def test_a_pathway_run_carries_ids_and_codes_only(committed, deployed):
    with session_scope() as s:
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution])
        youth = make_youth(
            s, institution, mediator, date_of_birth=date(2013, 1, 5), as_of=at(date(2026, 11, 30))
        )
        youth_id, labels = (
            youth.id,
            youth_tags(youth_id=youth.id, institution_id=institution.id, stage="enrolled"),
        )
        youth.code = youth.code
    with tags(*labels):
        result = pathway(youth_id=youth_id, as_of=at(date(2027, 1, 6)).isoformat())
    assert result["moves"] == [["intake", "2027-01-05"]]
    # Ids restart in each test's database; the code tells this youth's runs apart.
    (run,) = [r for r in runs_tagged(f"youth:{youth_id}") if r.name == f"pathway-{youth.code}"]
    text = " ".join([run.name, *run.tags, str(run.parameters)])
    assert "Amine" not in text and "Benali" not in text and "أمين" not in text
    assert run.parameters == {
        "youth_id": youth_id, "as_of": at(date(2027, 1, 6)).isoformat(), "youth_slots": 0
    }  # fmt: skip
    assert "stage:intake" in run.tags
