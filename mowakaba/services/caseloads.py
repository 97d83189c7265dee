"""Caseloads: how much each mediator holds, and reassigning a whole caseload in one action.

A coordinator moves a mediator's youths (all of them in the coordinator's institutions,
or a chosen subset) to one other mediator, or spreads them evenly over the institution's
other active mediators. Each youth moves as a single reassignment does
(`youths.update_youth`: open work assigned to the old mediator goes with it, the
timeline says `mediator_changed`), all in the caller's one transaction: a failure
half-way leaves everything as it was. Each receiving mediator gets one summary
notification, keyed by what was moved, so a retried request does not send it twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from mowakaba.clock import now
from mowakaba.enums import NotificationKind, Role, Stage, WorkItemStatus
from mowakaba.errors import InvalidInput, InvalidMediator, NotAllowed, NotFound
from mowakaba.models import User, UserInstitution, WorkItem, Youth
from mowakaba.services import calendars as calendar_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import users as user_service
from mowakaba.services import youths as youth_service
from mowakaba.settings import get_settings

# A summary notification names at most this many youth codes (the rest is a count).
CODES_IN_NOTICE = 10


@dataclass(frozen=True)
class MediatorLoad:
    """One line of the caseload page: a mediator of an institution (None: nobody, the
    youths without a mediator and the coordinators' pool), and what they hold."""

    institution_id: int
    mediator_id: int | None
    youths: int = 0
    open_items: int = 0
    overdue_items: int = 0


@dataclass
class CaseloadMove:
    """What one reassignment did: youth id → new mediator, and the work items moved."""

    from_mediator_id: int
    moved: dict[int, int] = field(default_factory=dict)
    work_items: list[int] = field(default_factory=list)
    notified: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "from_mediator_id": self.from_mediator_id,
            "youths": [{"youth_id": y, "mediator_id": m} for y, m in sorted(self.moved.items())],
            "work_items": sorted(self.work_items),
            "notified": self.notified,
        }


def mediators_of(session: Session, institution_id: int, *, active_only: bool = True) -> list[User]:
    """Return the mediators of an institution, by id."""
    query = (
        select(User)
        .join(UserInstitution, col(UserInstitution.user_id) == col(User.id))
        .where(UserInstitution.institution_id == institution_id, User.role == Role.mediator)
    )
    if active_only:
        query = query.where(col(User.is_active).is_(True))
    return list(session.exec(query.order_by(col(User.id))))


def caseloads(
    session: Session, *, institution_ids: Sequence[int], at: datetime | None = None
) -> list[MediatorLoad]:
    """Each mediator's open files (youths not closed), open and overdue work items, per
    institution; the institution's active mediators appear even with nothing to hold, and
    a last line per institution (mediator None) holds the youths without a mediator and
    the coordinators' pool. Overdue: due before the institution's local today."""
    at = at or now()
    loads: list[MediatorLoad] = []
    for institution_id in sorted(set(institution_ids)):
        today = calendar_service.local_day(session, institution_id=institution_id, at=at).today
        youths = dict(
            session.exec(  # type: ignore[arg-type]
                select(Youth.mediator_id, func.count())
                .where(Youth.institution_id == institution_id, Youth.stage != Stage.closed)
                .group_by(col(Youth.mediator_id))
            ).all()
        )
        overdue = sa.case((col(WorkItem.due_date) < today, 1), else_=0)
        items = {
            assignee: (int(count), int(late or 0))
            for assignee, count, late in session.exec(
                select(WorkItem.assignee_id, func.count(), func.sum(overdue))
                .where(
                    WorkItem.institution_id == institution_id,
                    WorkItem.status == WorkItemStatus.open,
                )
                .group_by(col(WorkItem.assignee_id))
            )
        }
        people = [m.pk for m in mediators_of(session, institution_id)]
        people += sorted(p for p in set(youths) | set(items) if p is not None and p not in people)
        for person in [*people, None]:
            count, late = items.get(person, (0, 0))
            loads.append(MediatorLoad(institution_id, person, youths.get(person, 0), count, late))
    return loads


def _is_mediator_of(session: Session, user: User | None, institution_id: int) -> bool:
    return (
        user is not None
        and user.role == Role.mediator
        and user.is_active
        and institution_id in user_service.institution_ids_of(session, user.pk)
    )


def _youths_to_move(
    session: Session, *, from_id: int, scope: list[int], youth_ids: Sequence[int] | None
) -> list[Youth]:
    """The mediator's open files in the scope (a chosen subset of them), locked, by id."""
    query = select(Youth).where(
        Youth.mediator_id == from_id,
        col(Youth.institution_id).in_(scope),
        Youth.stage != Stage.closed,
    )
    held = list(session.exec(query.order_by(col(Youth.id)).with_for_update()))
    if youth_ids is None:
        return held
    by_id = {y.pk: y for y in held}
    chosen = []
    for youth_id in sorted(set(youth_ids)):
        if youth_id in by_id:
            chosen.append(by_id[youth_id])
            continue
        youth = session.get(Youth, youth_id)
        if youth is None or youth.institution_id not in scope:
            raise NotFound(f"youth {youth_id} not found")
        raise InvalidInput(f"youth_ids: youth {youth_id} is not in mediator {from_id}'s caseload")
    return chosen


