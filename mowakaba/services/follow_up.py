"""Follow-up after exit: missed checkpoints and the "not in touch" mark."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from mowakaba.enums import (
    CheckpointStatus,
    EscalationReason,
    EventKind,
    NotificationKind,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.models import Escalation, FollowUp, Institution, WorkItem, Youth
from mowakaba.rules import Rules
from mowakaba.services import notifications as notification_service
from mowakaba.services import users as user_service
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import cancel_work_item
from mowakaba.settings import get_settings

MISSED = (CheckpointStatus.no_contact, CheckpointStatus.missed)


def update_contact_mark(
    session: Session, *, youth: Youth, today: date, at: datetime
) -> bool | None:
    """Mark a youth not in touch after two misses in a row (one escalation), or clear the mark.

    Returns True when marked now, False when cleared now, None when unchanged.
    """
    resolved = session.exec(
        select(FollowUp)
        .where(FollowUp.youth_id == youth.id, FollowUp.status != CheckpointStatus.open)
        .order_by(col(FollowUp.months))
    ).all()
    rules = Rules(timings=get_settings().timings)
    out_of_touch = rules.is_not_in_touch([f.status in MISSED for f in resolved])
    if out_of_touch == youth.not_in_touch:
        return None
    youth.not_in_touch = out_of_touch
    session.add(youth)
    if not out_of_touch:
        record_event(session, youth, EventKind.not_in_touch_cleared, on=today)
        return False
    last = resolved[-1]
    record_event(
        session,
        youth,
        EventKind.not_in_touch_marked,
        on=today,
        work_item_id=last.work_item_id,
        data={"months": last.months},
    )
    _escalate_not_in_touch(session, youth=youth, checkpoint=last, at=at)
    return True


def _escalate_not_in_touch(
    session: Session, *, youth: Youth, checkpoint: FollowUp, at: datetime
) -> None:
    """One escalation to the institution's coordinators, on the checkpoint that made the mark."""
    institution = session.get(Institution, youth.institution_id)
    assert institution is not None
    recipients = user_service.coordinators_of(session, youth.institution_id)
    existing = session.exec(
        select(Escalation).where(
            Escalation.work_item_id == checkpoint.work_item_id,
            Escalation.reason == EscalationReason.not_in_touch,
        )
    ).first()
    if existing is None:
        session.add(
            Escalation(
                work_item_id=checkpoint.work_item_id,
                cycle=0,
                level=1,
                reason=EscalationReason.not_in_touch,
                raised_at=at,
                recipient_ids=[u.id for u in recipients],  # type: ignore[misc]
            )
        )
    notification_service.enqueue_each(
        session,
        recipients=recipients,
        key=f"not_in_touch:{youth.id}:{checkpoint.work_item_id}",
        kind=NotificationKind.not_in_touch,
        youth_id=youth.id,
        work_item_id=checkpoint.work_item_id,
        context={
            "youth_code": youth.code,
            "institution": institution.name,
            "due_date": str(checkpoint.due_date),
            "link": f"{get_settings().public_url}/youths/{youth.id}",
        },
    )


def missed_checkpoint_batch(
    session: Session,
    *,
    before: date,
    after_id: int,
    limit: int,
) -> list[WorkItem]:
    """Return open checkpoints due before a day (a coarse filter; the rule decides), by id."""
    return list(
        session.exec(
            select(WorkItem)
            .where(
                WorkItem.status == WorkItemStatus.open,
                WorkItem.kind == WorkItemKind.follow_up_checkpoint,
                col(WorkItem.due_date) < before,
                col(WorkItem.id) > after_id,
            )
            .order_by(col(WorkItem.id))
            .limit(limit)
        )
    )


def mark_missed(
    session: Session, *, item: WorkItem, youth: Youth, today: date, at: datetime
) -> None:
    """Close a checkpoint nobody recorded in time as missed, and update the contact mark."""
    follow_up = session.exec(select(FollowUp).where(FollowUp.work_item_id == item.id)).one()
    follow_up.status = CheckpointStatus.missed
    session.add(follow_up)
    cancel_work_item(session, item=item, reason="missed", on=today, youth=youth)
    record_event(
        session,
        youth,
        EventKind.checkpoint_missed,
        on=today,
        work_item_id=item.id,
        data={"months": follow_up.months},
    )
    session.flush()
    update_contact_mark(session, youth=youth, today=today, at=at)
