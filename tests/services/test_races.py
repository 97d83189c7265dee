"""Two reconciliations racing: every stage move and every work item exactly once."""

import threading
from datetime import date

from sqlmodel import Session, func, select

from mowakaba.db import session_scope
from mowakaba.enums import EventKind, Role, WorkItemKind
from mowakaba.models import PathwayEvent, WorkItem, Youth
from mowakaba.rules import WorkItemSpec
from mowakaba.services import reconciliation
from mowakaba.services.work_items import create_work_item
from tests.factories import at, make_institution, make_user, make_youth


def registered_13_year_old() -> int:
    with session_scope() as s:
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution])
        youth = make_youth(
            s, institution, mediator, date_of_birth=date(2013, 6, 1), as_of=at(date(2026, 11, 29))
        )
        return youth.id


def test_two_racing_reconciliations_enter_the_stage_once(committed):
    youth_id = registered_13_year_old()
    barrier = threading.Barrier(2)
    errors = []

    def reconcile():
        try:
            barrier.wait(timeout=10)
            with session_scope() as s:
                reconciliation.reconcile_youth(s, youth_id, at(date(2027, 6, 2)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reconcile) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with session_scope() as s:
        items = s.exec(select(WorkItem).where(WorkItem.youth_id == youth_id)).all()
        assert [i.kind for i in items] == [WorkItemKind.intake_assessment]
        entered = s.exec(
            select(func.count())
            .select_from(PathwayEvent)
            .where(PathwayEvent.youth_id == youth_id, PathwayEvent.kind == EventKind.stage_entered)
        ).one()
        assert entered == 1


def test_the_unique_constraint_keeps_an_item_once_without_any_lock(committed, postgres_only):
    """Two sessions insert the same item at once (no row lock taken): one wins, one is told."""
    youth_id = registered_13_year_old()
    spec = WorkItemSpec(WorkItemKind.exit_checklist_item, date(2027, 3, 1), subject="bank_account")
    first_inserted, second_done = threading.Event(), threading.Event()
    results = {}

    def second():
        with Session(committed) as s:
            first_inserted.wait(timeout=10)
            youth = s.get(Youth, youth_id)
            # Blocks on the first session's uncommitted key, then finds it taken.
            results["second"] = create_work_item(s, youth=youth, spec=spec, on=date(2027, 1, 1))
            s.commit()
            second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with Session(committed) as s:
        youth = s.get(Youth, youth_id)
        results["first"] = create_work_item(s, youth=youth, spec=spec, on=date(2027, 1, 1))
        first_inserted.set()
        assert not second_done.wait(timeout=1)  # the second is waiting on our key
        s.commit()
    thread.join(timeout=30)
    assert results["first"] is not None and results["second"] is None
    with session_scope() as s:
        assert (
            len(
                s.exec(
                    select(WorkItem).where(WorkItem.kind == WorkItemKind.exit_checklist_item)
                ).all()
            )
            == 1
        )