def _targets(
    session: Session,
    *,
    youths: list[Youth],
    from_id: int,
    to_id: int | None,
    spread: bool,
) -> dict[int, int]:
    """youth id → receiving mediator: one mediator, or evenly over each institution's
    other active mediators (each youth, by id, to whoever then holds the fewest files)."""
    if to_id is not None:
        to = session.get(User, to_id)
        for youth in youths:
            if not _is_mediator_of(session, to, youth.institution_id):
                raise InvalidMediator(
                    f"to_mediator_id: user {to_id} is not an active mediator of institution "
                    f"{youth.institution_id}"
                )
        return {y.pk: to_id for y in youths}
    assert spread
    targets: dict[int, int] = {}
    held: dict[int, dict[int, int]] = {}
    for youth in youths:
        institution_id = youth.institution_id
        if institution_id not in held:
            others = [m.pk for m in mediators_of(session, institution_id) if m.pk != from_id]
            if not others:
                raise InvalidMediator(
                    f"institution {institution_id} has no other active mediator to spread to"
                )
            counts = dict(
                session.exec(  # type: ignore[arg-type]
                    select(Youth.mediator_id, func.count())
                    .where(
                        col(Youth.mediator_id).in_(others),
                        Youth.institution_id == institution_id,
                        Youth.stage != Stage.closed,
                    )
                    .group_by(col(Youth.mediator_id))
                ).all()
            )
            held[institution_id] = {m: counts.get(m, 0) for m in others}
        loads = held[institution_id]
        chosen = min(loads, key=lambda m: (loads[m], m))
        loads[chosen] += 1
        targets[youth.pk] = chosen
    return targets


def reassign_caseload(
    session: Session,
    *,
    actor: User,
    from_mediator_id: int,
    to_mediator_id: int | None = None,
    spread: bool = False,
    youth_ids: Sequence[int] | None = None,
    as_of: datetime | None = None,
) -> CaseloadMove:
    """Move a mediator's youths in the coordinator's institutions (or a chosen subset) to
    another mediator, or spread them evenly; their open work follows. Never commits."""
    at = as_of or now()
    if actor.role != Role.coordinator or not actor.is_active:
        raise NotAllowed("only a coordinator reassigns a caseload")
    if (to_mediator_id is None) == (not spread):
        raise InvalidInput("to_mediator_id: give a mediator, or spread: true (not both)")
    if to_mediator_id == from_mediator_id:
        raise InvalidMediator("to_mediator_id: the caseload goes to another mediator")
    scope = user_service.institution_ids_of(session, actor.pk)
    source = session.get(User, from_mediator_id)
    if (
        source is None
        or source.role != Role.mediator
        or not set(scope) & set(user_service.institution_ids_of(session, source.pk))
    ):
        raise InvalidMediator(
            f"from_mediator_id: user {from_mediator_id} is not a mediator of your institutions"
        )
    youths = _youths_to_move(session, from_id=from_mediator_id, scope=scope, youth_ids=youth_ids)
    targets = _targets(
        session, youths=youths, from_id=from_mediator_id, to_id=to_mediator_id, spread=spread
    )
    move = CaseloadMove(from_mediator_id=from_mediator_id)
    if not youths:
        return move
    mine = session.exec(
        select(col(WorkItem.id)).where(
            col(WorkItem.youth_id).in_([y.pk for y in youths]),
            WorkItem.status == WorkItemStatus.open,
            WorkItem.assignee_id == from_mediator_id,
        )
    )
    move.work_items = [int(i) for i in mine if i is not None]
    for youth in youths:
        youth_service.update_youth(
            session, youth_id=youth.pk, actor=actor, changes={"mediator_id": targets[youth.pk]}
        )
        move.moved[youth.pk] = targets[youth.pk]
    move.notified = _notify(session, move=move, youths=youths, source=source, at=at)
    session.flush()
    return move


def _notify(
    session: Session, *, move: CaseloadMove, youths: list[Youth], source: User, at: datetime
) -> int:
    """One summary per receiving mediator, keyed by the youths it names (a retry that moves
    the same youths again on the same day writes nothing new)."""
    sent = 0
    codes = {y.pk: y.code for y in youths}
    items_of = dict.fromkeys(codes, 0)
    for youth_id in session.exec(
        select(WorkItem.youth_id).where(col(WorkItem.id).in_(move.work_items or [0]))
    ):
        items_of[youth_id] += 1
    for mediator_id in sorted(set(move.moved.values())):
        mine = sorted(y for y, m in move.moved.items() if m == mediator_id)
        digest = hashlib.sha256(",".join(map(str, mine)).encode()).hexdigest()[:16]
        recipient = session.get(User, mediator_id)
        assert recipient is not None
        row = notification_service.enqueue(
            session,
            key=f"caseload:{source.pk}:{mediator_id}:{at.date()}:{digest}",
            recipient=recipient,
            kind=NotificationKind.caseload_assigned,
            context={
                "count": len(mine),
                "work_items": sum(items_of[y] for y in mine),
                "youth_codes": [codes[y] for y in mine[:CODES_IN_NOTICE]],
                "more": max(0, len(mine) - CODES_IN_NOTICE),
                "from_mediator": source.display_name,
                "link": f"{get_settings().public_url}/work",
            },
        )
        sent += row is not None
    return sent
