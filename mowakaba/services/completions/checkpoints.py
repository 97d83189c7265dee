"""Follow-up checkpoints: what the young person's life looks like, or that nobody reached them."""

from __future__ import annotations

from sqlmodel import select

from mowakaba.enums import CheckpointStatus
from mowakaba.models import FollowUp, WorkItem
from mowakaba.schemas import CheckpointPayload
from mowakaba.services import follow_up as follow_up_service
from mowakaba.services.completions.context import CompletionContext

# What a contacted checkpoint records, field by field, from the payload.
RECORDED = (
    "housing",
    "activity",
    "health_coverage",
    "id_documents",
    "income",
    "support_network",
    "well_being",
    "notes",
)


def record_checkpoint(ctx: CompletionContext, payload: CheckpointPayload) -> list[WorkItem | None]:
    """Record a checkpoint (or no contact) and update the youth's "not in touch" mark."""
    follow_up = ctx.session.exec(select(FollowUp).where(FollowUp.work_item_id == ctx.item.id)).one()
    follow_up.recorded_at, follow_up.recorded_by_id = ctx.at, ctx.actor.id
    if payload.contact:
        follow_up.status = CheckpointStatus.contacted
        for name in RECORDED:
            setattr(follow_up, name, getattr(payload, name))
    else:
        follow_up.status = CheckpointStatus.no_contact
        follow_up.notes = payload.notes
    ctx.session.add(follow_up)
    ctx.session.flush()
    follow_up_service.update_contact_mark(ctx.session, youth=ctx.youth, today=ctx.today, at=ctx.at)
    return []
