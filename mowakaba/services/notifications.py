"""The outbox: notifications written with the change that causes them, under a unique key.

In-app delivery is the row itself (exactly once). Email, for recipients who
have an address, is sent by `deliver_batch` at least once, with the key as
Message-ID so a mail client can drop a repeat; every attempt is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from mowakaba.clock import now
from mowakaba.enums import Channel, DeliveryStatus, NotificationKind
from mowakaba.errors import NotFound
from mowakaba.models import DeliveryAttempt, Notification, User
from mowakaba.paging import fetch_page

# Retry an email after 1, 5, 30, 120 minutes, then every 6 hours; give up after 10 attempts.
BACKOFF_MINUTES = (1, 5, 30, 120, 360)
MAX_ATTEMPTS = 10


def enqueue(
    session: Session,
    *,
    key: str,
    recipient: User,
    kind: NotificationKind,
    youth_id: int | None = None,
    work_item_id: int | None = None,
    context: dict[str, Any] | None = None,
) -> Notification | None:
    """Write a notification once per key; return None if the key exists already."""
    existing = session.exec(select(Notification).where(Notification.idempotency_key == key)).first()
    if existing is not None:
        return None
    assert recipient.id is not None
    notification = Notification(
        idempotency_key=key,
        recipient_id=recipient.id,
        kind=kind,
        youth_id=youth_id,
        work_item_id=work_item_id,
        context=context or {},
        created_at=now(),
        email_status=DeliveryStatus.pending if recipient.email else None,
        next_attempt_at=now() if recipient.email else None,
    )
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return None  # a concurrent writer created it first: still exactly once
    return notification


def enqueue_each(
    session: Session,
    *,
    recipients: list[User],
    key: str,
    kind: NotificationKind,
    youth_id: int | None = None,
    work_item_id: int | None = None,
    context: dict[str, Any] | None = None,
) -> int:
    """Write one notification per recipient (key `<key>:<user id>`); return how many are new."""
    created = 0
    for user in recipients:
        row = enqueue(
            session, key=f"{key}:{user.id}", recipient=user, kind=kind, youth_id=youth_id,
            work_item_id=work_item_id, context=context,
        )  # fmt: skip
        created += row is not None
    return created


@dataclass
class Outgoing:
    """A notification to write with others in one batch (`enqueue_batch`)."""

    key: str  # the whole idempotency key, recipient included
    recipient: User
    kind: NotificationKind
    youth_id: int | None = None
    work_item_id: int | None = None
    context: dict[str, Any] = field(default_factory=dict)


def outgoing_each(
    recipients: list[User],
    *,
    key: str,
    kind: NotificationKind,
    youth_id: int | None = None,
    work_item_id: int | None = None,
    context: dict[str, Any] | None = None,
) -> list[Outgoing]:
    """One notification per recipient (key `<key>:<user id>`), to pass to `enqueue_batch`."""
    return [
        Outgoing(f"{key}:{user.id}", user, kind, youth_id, work_item_id, context or {})
        for user in recipients
    ]


def enqueue_batch(session: Session, rows: list[Outgoing]) -> int:
    """Write a batch of notifications, each once per key, in one statement; return how many
    are new.

    What `enqueue` does row by row (a look-up and a savepoint each: a sweep's main cost
    at national scale), set-based: the keys already written are read once, the rest go
    in one INSERT … ON CONFLICT DO NOTHING, so a concurrent writer still cannot make a
    key twice."""
    if not rows:
        return 0
    written = set(
        session.exec(
            select(Notification.idempotency_key).where(
                col(Notification.idempotency_key).in_([r.key for r in rows])
            )
        )
    )
    fresh: dict[str, Outgoing] = {}
    for row in rows:
        if row.key not in written:
            fresh.setdefault(row.key, row)
    if not fresh:
        return 0
    at = now()
    values = [
        {
            "idempotency_key": r.key,
            "recipient_id": r.recipient.id,
            "kind": r.kind,
            "youth_id": r.youth_id,
            "work_item_id": r.work_item_id,
            "context": r.context,
            "created_at": at,
            "read_at": None,
            "attempts": 0,
            "sent_at": None,
            "email_status": DeliveryStatus.pending if r.recipient.email else None,
            "next_attempt_at": at if r.recipient.email else None,
        }  # fmt: skip
        for r in fresh.values()
    ]
    session.flush()  # rows the session holds first (the youths, items they refer to)
    table = Notification.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    statement = (
        insert(table)  # type: ignore[arg-type]
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)  # type: ignore[attr-defined]
    )
    return len(connection.execute(statement, values).all())


NEWEST_FIRST = (col(Notification.id).desc(),)


def inbox(
    session: Session, *, user_id: int, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> list[Notification]:
    """Return a user's in-app notifications, newest first."""
    query = _inbox_query(user_id, unread_only).order_by(*NEWEST_FIRST)
    return list(session.exec(query.offset(offset).limit(limit)))


