"""The case file: notes (the contact log) with their versions, and the contact details.

Notes: the youth's mediator and its institution's coordinators write and correct them
and read them whole; supervisors read a sensitive note's date, kind, sensitivity and
author, never its text. Every answer that shows a sensitive text adds an audit row
`notes.read_sensitive` naming the note. Contact details: read with the youth, changed by
its mediator and coordinators; a replaced value stays in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlmodel import Session

from api.casefile import sensitive_reads
from api.deps import GuardedRoute, SessionDep, audit, require
from api.routes.common import IdempotencyKey, IdPath, PageNo, PageSize, idempotent, page_of
from api.routes.common import scoped_youth as scoped
from api.schemas import Page
from mowakaba.casework_schemas import ContactsIn, NoteCorrectionIn, NoteIn
from mowakaba.clock import now
from mowakaba.errors import NotAllowed
from mowakaba.models import Contact, User
from mowakaba.services import calendars as calendar_service
from mowakaba.services import case_notes as note_service
from mowakaba.services import contacts as contact_service

router = APIRouter(tags=["case file"], route_class=GuardedRoute)


class VersionOut(BaseModel):
    version: int
    kind: str
    contact_date: date
    sensitivity: str
    hidden: bool  # the text (and with whom, and why) are not for this reader
    text: str | None
    with_whom: list[str] | None
    reason: str | None
    written_by_id: int
    written_at: datetime


class NoteOut(BaseModel):
    id: int
    youth_id: int
    number: int
    author_id: int
    created_at: datetime
    version_count: int
    current: VersionOut


class NoteDetail(NoteOut):
    versions: list[VersionOut]  # the newest first


class ContactOut(BaseModel):
    id: int
    kind: str
    position: int
    value: str
    label: str
    name: str | None
    relation: str | None
    is_current: bool
    confirmed_date: date
    recorded_by_id: int | None
    updated_at: datetime


def version_out(v: note_service.VersionView) -> VersionOut:
    return VersionOut(
        version=v.version, kind=v.kind.value, contact_date=v.contact_date,
        sensitivity=v.sensitivity.value, hidden=v.hidden, text=v.text, with_whom=v.with_whom,
        reason=v.reason, written_by_id=v.written_by_id, written_at=v.written_at,
    )  # fmt: skip


def note_out(view: note_service.NoteView) -> NoteOut:
    n = view.note
    return NoteOut(id=n.pk, youth_id=n.youth_id, number=n.number, author_id=n.author_id,
                   created_at=n.created_at, version_count=view.versions,
                   current=version_out(view.current))  # fmt: skip


def contact_out(c: Contact) -> ContactOut:
    return ContactOut(
        id=c.pk, kind=c.kind.value, position=c.position, value=c.value, label=c.label,
        name=c.name, relation=c.relation, is_current=c.is_current,
        confirmed_date=contact_service.confirmed_on(c), recorded_by_id=c.recorded_by_id,
        updated_at=c.updated_at,
    )  # fmt: skip


def today_of(session: Session, institution_id: int) -> date:
    return calendar_service.local_day(session, institution_id=institution_id, at=now()).today


def detail_of(session: Session, request: Request, user: User, youth_id: int, note_id: int):  # type: ignore[no-untyped-def]
    view, versions = note_service.note_history(
        session, youth_id=youth_id, note_id=note_id, viewer=user,
        on_sensitive_read=sensitive_reads(request, user),
    )  # fmt: skip
    return NoteDetail(**note_out(view).model_dump(), versions=[version_out(v) for v in versions])


def replayed(
    session: Session, request: Request, user: User, youth_id: int
) -> Callable[[Any], None]:
    """A replayed answer shows the note's text again: audited as a read of it is."""

    def read_again(answer: Any) -> None:
        detail_of(session, request, user, youth_id, int(answer["id"]))

    return read_again


