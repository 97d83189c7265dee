"""Transfers between institutions (a placement change).

A coordinator of the youth's institution asks; a coordinator of the receiving
institution accepts (choosing the new mediator) or refuses; the sender may cancel while
it waits. Accepting moves, in the caller's one transaction: the youth's institution and
mediator, the open work (institution, assignee; due dates on or after the transfer that
fall on a day off of the new calendar roll forward on it; an escalated item starts a new
cycle, so the new institution's coordinators are told by the next sweep, counted on the
new calendar), the open referrals and incidents (their institution; the runaway path
counts on the new calendar); then the pathway is brought up to
date under the new institution's rules (no duplicate: (youth, kind, subject) is unique).
The sending institution keeps reading the youth's timeline up to the acceptance
(`Transfer.history_until_event_id`), and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, func, select

from mowakaba.clock import now
from mowakaba.enums import (
    AssigneePool,
    EventKind,
    IncidentStatus,
    NotificationKind,
    Role,
    TransferStatus,
)
from mowakaba.errors import (
    AlreadyClosed,
    InvalidInput,
    InvalidMediator,
    InvalidTransfer,
    NotAllowed,
    NotFound,
    NotReceiver,
    NotSender,
)
from mowakaba.models import Incident, Institution, Referral, Transfer, User, Youth
from mowakaba.paging import fetch_page
from mowakaba.pathway import IN_CARE
from mowakaba.services import calendars as calendar_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import users as user_service
from mowakaba.services.reconciliation import lock_youth, reconcile_youth
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import close_escalations, open_items
from mowakaba.settings import get_settings
from mowakaba.text import UnsafeText, clean_text


def _coordinates(session: Session, user: User, institution_id: int) -> bool:
    return (
        user.role == Role.coordinator
        and user.is_active
        and institution_id in user_service.institution_ids_of(session, user.pk)
    )


def _reason(text: str, *, needed: bool) -> str:
    try:  # the API's model cleaned it already; a page or the CLI may bring it raw
        cleaned = clean_text(text or "", multiline=True).strip()
    except UnsafeText as exc:
        raise InvalidInput(f"reason: {exc}") from None
    if needed and not cleaned:
        raise InvalidInput("reason: a reason is needed")
    if len(cleaned) > 2000:
        raise InvalidInput("reason: at most 2000 characters")
    return cleaned


def get_transfer(session: Session, transfer_id: int, *, lock: bool = False) -> Transfer:
    """Return a transfer or raise NotFound."""
    query = select(Transfer).where(Transfer.id == transfer_id)
    if lock:
        query = query.with_for_update()
    transfer = session.exec(query).first()
    if transfer is None:
        raise NotFound(f"transfer {transfer_id} not found")
    return transfer


def pending_transfer(session: Session, *, youth_id: int) -> Transfer | None:
    """The youth's transfer awaiting a decision, if any."""
    return session.exec(
        select(Transfer).where(
            Transfer.youth_id == youth_id, Transfer.status == TransferStatus.requested
        )
    ).first()


def request_transfer(
    session: Session,
    *,
    youth_id: int,
    actor: User,
    to_institution_id: int,
    reason: str,
    as_of: datetime | None = None,
) -> Transfer:
    """Ask another institution to take a youth in care (a coordinator of the youth's)."""
    at = as_of or now()
    youth = lock_youth(session, youth_id)
    if not _coordinates(session, actor, youth.institution_id):
        raise NotAllowed(f"user {actor.id} is not a coordinator of youth {youth_id}'s institution")
    reason = _reason(reason, needed=True)
    if youth.stage not in IN_CARE or youth.exit_date is not None:
        raise InvalidTransfer(f"youth {youth_id} is not in care (stage {youth.stage.value})")
    if to_institution_id == youth.institution_id:
        raise InvalidTransfer("to_institution_id: the youth is in this institution already")
    if session.get(Institution, to_institution_id) is None:
        raise InvalidTransfer(f"to_institution_id: institution {to_institution_id} not found")
    if pending_transfer(session, youth_id=youth_id) is not None:
        raise InvalidTransfer(f"youth {youth_id} has a transfer awaiting a decision")
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    transfer = Transfer(
        youth_id=youth_id,
        from_institution_id=youth.institution_id,
        to_institution_id=to_institution_id,
        reason=reason,
        requested_by_id=actor.id,
        requested_at=at,
    )
    session.add(transfer)
    session.flush()
    record_event(
        session, youth, EventKind.transfer_requested, on=today, actor_id=actor.id,
        data=_event_data(transfer),
    )  # fmt: skip
    _notify(
        session, transfer=transfer, youth=youth, status="requested",
        recipients=user_service.coordinators_of(session, to_institution_id),
        kind=NotificationKind.transfer_requested,
    )  # fmt: skip
    session.flush()
    return transfer


def _event_data(transfer: Transfer, **more: Any) -> dict[str, Any]:
    return {
        "transfer_id": transfer.pk,
        "from_institution_id": transfer.from_institution_id,
        "to_institution_id": transfer.to_institution_id,
        **more,
    }