def page_inbox(
    session: Session, *, user_id: int, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[Notification], int]:
    """Return a page of a user's in-app notifications, newest first, and how many there are."""
    query = _inbox_query(user_id, unread_only)
    return fetch_page(session, query, order_by=NEWEST_FIRST, limit=limit, offset=offset)


def _inbox_query(user_id: int, unread_only: bool) -> SelectOfScalar[Notification]:
    query = select(Notification).where(Notification.recipient_id == user_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return query


def mark_read(session: Session, *, notification_id: int, user_id: int) -> Notification:
    """Mark one of the user's notifications read (someone else's is not found)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.recipient_id != user_id:
        raise NotFound(f"notification {notification_id} not found")
    if notification.read_at is None:
        notification.read_at = now()
        session.add(notification)
    return notification


def mark_all_read(
    session: Session, *, user_id: int, as_of: datetime | None = None
) -> list[Notification]:
    """Mark every unread notification of a user read; return them (the edge audits each)."""
    unread = list(session.exec(_inbox_query(user_id, unread_only=True)))
    at = as_of or now()
    for notification in unread:
        notification.read_at = at
        session.add(notification)
    return unread


# ---------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Message:
    """A rendered message for one recipient."""

    to: str
    subject: str
    body: str
    message_id: str


class Transport(Protocol):
    channel: Channel

    def send(self, message: Message) -> None:
        """Send a message or raise."""


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    ids: list[int] = field(default_factory=list)


def retry_at(attempts: int, at: datetime) -> datetime:
    """When a message that failed `attempts` times is tried again (the backoff)."""
    return at + timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def pending_ids(session: Session, *, as_of: datetime, limit: int) -> list[int]:
    """Return the ids of emails due for an attempt, oldest first."""
    return list(
        session.exec(
            select(  # type: ignore[arg-type]
                col(Notification.id)
            )
            .where(
                Notification.email_status == DeliveryStatus.pending,
                col(Notification.next_attempt_at) <= as_of,
            )
            .order_by(col(Notification.id))
            .limit(limit)
        )
    )


def deliver_batch(
    session: Session,
    *,
    notification_ids: list[int],
    transport: Transport,
    render: Any,
    as_of: datetime | None = None,
    echo: Transport | None = None,
) -> DeliveryResult:
    """Send a batch of pending emails, recording every attempt; sent rows are never sent again.

    `render(notification, recipient) -> Message` builds the message; `echo`, if
    given (the console in development), shows each one too.
    """
    at = as_of or now()
    result = DeliveryResult()
    rows = session.exec(
        select(Notification, User)
        .join(User, col(User.id) == col(Notification.recipient_id))
        .where(
            col(Notification.id).in_(notification_ids),
            Notification.email_status == DeliveryStatus.pending,
        )
        .order_by(col(Notification.id))
        .with_for_update(of=Notification, skip_locked=True)  # type: ignore[arg-type]
    ).all()
    for notification, recipient in rows:
        message = render(notification, recipient)
        error: str | None = None
        try:
            transport.send(message)
        except Exception as exc:  # any transport failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:1000]
        if echo is not None and error is None:
            echo.send(message)
        notification.attempts += 1
        session.add(
            DeliveryAttempt(
                notification_id=notification.pk,
                channel=transport.channel,
                attempted_at=at,
                success=error is None,
                error=error,
            )
        )
        if error is None:
            notification.email_status = DeliveryStatus.sent
            notification.sent_at = at
            notification.next_attempt_at = None
            result.sent += 1
        elif notification.attempts >= MAX_ATTEMPTS:
            notification.email_status = DeliveryStatus.failed
            notification.next_attempt_at = None
            result.gave_up += 1
        else:
            notification.next_attempt_at = retry_at(notification.attempts, at)
            result.failed += 1
        session.add(notification)
        result.ids.append(notification.pk)
    session.flush()
    return result
