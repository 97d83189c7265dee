"""Audit rows of privacy actions: who (the retention flow is "system"), what, counts only."""

from __future__ import annotations

from sqlmodel import Session

from mowakaba.clock import now
from mowakaba.enums import AuditOutcome
from mowakaba.models import AuditEvent, User


def privacy_audit(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = None,
    youth_id: int | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Add an audit row of a privacy action to the caller's transaction."""
    session.add(
        AuditEvent(
            occurred_at=now(),
            actor_id=actor.id if actor else None,
            role=actor.role.value if actor else "system",
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            youth_id=youth_id,
            outcome=AuditOutcome.allowed,
            detail=detail,
        )
    )
