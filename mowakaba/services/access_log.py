"""Who looked at a youth's file: the audit trail's rows about one youth, in words.

`audit_event.youth_id` names the youth every read, change and refusal concerned (lists
included: one row per youth shown, api/deps.py::audit_shown), so the log is one indexed
query: when, who (name and role as recorded then), what (action, object), and the
outcome, refusals included. Read by the access-log page, its export and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from mowakaba.enums import AuditOutcome
from mowakaba.models import AuditEvent, User
from mowakaba.paging import fetch_page


@dataclass(frozen=True)
class AccessEntry:
    """One row of the log: the audit event and the name of who did it (None: nobody known)."""

    event: AuditEvent
    who: str | None


def page_access_log(
    session: Session, *, youth_id: int, start: datetime | None = None,
    end: datetime | None = None, refused: bool | None = None, limit: int = 50,
    offset: int = 0,
) -> tuple[list[AccessEntry], int]:  # fmt: skip
    """A page of the youth's audit rows, the newest first, and the total: in [start, end)
    when given; only the refused ones (denied, not found, failed) or only the allowed
    ones when `refused` says so."""
    query = select(AuditEvent).where(AuditEvent.youth_id == youth_id)
    if start is not None:
        query = query.where(col(AuditEvent.occurred_at) >= start)
    if end is not None:
        query = query.where(col(AuditEvent.occurred_at) < end)
    if refused is True:
        query = query.where(AuditEvent.outcome != AuditOutcome.allowed)
    elif refused is False:
        query = query.where(AuditEvent.outcome == AuditOutcome.allowed)
    rows, total = fetch_page(
        session, query, order_by=[col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc()],
        limit=limit, offset=offset,
    )  # fmt: skip
    actor_ids = sorted({r.actor_id for r in rows if r.actor_id is not None})
    names = {
        u.pk: u.display_name or u.username
        for u in session.exec(select(User).where(col(User.id).in_(actor_ids)))
    } if actor_ids else {}  # fmt: skip
    return [AccessEntry(event=r, who=names.get(r.actor_id or 0)) for r in rows], total