@router.get("/youths/{youth_id}/notes", response_model=Page[NoteOut])
def list_notes(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("notes.list"))],
    page: PageNo = 1, page_size: PageSize = 50,
) -> dict:  # fmt: skip
    """The youth's notes, current versions, the latest contact first (a supervisor sees a
    sensitive note's existence, not its text)."""
    scoped(session, request, user, youth_id, "notes.list")
    views, total = note_service.list_notes(
        session, youth_id=youth_id, viewer=user, on_sensitive_read=sensitive_reads(request, user),
        limit=page_size, offset=(page - 1) * page_size,
    )  # fmt: skip
    return page_of([note_out(v) for v in views], total, page, page_size)


@router.post("/youths/{youth_id}/notes", response_model=NoteDetail, status_code=201)
def write_note(
    youth_id: IdPath, body: NoteIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("notes.write"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Write a note (the youth's mediator, its institution's coordinators)."""
    youth = scoped(session, request, user, youth_id, "notes.write")
    today = today_of(session, youth.institution_id)

    def create() -> NoteDetail:
        note = note_service.write_note(session, youth=youth, data=body, actor=user, today=today)
        audit(request, user, action="notes.write", object_type="case_note", object_id=note.id,
              youth_id=youth_id)  # fmt: skip
        return detail_of(session, request, user, youth_id, note.pk)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create,
        on_replay=replayed(session, request, user, youth_id),
    )  # fmt: skip


@router.get("/youths/{youth_id}/notes/{note_id}", response_model=NoteDetail)
def read_note(
    youth_id: IdPath, note_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("notes.read"))],
) -> NoteDetail:  # fmt: skip
    """A note with every version, the newest first."""
    scoped(session, request, user, youth_id, "notes.read")
    return detail_of(session, request, user, youth_id, note_id)


@router.post(
    "/youths/{youth_id}/notes/{note_id}/versions", response_model=NoteDetail, status_code=201
)
def correct_note(
    youth_id: IdPath, note_id: IdPath, body: NoteCorrectionIn, session: SessionDep,
    request: Request, user: Annotated[User, Depends(require("notes.write"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Correct a note: a new version with the reason; the earlier ones are kept."""
    youth = scoped(session, request, user, youth_id, "notes.correct")
    today = today_of(session, youth.institution_id)

    def create() -> NoteDetail:
        note = note_service.correct_note(session, youth=youth, note_id=note_id, data=body,
                                         actor=user, today=today)  # fmt: skip
        audit(request, user, action="notes.correct", object_type="case_note",
              object_id=note.id, youth_id=youth_id)  # fmt: skip
        return detail_of(session, request, user, youth_id, note.pk)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create,
        on_replay=replayed(session, request, user, youth_id),
    )  # fmt: skip


@router.get("/youths/{youth_id}/contacts", response_model=Page[ContactOut])
def list_contacts(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("contacts.list"))],
    include_replaced: bool = False,
) -> dict:  # fmt: skip
    """The youth's current contact details, each with the day it was last confirmed
    (`include_replaced`: the history too, newest first)."""
    scoped(session, request, user, youth_id, "contacts.list")
    rows = (contact_service.contact_history(session, youth_id=youth_id) if include_replaced
            else contact_service.current_contacts(session, youth_id=youth_id))  # fmt: skip
    return page_of([contact_out(c) for c in rows], len(rows), 1, max(len(rows), 1))


@router.put("/youths/{youth_id}/contacts", response_model=list[ContactOut])
def update_contacts(
    youth_id: IdPath, body: ContactsIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("contacts.manage"))],
) -> list[ContactOut]:  # fmt: skip
    """Replace, clear ("") or confirm the details sent; the others stay. A replaced value
    is kept as not current. Answers the current details."""
    youth = scoped(session, request, user, youth_id, "contacts.manage")
    if not note_service.may_write(session, user=user, youth=youth):
        raise NotAllowed(f"user {user.id} may not change youth {youth_id}")
    contact_service.update_contacts(session, youth=youth, data=body, actor=user,
                                    today=today_of(session, youth.institution_id))  # fmt: skip
    return [contact_out(c) for c in contact_service.current_contacts(session, youth_id=youth_id)]
