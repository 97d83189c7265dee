"""The dashboard's escalation list: only those sent to the reader, paged by the database."""

from __future__ import annotations

from datetime import date

from mowakaba.enums import WorkItemKind
from mowakaba.models import Escalation, WorkItem
from mowakaba.services import dashboard as dashboard_service
from tests.factories import at, make_world


def test_escalations_for_lists_only_those_sent_to_the_reader_a_page_at_a_time(session) -> None:  # type: ignore[no-untyped-def]
    w = make_world(session, as_of=at(date(2026, 1, 5)))
    item = WorkItem(youth_id=w["youth"].pk, institution_id=w["institution"].pk,
                    kind=WorkItemKind.plan_review, subject="t", assignee_id=w["mediator"].pk,
                    due_date=date(2026, 2, 1))  # fmt: skip
    session.add(item)
    session.flush()
    me, other = w["coordinator"].pk, w["other_coordinator"].pk
    for level, recipients, day in ((1, [other, me], 10), (2, [other], 11), (1, [me], 12)):
        session.add(
            Escalation(work_item_id=item.pk, cycle=day, level=level, recipient_ids=recipients,
                       raised_at=at(date(2026, 2, day)))
        )  # fmt: skip
    session.flush()
    scope = [w["institution"].pk]

    first, total = dashboard_service.escalations_for(
        session, institution_ids=scope, recipient_id=me, limit=1
    )
    second, _ = dashboard_service.escalations_for(
        session, institution_ids=scope, recipient_id=me, limit=1, offset=1
    )
    none, nobody = dashboard_service.escalations_for(
        session, institution_ids=scope, recipient_id=w["mediator"].pk, limit=10
    )

    assert total == 2
    assert [r.escalation.cycle for r in first + second] == [10, 12]
    assert (none, nobody) == ([], 0)
