"""Young people: registration, search, planned exit and extension requests, closure."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from mowakaba.clock import now
from mowakaba.enums import (
    AssigneePool,
    ClosureReason,
    EventKind,
    ExtensionStatus,
    Role,
    Stage,
)
from mowakaba.errors import (
    AlreadyClosed,
    ImplausibleDates,
    InvalidExtension,
    InvalidInput,
    InvalidMediator,
    InvalidName,
    NotAllowed,
    NotFound,
)
from mowakaba.models import ExitExtension, User, Youth
from mowakaba.paging import fetch_page
from mowakaba.pathway import IN_CARE, check_transition
from mowakaba.schedule import ScheduleEntry, nominal_schedule
from mowakaba.schemas import ExtensionRequest, RecordExitPayload, YouthRegistration
from mowakaba.services import calendars as calendar_service
from mowakaba.services import users as user_service
from mowakaba.services.completions.exits import record_exit
from mowakaba.services.reconciliation import Reconciliation, lock_youth, reconcile_youth
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import cancel_work_item, create_work_item, open_items
from mowakaba.text import is_arabic, is_latin, normalise

# Crockford's base32 without look-alikes: codes that carry no name and read aloud well.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code() -> str:
    """Return a fresh youth code, e.g. 'Y-7K3QX9'."""
    return "Y-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def _check_names(data: YouthRegistration) -> None:
    latin = [n for n in (data.first_name, data.last_name) if n]
    arabic = [n for n in (data.first_name_ar, data.last_name_ar) if n]
    if not (data.first_name and data.last_name) and not (data.first_name_ar and data.last_name_ar):
        raise InvalidName("a first and last name are needed, in Latin and/or Arabic script")
    if any(not is_latin(n) for n in latin):
        raise InvalidName("first_name and last_name are written in Latin script")
    if any(not is_arabic(n) for n in arabic):
        raise InvalidName("first_name_ar and last_name_ar are written in Arabic script")


def register_youth(
    session: Session,
    *,
    data: YouthRegistration,
    actor: User | None = None,
    as_of: datetime | None = None,
) -> tuple[Youth, Reconciliation]:
    """Register a young person and bring their pathway up to date at once."""
    at = as_of or now()
    _check_names(data)
    day = calendar_service.local_day(session, institution_id=data.institution_id, at=at)
    institution, today = day.institution, day.today
    if data.mediator_id is not None:
        mediator = session.get(User, data.mediator_id)
        if (
            mediator is None
            or mediator.role != Role.mediator
            or not mediator.is_active
            or institution.pk not in user_service.institution_ids_of(session, mediator.pk)
        ):
            raise InvalidMediator(
                f"user {data.mediator_id} is not an active mediator of institution {institution.id}"
            )
    if data.admission_date > today:
        raise ImplausibleDates(f"admission {data.admission_date} is in the future ({today})")
    rules = day.rules()
    planned_exit = rules.check_registration(
        date_of_birth=data.date_of_birth,
        registered=today,
        admission=data.admission_date,
        planned_exit=data.planned_exit_date,
        exit_date=data.exit_date,
    )
    code = new_code()
    while session.exec(select(Youth.id).where(Youth.code == code)).first() is not None:
        code = new_code()
    youth = Youth(
        code=code,
        first_name=data.first_name,
        last_name=data.last_name,
        first_name_ar=data.first_name_ar,
        last_name_ar=data.last_name_ar,
        search_name=normalise(
            " ".join([data.first_name, data.last_name, data.first_name_ar, data.last_name_ar])
        ),
        date_of_birth=data.date_of_birth,
        date_of_birth_presumed=data.date_of_birth_presumed,
        sex=data.sex,
        institution_id=institution.pk,
        admission_date=data.admission_date,
        registered_date=today,
        education_level=data.education_level,
        vocational_level=data.vocational_level,
        mediator_id=data.mediator_id,
        stage=Stage.enrolled,
        stage_entered_date=today,
        planned_exit_date=planned_exit,
        planned_exit_reason=data.planned_exit_reason,
        exit_date=data.exit_date,
        exit_kind=data.exit_kind if data.exit_date else None,
        notes=data.notes,
        language=data.language,
        created_at=at,
        updated_at=at,
    )
    session.add(youth)
    session.flush()
    record_event(
        session,
        youth,
        EventKind.registered,
        on=today,
        actor_id=actor.id if actor else None,
        data={"code": code},
    )
    return youth, reconcile_youth(session, youth.pk, at, rules=rules)


def get_youth(session: Session, youth_id: int) -> Youth:
    """Return a youth or raise NotFound."""
    youth = session.get(Youth, youth_id)
    if youth is None:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def search_youths(
    session: Session,
    *,
    institution_ids: list[int] | None = None,
    mediator_id: int | None = None,
    stage: Stage | None = None,
    institution_id: int | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    base: Any = None,
) -> tuple[list[Youth], int]:
    """Return a page of youths and the total, filtered by scope, stage and name (both scripts).

    `base` is a select over Youth already restricted to a caller's scope (the API's).
    """
    query = select(Youth) if base is None else base
    if institution_id is not None:
        query = query.where(Youth.institution_id == institution_id)
    if institution_ids is not None:
        query = query.where(col(Youth.institution_id).in_(institution_ids))
    if mediator_id is not None:
        query = query.where(Youth.mediator_id == mediator_id)
    if stage is not None:
        query = query.where(Youth.stage == stage)
    if q:
        for word in normalise(q).split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(col(Youth.search_name).like(f"%{escaped}%", escape="\\"))
    return fetch_page(session, query, order_by=[col(Youth.id)], limit=limit, offset=offset)


def youths_among(
    session: Session, *, youth_ids: Iterable[int], institution_ids: Sequence[int] | None
) -> dict[int, Youth]:
    """Return the youths of these ids that belong to the given institutions (None: all)."""
    ids = sorted(set(youth_ids))
    if not ids:
        return {}
    query = select(Youth).where(col(Youth.id).in_(ids))
    if institution_ids is not None:
        query = query.where(col(Youth.institution_id).in_(list(institution_ids)))
    return {youth.pk: youth for youth in session.exec(query)}


def request_extension(
    session: Session,
    *,
    youth_id: int,
    actor: User,
    request: ExtensionRequest,
    as_of: datetime | None = None,
) -> ExitExtension:
    """Ask to stay in care past the planned exit; the coordinators decide (a work item)."""
    at = as_of or now()
    youth = lock_youth(session, youth_id)
    if youth.stage not in IN_CARE or youth.exit_date is not None:
        raise NotAllowed(f"youth {youth_id} is not in care (stage {youth.stage.value})")
    day = calendar_service.local_day(session, institution_id=youth.institution_id, at=at)
    today = day.today
    pending = session.exec(
        select(ExitExtension).where(
            ExitExtension.youth_id == youth_id, ExitExtension.status == ExtensionStatus.requested
        )
    ).first()
    if pending is not None:
        raise InvalidExtension(f"youth {youth_id} has an extension request awaiting a decision")
    rules = day.rules()
    current = youth.planned_exit_date or rules.default_planned_exit(youth.date_of_birth)
    rules.check_extension(
        date_of_birth=youth.date_of_birth,
        current_planned_exit=current,
        until=request.until,
        reason=request.reason,
        today=today,
    )
    number = 1 + len(
        session.exec(select(ExitExtension.id).where(ExitExtension.youth_id == youth_id)).all()
    )
    extension = ExitExtension(
        youth_id=youth_id,
        number=number,
        requested_until=request.until,
        reason=request.reason,
        requested_by_id=actor.id,
        requested_at=at,
    )
    session.add(extension)
    item = create_work_item(
        session,
        youth=youth,
        spec=rules.extension_decision_item(today, number=number),
        on=today,
        at=at,
    )
    extension.work_item_id = item.id if item else None
    record_event(
        session,
        youth,
        EventKind.extension_requested,
        on=today,
        actor_id=actor.id,
        work_item_id=extension.work_item_id,
        data={"number": number, "until": str(request.until)},
    )
    session.flush()
    return extension


def record_unplanned_exit(
    session: Session,
    *,
    youth_id: int,
    actor: User,
    payload: RecordExitPayload,
    as_of: datetime | None = None,
) -> Youth:
    """Record an exit that happened outside the "record exit" work item (a runaway at 15)."""
    at = as_of or now()
    youth = lock_youth(session, youth_id)
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    record_exit(session, youth=youth, payload=payload, actor=actor, today=today)
    session.flush()
    return youth


def close_youth(
    session: Session,
    *,
    youth_id: int,
    actor: User,
    reason: ClosureReason,
    as_of: datetime | None = None,
) -> Youth:
    """Close a youth's file (a coordinator's call, from any stage); open work is cancelled."""
    at = as_of or now()
    youth = lock_youth(session, youth_id)
    if (
        actor.role != Role.coordinator
        or youth.institution_id
        not in user_service.institution_ids_of(
            session,
            actor.pk,
        )
    ):
        raise NotAllowed(f"user {actor.id} is not a coordinator of youth {youth_id}'s institution")
    if youth.stage == Stage.closed:
        raise AlreadyClosed(f"youth {youth_id} is closed already")
    if reason == ClosureReason.follow_up_completed:
        raise InvalidInput("follow_up_completed is set by the rules, not by a coordinator")
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    check_transition(youth.stage, Stage.closed, youth.id)
    for item in open_items(session, youth_id=youth_id):
        cancel_work_item(
            session, item=item, reason="closed", on=today, youth=youth, actor_id=actor.id
        )
    youth.stage, youth.stage_entered_date = Stage.closed, today
    youth.closed_date, youth.closure_reason = today, reason
    youth.next_trigger_date = None
    youth.updated_at = at
    session.add(youth)
    record_event(
        session, youth, EventKind.closed, on=today, actor_id=actor.id, data={"reason": reason.value}
    )
    session.flush()
    return youth


def update_youth(
    session: Session, *, youth_id: int, actor: User, changes: dict[str, object]
) -> Youth:
    """Change the allow-listed fields of a youth's record (names, schooling, mediator, the
    language of their documents)."""
    allowed = {
        "first_name", "last_name", "first_name_ar", "last_name_ar", "date_of_birth_presumed",
        "education_level", "vocational_level", "mediator_id", "language",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
    youth = lock_youth(session, youth_id)
    if "mediator_id" in changes:
        if actor.role != Role.coordinator:
            raise NotAllowed("only a coordinator assigns the mediator")
        mediator = session.get(User, changes["mediator_id"]) if changes["mediator_id"] else None
        if changes["mediator_id"] is not None and (
            mediator is None
            or mediator.role != Role.mediator
            or youth.institution_id not in user_service.institution_ids_of(session, mediator.pk)
        ):
            raise InvalidMediator(
                f"user {changes['mediator_id']} is not a mediator of institution "
                f"{youth.institution_id}"
            )
    merged = YouthRegistration(
        first_name=str(changes.get("first_name", youth.first_name)),
        last_name=str(changes.get("last_name", youth.last_name)),
        first_name_ar=str(changes.get("first_name_ar", youth.first_name_ar)),
        last_name_ar=str(changes.get("last_name_ar", youth.last_name_ar)),
        date_of_birth=youth.date_of_birth,
        sex=youth.sex,
        institution_id=youth.institution_id,
        admission_date=youth.admission_date,
        education_level=youth.education_level,
        vocational_level=youth.vocational_level,
    )
    _check_names(merged)
    previous_mediator_id = youth.mediator_id
    for name, value in changes.items():
        setattr(youth, name, value)
    if "mediator_id" in changes and youth.mediator_id != previous_mediator_id:
        _hand_over_work(
            session, youth=youth, actor=actor, previous_mediator_id=previous_mediator_id
        )
    youth.search_name = normalise(
        " ".join([youth.first_name, youth.last_name, youth.first_name_ar, youth.last_name_ar])
    )
    youth.updated_at = now()
    session.add(youth)
    session.flush()
    return youth


def _hand_over_work(
    session: Session, *, youth: Youth, actor: User, previous_mediator_id: int | None
) -> None:
    """Give the old mediator's open work for a youth to the new one, and say so on the timeline.

    The items stay the same (due dates, cycles and open escalations count on);
    reminders follow the assignee the sweep reads. Pool items stay with the pool.
    Without a new mediator the work goes to the institution's coordinators, so
    that it is never lost.
    """
    moved = []
    if previous_mediator_id is not None:
        for item in open_items(session, youth_id=youth.pk):
            if item.assignee_id != previous_mediator_id:
                continue
            item.assignee_id = youth.mediator_id
            item.assignee_pool = (
                None if youth.mediator_id else AssigneePool.institution_coordinators
            )
            session.add(item)
            moved.append(item.pk)
    at = now()
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    record_event(
        session,
        youth,
        EventKind.mediator_changed,
        on=today,
        actor_id=actor.id,
        data={"from": previous_mediator_id, "to": youth.mediator_id, "work_items": moved},
    )


def nominal_schedule_of(session: Session, *, youth: Youth) -> list[ScheduleEntry]:
    """Return a youth's whole nominal schedule (every item done on its due date), from
    registration on: "what is coming" is its part from today."""
    # The calendar must cover the schedule from registration on, not from today.
    rules = calendar_service.rules_for(
        session, institution_id=youth.institution_id, today=youth.registered_date
    )
    registered_after_exit = youth.exit_date and youth.exit_date <= youth.registered_date
    return nominal_schedule(
        rules,
        date_of_birth=youth.date_of_birth,
        registered=youth.registered_date,
        planned_exit=youth.planned_exit_date if youth.exit_date is None else None,
        exit_date=youth.exit_date if registered_after_exit else None,
    )