def _decidable(session: Session, transfer_id: int, actor: User) -> tuple[Transfer, Youth]:
    transfer = get_transfer(session, transfer_id, lock=True)
    youth = lock_youth(session, transfer.youth_id)
    if transfer.status != TransferStatus.requested:
        raise AlreadyClosed(f"transfer {transfer_id} is {transfer.status.value} already")
    return transfer, youth


def accept_transfer(
    session: Session,
    *,
    transfer_id: int,
    actor: User,
    mediator_id: int | None,
    comment: str = "",
    as_of: datetime | None = None,
) -> Transfer:
    """Take the youth in (a coordinator of the receiving institution): everything moves."""
    at = as_of or now()
    transfer, youth = _decidable(session, transfer_id, actor)
    to_id = transfer.to_institution_id
    if not _coordinates(session, actor, to_id):
        raise NotReceiver(f"user {actor.id} is not a coordinator of institution {to_id}")
    if youth.institution_id != transfer.from_institution_id:
        raise InvalidTransfer(f"youth {youth.id} is no longer in institution "
                              f"{transfer.from_institution_id}")  # fmt: skip
    if mediator_id is not None:
        mediator = session.get(User, mediator_id)
        if (
            mediator is None
            or mediator.role != Role.mediator
            or not mediator.is_active
            or to_id not in user_service.institution_ids_of(session, mediator.pk)
        ):
            raise InvalidMediator(
                f"mediator_id: user {mediator_id} is not an active mediator of institution {to_id}"
            )
    comment = _reason(comment, needed=False)
    day = calendar_service.local_day(session, institution_id=to_id, at=at)
    today = day.today
    previous_mediator = youth.mediator_id
    transfer.status, transfer.decided_by_id, transfer.decided_at = (
        TransferStatus.accepted, actor.id, at,
    )  # fmt: skip
    transfer.decision_comment = comment or None
    transfer.effective_date, transfer.mediator_id = today, mediator_id
    event = record_event(
        session, youth, EventKind.transfer_accepted, on=today, actor_id=actor.id,
        data=_event_data(transfer, mediator_from=previous_mediator, mediator_to=mediator_id),
    )  # fmt: skip
    session.flush()
    transfer.history_until_event_id = event.id  # the sender reads up to here
    youth.institution_id, youth.mediator_id, youth.updated_at = to_id, mediator_id, at
    session.add_all([transfer, youth])
    rules = day.rules()
    moved, rerolled = [], []
    for item in open_items(session, youth_id=youth.pk):
        item.institution_id = to_id
        if item.assignee_id is not None:  # a person of the old institution: the new mediator
            item.assignee_id = mediator_id
            item.assignee_pool = None if mediator_id else AssigneePool.institution_coordinators
        if item.escalation_level > 0:  # raised to the old institution: raised again here
            close_escalations(session, work_item_id=item.pk, at=at)
            item.cycle, item.escalation_level = item.cycle + 1, 0
        rolled = rules.calendar.roll_forward(item.due_date)
        if item.due_date >= today and rolled != item.due_date:
            record_event(
                session, youth, EventKind.work_item_rescheduled, on=today, work_item_id=item.id,
                data={"kind": item.kind.value, "subject": item.subject, "from": str(item.due_date),
                      "to": str(rolled), "cycle": item.cycle, "transfer_id": transfer.pk},
            )  # fmt: skip
            item.due_date = rolled
            rerolled.append(item.pk)
        session.add(item)
        moved.append(item.pk)
    event.data = {**event.data, "work_items": moved, "rerolled": rerolled}
    session.add(event)
    for referral in session.exec(
        select(Referral).where(Referral.youth_id == youth.pk, col(Referral.closed_at).is_(None))
    ):
        referral.institution_id = to_id
        session.add(referral)
    for incident in session.exec(  # an open incident is followed where the youth is now
        select(Incident).where(
            Incident.youth_id == youth.pk, Incident.status != IncidentStatus.closed
        )
    ):
        incident.institution_id = to_id
        session.add(incident)
    session.flush()
    reconcile_youth(session, youth.pk, at, rules=rules)
    _notify_decision(session, transfer=transfer, youth=youth)
    if mediator_id is not None:
        _notify(
            session, transfer=transfer, youth=youth, status="accepted",
            recipients=[session.get(User, mediator_id)],  # type: ignore[list-item]
            kind=NotificationKind.caseload_assigned,
            extra={"count": 1, "work_items": len(moved), "youth_codes": [youth.code], "more": 0,
                   "from_mediator": None},
        )  # fmt: skip
    session.flush()
    return transfer


