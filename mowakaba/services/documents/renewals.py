"""Expiring documents: a renewal work item for the youth's mediator, `document_renewal_days_
before_expiry` (default 60) days before a document in force expires, created once (the work
item's (youth, kind, subject) is unique: subject `d<document id>`), by a sweep phase."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mowakaba import document_rules
from mowakaba.enums import DocumentStatus, Stage, WorkItemKind
from mowakaba.models import Document, WorkItem, Youth
from mowakaba.services.work_items import create_work_item
from mowakaba.settings import get_settings


def renewal_batch(
    session: Session,
    *,
    coarse_today: date,
    at: datetime,
    after_id: int,
    limit: int,
    today_of: Callable[[int], date],
) -> tuple[int, int, bool]:
    """Create the renewal items due in a batch of documents; return (created, last id, more).

    `coarse_today` (the programme's day) bounds the index scan a day wide; each youth's
    institution's own day (`today_of`) decides.
    """
    lead = get_settings().timings.document_renewal_days_before_expiry
    horizon = coarse_today + timedelta(days=lead + 1)
    has_item = (
        select(WorkItem.id)
        .where(
            WorkItem.youth_id == Document.youth_id,
            WorkItem.kind == WorkItemKind.document_renewal,
            WorkItem.subject == sa.literal("d") + sa.cast(Document.id, sa.String),
        )
        .exists()
    )
    documents = list(
        session.exec(
            select(Document)
            .where(
                Document.status == DocumentStatus.current,
                col(Document.expiry_date).is_not(None),
                col(Document.expiry_date) <= horizon,
                col(Document.id) > after_id,
                ~has_item,
            )
            .order_by(col(Document.id))
            .limit(limit)
        )
    )
    created = 0
    for document in documents:
        youth = session.get(Youth, document.youth_id)
        assert youth is not None and document.expiry_date is not None
        if youth.stage == Stage.closed:
            continue
        today = today_of(youth.institution_id)
        if document_rules.renewal_from(document.expiry_date, lead_days=lead) > today:
            continue
        spec = document_rules.renewal_item(document.pk, document.expiry_date, today)
        if create_work_item(session, youth=youth, spec=spec, on=today, at=at) is not None:
            created += 1
    last = documents[-1].pk if documents else after_id
    return created, last, len(documents) == limit
