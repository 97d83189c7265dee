"""Completing a work item at an edge, the same from the JSON API and the pages: the item
in the caller's scope (audited), the completion service, the commit, then the youth's
pathway run (DESIGN.md §3: runs start after the commit)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlmodel import Session

from api.deps import audit
from api.policy import sees_work_item
from flows import launch
from mowakaba.enums import AuditOutcome
from mowakaba.errors import NotFound
from mowakaba.models import User, WorkItem
from mowakaba.services import completions as completion_service


def scoped_item(
    session: Session, request: Request, user: User, item_id: int, action: str
) -> WorkItem:
    """The work item if the caller sees it (audited either way); NotFound otherwise."""
    item = session.get(WorkItem, item_id)
    if item is None or not sees_work_item(session, user, item):
        audit(request, user, action=action, object_type="work_item", object_id=item_id,
              youth_id=item.youth_id if item else None, outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"work item {item_id} not found")
    audit(request, user, action=action, object_type="work_item", object_id=item_id,
          youth_id=item.youth_id)  # fmt: skip
    return item


def complete_and_start(
    session: Session, *, item_id: int, user: User, payload: Any
) -> tuple[completion_service.Completion, str | None]:
    """Complete an item, commit, then start the youth's pathway run; the run's id, or
    None when Prefect did not take it (the youth waits for the next sweep)."""
    completion = completion_service.complete_work_item(
        session, work_item_id=item_id, actor=user, payload=payload
    )
    session.commit()  # saved: the run below may fail or wait, the completion stands
    run_id = launch.start_pathway_after_commit(completion.youth_id, f"event-{completion.event.id}")
    return completion, run_id
