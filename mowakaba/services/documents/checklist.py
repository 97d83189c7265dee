"""The exit checklist met by documents: an ID card, a birth certificate or a health-coverage
card in force and not expired meets the matching `exit_checklist_item`, at upload or, when
the item comes later (exit preparation), when the pathway creates it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from mowakaba import document_rules
from mowakaba.enums import ChecklistItem, WorkItemKind
from mowakaba.errors import MowakabaError
from mowakaba.models import User, Youth
from mowakaba.services import calendars as calendar_service
from mowakaba.services.completions import complete_work_item
from mowakaba.services.documents.queries import current_documents
from mowakaba.services.work_items import open_items

log = logging.getLogger("mowakaba.documents")


def meet_checklist_items(
    session: Session, *, youth: Youth, at: datetime, actor: User | None = None
) -> list[int]:
    """Complete the youth's open checklist items that a valid document meets; return their ids.

    The completion is the uploader's (`actor`, or the document's uploader), marked
    `by_document`; an item a rule refuses stays open for its assignee.
    """
    items = open_items(session, youth_id=youth.pk, kinds={WorkItemKind.exit_checklist_item})
    wanted = {
        document_rules.DOCUMENT_FOR[ChecklistItem(i.subject)]: i
        for i in items
        if i.subject in ChecklistItem.__members__
        and ChecklistItem(i.subject) in document_rules.DOCUMENT_FOR
    }
    if not wanted:
        return []
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    done = []
    for document in current_documents(session, youth_id=youth.pk):
        item = wanted.pop(document.kind, None)
        if item is None or not document_rules.is_valid(
            status=document.status, expiry_date=document.expiry_date, today=today
        ):
            if item is not None:
                wanted[document.kind] = item  # an expired one: an older copy will not do either
            continue
        by = actor or (
            session.get(User, document.uploaded_by_id) if document.uploaded_by_id else None
        )
        if by is None:
            continue
        try:
            with session.begin_nested():
                complete_work_item(
                    session, work_item_id=item.pk, actor=by, as_of=at, by_document=document.id,
                    payload={"outcome": "done", "document_id": document.id},
                )  # fmt: skip
        except MowakabaError as exc:
            log.warning("document %s: work item %s left open: %s", document.id, item.id, exc.code)
            continue
        done.append(item.pk)
    return done