def refuse_transfer(
    session: Session, *, transfer_id: int, actor: User, reason: str, as_of: datetime | None = None
) -> Transfer:
    """Say no (a coordinator of the receiving institution), with a reason."""
    at = as_of or now()
    transfer, youth = _decidable(session, transfer_id, actor)
    if not _coordinates(session, actor, transfer.to_institution_id):
        raise NotReceiver(
            f"user {actor.id} is not a coordinator of institution {transfer.to_institution_id}"
        )
    return _close(session, transfer, youth, actor, TransferStatus.refused,
                  _reason(reason, needed=True), at)  # fmt: skip


def cancel_transfer(
    session: Session, *, transfer_id: int, actor: User, reason: str = "",
    as_of: datetime | None = None,
) -> Transfer:  # fmt: skip
    """Withdraw a request while it waits (a coordinator of the sending institution)."""
    at = as_of or now()
    transfer, youth = _decidable(session, transfer_id, actor)
    if not _coordinates(session, actor, transfer.from_institution_id):
        raise NotSender(
            f"user {actor.id} is not a coordinator of institution {transfer.from_institution_id}"
        )
    return _close(session, transfer, youth, actor, TransferStatus.cancelled,
                  _reason(reason, needed=False), at)  # fmt: skip


def _close(
    session: Session, transfer: Transfer, youth: Youth, actor: User, status: TransferStatus,
    reason: str, at: datetime,
) -> Transfer:  # fmt: skip
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    transfer.status, transfer.decided_by_id, transfer.decided_at = status, actor.id, at
    transfer.decision_comment = reason or None
    session.add(transfer)
    kind = EventKind.transfer_refused if status == TransferStatus.refused else (
        EventKind.transfer_cancelled)  # fmt: skip
    record_event(session, youth, kind, on=today, actor_id=actor.id, data=_event_data(transfer))
    _notify_decision(session, transfer=transfer, youth=youth)
    session.flush()
    return transfer


def _notify_decision(session: Session, *, transfer: Transfer, youth: Youth) -> None:
    """Accepted or refused: the sending institution's coordinators (the requester among
    them); cancelled: the receiving institution's coordinators."""
    if transfer.status == TransferStatus.cancelled:
        recipients = user_service.coordinators_of(session, transfer.to_institution_id)
    else:
        recipients = user_service.coordinators_of(session, transfer.from_institution_id)
        requester = (
            session.get(User, transfer.requested_by_id) if transfer.requested_by_id else None
        )
        if requester is not None and requester.is_active and requester not in recipients:
            recipients.append(requester)
    _notify(session, transfer=transfer, youth=youth, status=transfer.status.value,
            recipients=recipients, kind=NotificationKind.transfer_decided)  # fmt: skip


def _notify(
    session: Session, *, transfer: Transfer, youth: Youth, status: str, recipients: list[User],
    kind: NotificationKind, extra: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    source = session.get(Institution, transfer.from_institution_id)
    target = session.get(Institution, transfer.to_institution_id)
    assert source is not None and target is not None
    link = "/work" if kind == NotificationKind.caseload_assigned else f"/transfers/{transfer.id}"
    notification_service.enqueue_each(
        session,
        recipients=recipients,
        key=f"transfer:{transfer.id}:{status}:{kind.value}",
        kind=kind,
        context={
            "transfer_id": transfer.pk, "status": status, "youth_code": youth.code,
            "from_institution": source.name, "to_institution": target.name,
            "link": f"{get_settings().public_url}{link}", **(extra or {}),
        },
    )  # fmt: skip


# ---------------------------------------------------------------- reading


def page_transfers(
    session: Session,
    *,
    institution_ids: Sequence[int] | None,
    direction: Literal["incoming", "outgoing"] | None = None,
    status: TransferStatus | None = None,
    youth_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Transfer], int]:
    """Transfers to or from some institutions (None: all), newest first, and the total."""
    query = select(Transfer)
    if institution_ids is not None:
        ids = list(institution_ids)
        incoming = col(Transfer.to_institution_id).in_(ids)
        outgoing = col(Transfer.from_institution_id).in_(ids)
        where = {"incoming": incoming, "outgoing": outgoing}.get(
            direction or "", incoming | outgoing
        )
        query = query.where(where)  # the nation's (None): every transfer is both
    if status is not None:
        query = query.where(Transfer.status == status)
    if youth_id is not None:
        query = query.where(Transfer.youth_id == youth_id)
    order = [col(Transfer.requested_at).desc(), col(Transfer.id).desc()]
    return fetch_page(session, query, order_by=order, limit=limit, offset=offset)


def history_until(
    session: Session, *, youth_id: int, institution_ids: Sequence[int] | None
) -> int | None:
    """The last timeline event a former institution of the youth reads (the latest
    acceptance of a transfer out of one of these institutions); None: it reads nothing."""
    if institution_ids is not None and not institution_ids:
        return None
    query = select(func.max(Transfer.history_until_event_id)).where(
        Transfer.youth_id == youth_id, Transfer.status == TransferStatus.accepted
    )
    if institution_ids is not None:
        query = query.where(col(Transfer.from_institution_id).in_(list(institution_ids)))
    value = session.exec(query).one()
    return None if value is None else int(value)
