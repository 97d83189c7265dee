"""What a completion handler works with: the item, its youth, who completes it, when, the rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from mowakaba.enums import WorkItemKind
from mowakaba.models import User, WorkItem, Youth
from mowakaba.rules import Rules, WorkItemSpec
from mowakaba.services.work_items import create_work_item


@dataclass
class CompletionContext:
    """One completion under way: the youth's row is locked, nothing is flushed yet."""

    session: Session
    rules: Rules
    youth: Youth
    item: WorkItem
    actor: User
    today: date
    at: datetime

    def create(self, spec: WorkItemSpec) -> WorkItem | None:
        """Create the work a completion leads to, on the completion's day."""
        return create_work_item(
            self.session, youth=self.youth, spec=spec, on=self.today, at=self.at
        )

    def count(self, kind: WorkItemKind) -> int:
        """Count the youth's work items of a kind, whatever their status."""
        return len(
            self.session.exec(
                select(WorkItem.id).where(WorkItem.youth_id == self.youth.id, WorkItem.kind == kind)
            ).all()
        )

    def version(self) -> int:
        """Return the plan version an item is about (its subject is `v<n>`)."""
        return int(self.item.subject.lstrip("v") or 1)


# A handler checks and records its kind's payload, and returns the work items it created
# (None where the rule's item existed already). It raises to refuse: nothing is kept.
Handler = Callable[[CompletionContext, Any], list[WorkItem | None]]
