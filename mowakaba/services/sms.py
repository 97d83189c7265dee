"""The SMS outbox: short messages to users and youths, sent at least once under their key.

Like email (services/notifications.py): a row is written with the change that causes
it, under a unique key, so it is *created* once; `deliver_sms_batch` sends it through
a transport with the same interface as email, records every attempt, and backs off
on failures (the same steps). A gateway's refusal (4xx) is final; a 5xx or a timeout
is tried again. The gateway gets the key as an idempotency header, so a repeat after
a lost answer can be dropped there. The number is read at sending time; the text
holds no name and no sensitive detail.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mowakaba.clock import now
from mowakaba.enums import ContactKind, DeliveryStatus, Language, SmsKind, WorkItemKind
from mowakaba.enums import WorkItemStatus as Status
from mowakaba.models import Contact, SmsAttempt, SmsMessage, User, WorkItem, Youth
from mowakaba.rules import Rules
from mowakaba.services.notifications import (
    MAX_ATTEMPTS,
    DeliveryResult,
    Message,
    Transport,
    retry_at,
)
from mowakaba.settings import get_settings


class PermanentFailure(Exception):
    """The gateway refused the message (4xx): trying again would not help."""


def enqueue_sms(
    session: Session,
    *,
    key: str,
    kind: SmsKind,
    language: Language,
    context: dict[str, Any],
    recipient: User | None = None,
    youth: Youth | None = None,
    at: datetime | None = None,
) -> SmsMessage | None:
    """Write an SMS once per key (to a user or a youth); None if the key exists already."""
    if session.exec(select(SmsMessage.id).where(SmsMessage.idempotency_key == key)).first():
        return None
    message = SmsMessage(
        idempotency_key=key, kind=kind, language=language, context=context,
        recipient_id=recipient.id if recipient else None, youth_id=youth.id if youth else None,
        created_at=at or now(), next_attempt_at=at or now(),
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None  # a concurrent writer created it first
    return message


def current_phone(session: Session, youth_id: int) -> str | None:
    """The youth's current phone contact (the newest), if any."""
    return session.exec(
        select(Contact.value)
        .where(
            Contact.youth_id == youth_id,
            Contact.kind == ContactKind.phone,
            col(Contact.is_current).is_(True),
        )
        .order_by(col(Contact.updated_at).desc(), col(Contact.id).desc())
    ).first()


def may_text(session: Session, youth: Youth) -> bool:
    """A youth gets SMS only with their agreement and a current phone number."""
    return youth.sms_agreed_date is not None and bool(current_phone(session, youth.pk))


def follow_up_reminders(
    session: Session, *, today_of: Any, rules_of: Any, coarse_today: date, after_id: int,
    limit: int, at: datetime,
) -> tuple[int, int, bool]:  # fmt: skip
    """Text the youths who agreed a reminder of their follow-up appointments (D−7, D−1).

    A keyset batch over open checkpoints due soon; returns (written, last id, more).
    """
    horizon = max(get_settings().timings.reminder_days_before) + 1
    items = list(
        session.exec(
            select(WorkItem)
            .join(Youth, col(Youth.id) == col(WorkItem.youth_id))
            .where(
                WorkItem.kind == WorkItemKind.follow_up_checkpoint,
                WorkItem.status == Status.open,
                col(WorkItem.due_date) >= coarse_today - timedelta(days=1),
                col(WorkItem.due_date) <= coarse_today + timedelta(days=horizon),
                col(Youth.sms_agreed_date).is_not(None),
                col(WorkItem.id) > after_id,
            )
            .order_by(col(WorkItem.id))
            .limit(limit)
        )
    )
    written = 0
    for item in items:
        today: date = today_of(item.institution_id)
        rules: Rules = rules_of(item)
        due = [(n, day) for n, day in rules.reminder_dates(item.due_date) if day <= today]
        if today > item.due_date or not due:
            continue
        youth = session.get(Youth, item.youth_id)
        if youth is None or not may_text(session, youth):
            continue
        days, _ = min(due)
        written += enqueue_sms(
            session, key=f"sms:reminder:{item.id}:{item.cycle}:D-{days}",
            kind=SmsKind.follow_up_reminder, language=youth.language,
            context={"due_date": str(item.due_date)}, youth=youth, at=at,
        ) is not None  # fmt: skip
    last = items[-1].pk if items else after_id
    return written, last, len(items) == limit


# ---------------------------------------------------------------- delivery


def pending_sms_ids(session: Session, *, as_of: datetime, limit: int) -> list[int]:
    """Return the ids of SMS due for an attempt, oldest first."""
    return list(
        session.exec(
            select(col(SmsMessage.id))  # type: ignore[arg-type]
            .where(
                SmsMessage.status == DeliveryStatus.pending,
                col(SmsMessage.next_attempt_at) <= as_of,
            )
            .order_by(col(SmsMessage.id))
            .limit(limit)
        )
    )


def number_of(session: Session, sms: SmsMessage) -> str | None:
    """Where an SMS goes now: the user's phone, or the youth's current phone contact."""
    if sms.recipient_id is not None:
        user = session.get(User, sms.recipient_id)
        return user.phone if user is not None and user.is_active else None
    if sms.youth_id is not None:
        youth = session.get(Youth, sms.youth_id)
        if youth is None or youth.sms_agreed_date is None:
            return None  # the agreement was withdrawn meanwhile: nothing is sent
        return current_phone(session, sms.youth_id)
    return None


def deliver_sms_batch(
    session: Session,
    *,
    sms_ids: list[int],
    transport: Transport,
    render: Any,
    as_of: datetime | None = None,
) -> DeliveryResult:
    """Send a batch of pending SMS, recording every attempt; a sent one is never sent again.

    `render(sms) -> (text)` writes the message in its language.
    """
    at = as_of or now()
    result = DeliveryResult()
    rows = session.exec(
        select(SmsMessage)
        .where(col(SmsMessage.id).in_(sms_ids), SmsMessage.status == DeliveryStatus.pending)
        .order_by(col(SmsMessage.id))
        .with_for_update(skip_locked=True)
    ).all()
    for sms in rows:
        to = number_of(session, sms)
        error: str | None = None
        final = False
        if not to:
            error, final = "no phone number (or no agreement)", True
        else:
            message = Message(to=to, subject="", body=render(sms), message_id=sms.idempotency_key)
            try:
                transport.send(message)
            except PermanentFailure as exc:
                error, final = f"refused: {exc}"[:1000], True
            except Exception as exc:  # a 5xx, a timeout, a refused connection: try again
                error = f"{type(exc).__name__}: {exc}"[:1000]
        sms.attempts += 1
        session.add(SmsAttempt(sms_message_id=sms.pk, attempted_at=at, success=error is None,
                               error=error))  # fmt: skip
        if error is None:
            sms.status, sms.sent_at, sms.next_attempt_at = DeliveryStatus.sent, at, None
            result.sent += 1
        elif final or sms.attempts >= MAX_ATTEMPTS:
            sms.status, sms.next_attempt_at = DeliveryStatus.failed, None
            result.gave_up += 1
        else:
            sms.next_attempt_at = retry_at(sms.attempts, at)
            result.failed += 1
        session.add(sms)
        result.ids.append(sms.pk)
    session.flush()
    return result
