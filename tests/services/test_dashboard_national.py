"""The national dashboard (every institution, one time zone) names no institution list
in its overdue and leaving conditions: its figures are those of the same institutions
named one by one."""

from __future__ import annotations

from sqlmodel import select

from mowakaba.clock import now
from mowakaba.db import session_scope
from mowakaba.models import Institution
from mowakaba.services import dashboard as dashboard_service
from tests.pages.dashboard_world import build_dashboard_world


def figures(board: dashboard_service.Dashboard) -> list[tuple[object, ...]]:
    lines = [(line.institution.pk if line.institution else None, line.overdue,
              line.leaving_soon, line.checklist_done, line.checklist_total, line.escalations)
             for line in board.institutions]  # fmt: skip
    people = [(r.assignee.pk if r.assignee else None, r.institution_id, r.overdue, r.oldest_due)
              for r in board.by_assignee]  # fmt: skip
    leaving = [(row.youth.pk, row.done, row.total) for row in board.leaving]
    return [lines, people, leaving]


def test_the_national_figures_are_those_of_every_institution_named(committed) -> None:  # type: ignore[no-untyped-def]
    world = build_dashboard_world()
    at = now()
    with session_scope(write=False) as s:
        every = [i.pk for i in s.exec(select(Institution))]
        national = dashboard_service.build_dashboard(
            s, institution_ids=None, at=at, recipient_id=world.ids["coord"]
        )
        named = dashboard_service.build_dashboard(
            s, institution_ids=every, at=at, recipient_id=world.ids["coord"]
        )
    assert national.total.overdue > 0 and national.total.leaving_soon > 0
    assert national.by_assignee and national.leaving
    assert figures(national) == figures(named)
