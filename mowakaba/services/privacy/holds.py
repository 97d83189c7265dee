"""Legal holds: a held file is never purged, on retention or on request."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from mowakaba.clock import local_date, now
from mowakaba.enums import EventKind
from mowakaba.errors import Conflict, InvalidInput, NotFound
from mowakaba.models import LegalHold, User, Youth
from mowakaba.services.privacy.audit import privacy_audit
from mowakaba.services.reconciliation import lock_youth
from mowakaba.services.timeline import record_event
from mowakaba.settings import get_settings


def active_hold(session: Session, *, youth_id: int) -> LegalHold | None:
    """Return the youth's hold in force, if any."""
    return session.exec(
        select(LegalHold).where(LegalHold.youth_id == youth_id, col(LegalHold.lifted_at).is_(None))
    ).first()


def held_youths(session: Session) -> list[int]:
    """The youths whose file is on hold now (nothing of theirs is purged)."""
    held = select(LegalHold.youth_id).where(col(LegalHold.lifted_at).is_(None))
    return sorted({int(i) for i in session.exec(held)})


def holds_of(session: Session, *, youth_id: int) -> list[LegalHold]:
    """Return every hold of a youth, newest first."""
    return list(
        session.exec(
            select(LegalHold)
            .where(LegalHold.youth_id == youth_id)
            .order_by(col(LegalHold.id).desc())
        )
    )


def _clean(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason: say why")
    if len(reason) > 1000:
        raise InvalidInput("reason: at most 1000 characters")
    return reason


def _record(
    session: Session, youth: Youth, actor: User, hold: LegalHold, verb: str, kind: EventKind,
    at: datetime,
) -> None:  # fmt: skip
    """Audit a hold placed or lifted, and put it on the youth's timeline."""
    privacy_audit(session, actor=actor, action=f"legal_hold.{verb}", object_type="legal_hold",
                  object_id=hold.id, youth_id=youth.pk)  # fmt: skip
    record_event(session, youth, kind, on=local_date(at, get_settings().default_time_zone),
                 actor_id=actor.id, data={"hold_id": hold.id})  # fmt: skip


def place_hold(session: Session, *, youth: Youth, actor: User, reason: str) -> LegalHold:
    """Place a legal hold on a youth's file (one in force at a time)."""
    reason = _clean(reason)
    lock_youth(session, youth.pk)  # a purge holds the same lock: one waits for the other
    if active_hold(session, youth_id=youth.pk) is not None:
        raise Conflict(f"youth {youth.id} is on hold already")
    at = now()
    hold = LegalHold(youth_id=youth.pk, reason=reason, placed_by_id=actor.pk, placed_at=at)
    session.add(hold)
    session.flush()
    _record(session, youth, actor, hold, "place", EventKind.legal_hold_placed, at)
    return hold


def lift_hold(session: Session, *, youth: Youth, actor: User, reason: str) -> LegalHold:
    """Lift the youth's hold in force, saying why."""
    reason = _clean(reason)
    lock_youth(session, youth.pk)
    hold = active_hold(session, youth_id=youth.pk)
    if hold is None:
        raise NotFound(f"youth {youth.id} has no hold in force")
    at = now()
    hold.lifted_at, hold.lifted_by_id, hold.lift_reason = at, actor.pk, reason
    session.add(hold)
    _record(session, youth, actor, hold, "lift", EventKind.legal_hold_lifted, at)
    session.flush()
    return hold
