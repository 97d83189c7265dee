"""Objection and deletion requests: a coordinator records one, an admin decides it.

Approval runs the same purge as retention (`purge.purge_youth`, the same audit) at
once, for the classes the request covers. A deletion covers every class of the youth's
file unless it names fewer; an objection names the classes the youth objects to (their
processing stops because the records go). The case file is pseudonymised only once the
youth's file is closed (the youth is still accompanied otherwise): approving that on an
open file is refused. A held file refuses approval too, with the hold's reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from mowakaba.clock import local_date, now
from mowakaba.enums import (
    EventKind,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    RecordClass,
    Role,
    Stage,
)
from mowakaba.errors import InvalidInput, NotAllowed, NotFound, NothingToDecide, NotYetClosed
from mowakaba.models import PrivacyRequest, User, Youth
from mowakaba.paging import fetch_page
from mowakaba.services.privacy.audit import privacy_audit
from mowakaba.services.privacy.purge import YOUTH_CLASSES, PurgeResult, purge_youth
from mowakaba.services.timeline import record_event
from mowakaba.settings import get_settings


def _text(value: str, field: str, limit: int = 2000, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field}: say why")
    if len(value) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters")
    return value


def record_request(
    session: Session,
    *,
    youth: Youth,
    actor: User,
    kind: PrivacyRequestKind,
    classes: Iterable[str],
    reason: str,
) -> PrivacyRequest:
    """Record an objection or a deletion request (pending an admin's decision)."""
    if actor.role != Role.coordinator:
        raise NotAllowed(f"user {actor.id} is not a coordinator")
    chosen = []
    for value in classes:
        try:
            record_class = RecordClass(value)
        except ValueError:
            raise InvalidInput(f"classes: no record class {value[:40]!r}") from None
        if record_class not in YOUTH_CLASSES:
            raise InvalidInput(f"classes: {record_class.value} is not a class of a youth's file")
        chosen.append(record_class.value)
    if not chosen and kind == PrivacyRequestKind.deletion:
        chosen = [c.value for c in YOUTH_CLASSES]
    if not chosen:
        raise InvalidInput("classes: choose what the youth objects to")
    request = PrivacyRequest(
        youth_id=youth.pk,
        kind=kind,
        classes=sorted(set(chosen)),
        reason=_text(reason, "reason"),
        requested_by_id=actor.pk,
        requested_at=now(),
    )
    session.add(request)
    session.flush()
    privacy_audit(
        session,
        actor=actor,
        action="privacy_request.record",
        object_type="privacy_request",
        object_id=request.id,
        youth_id=youth.pk,
        detail={"kind": kind.value, "classes": request.classes},
    )
    record_event(
        session,
        youth,
        EventKind.privacy_request_recorded,
        on=_today(),
        actor_id=actor.id,
        data={"request_id": request.id, "kind": kind.value},
    )
    return request


def _today() -> date:
    return local_date(now(), get_settings().default_time_zone)


def _pending(session: Session, request_id: int) -> PrivacyRequest:
    request = session.exec(
        select(PrivacyRequest).where(PrivacyRequest.id == request_id).with_for_update()
    ).first()
    if request is None:
        raise NotFound(f"privacy request {request_id} not found")
    if request.status != PrivacyRequestStatus.pending:
        raise NothingToDecide(f"privacy request {request_id} is {request.status.value} already")
    return request


def _decided(
    session: Session,
    request: PrivacyRequest,
    actor: User,
    status: PrivacyRequestStatus,
    note: str,
) -> Youth:
    request.status, request.decided_by_id, request.decided_at = status, actor.pk, now()
    request.decision_note = note or None
    session.add(request)
    youth = session.get(Youth, request.youth_id)
    assert youth is not None
    privacy_audit(
        session,
        actor=actor,
        action=f"privacy_request.{status.value}",
        object_type="privacy_request",
        object_id=request.id,
        youth_id=youth.pk,
    )
    record_event(
        session,
        youth,
        EventKind.privacy_request_decided,
        on=_today(),
        actor_id=actor.id,
        data={"request_id": request.id, "status": status.value},
    )
    return youth


def approve_request(
    session: Session, *, request_id: int, actor: User, note: str = ""
) -> PurgeResult:
    """Approve a request and purge what it covers now (refused on hold or open file)."""
    if actor.role != Role.admin:
        raise NotAllowed(f"user {actor.id} is not an admin")
    note = _text(note, "note", required=False)
    request = _pending(session, request_id)
    youth = session.get(Youth, request.youth_id)
    assert youth is not None
    if RecordClass.case_file.value in request.classes and youth.stage != Stage.closed:
        raise NotYetClosed(
            f"youth {youth.id}: the case file is pseudonymised once the file is closed"
        )
    result = purge_youth(
        session,
        youth_id=youth.pk,
        classes=map(RecordClass, request.classes),
        actor=actor,
        cause=f"request:{request.id}",
    )
    _decided(session, request, actor, PrivacyRequestStatus.done, note)
    session.flush()
    return result


def reject_request(session: Session, *, request_id: int, actor: User, note: str) -> PrivacyRequest:
    """Reject a request, saying why; nothing is purged."""
    if actor.role != Role.admin:
        raise NotAllowed(f"user {actor.id} is not an admin")
    note = _text(note, "note")
    request = _pending(session, request_id)
    _decided(session, request, actor, PrivacyRequestStatus.rejected, note)
    session.flush()
    return request


def requests_of(session: Session, *, youth_id: int) -> list[PrivacyRequest]:
    """A youth's requests, newest first."""
    return list(
        session.exec(
            select(PrivacyRequest)
            .where(PrivacyRequest.youth_id == youth_id)
            .order_by(col(PrivacyRequest.id).desc())
        )
    )


def page_pending(
    session: Session, *, limit: int = 50, offset: int = 0
) -> tuple[list[PrivacyRequest], int]:
    """The requests awaiting an admin's decision, oldest first, and their total."""
    query = select(PrivacyRequest).where(PrivacyRequest.status == PrivacyRequestStatus.pending)
    return fetch_page(session, query, order_by=[col(PrivacyRequest.id)], limit=limit, offset=offset)
