"""The case file on the pages: notes (written, corrected with their versions) and the
youth's contact details (updated, with their history), and the context the youth file's
notes and contacts sections need (`casework_context`).

A wrong form comes back alone (422) with each error next to its field and nothing
changed. Every page that shows a sensitive note's text leaves an audit row naming the
note (`api.casefile.sensitive_reads`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.casefile import sensitive_reads
from api.deps import SessionDep, audit
from api.pages.admin_forms import attempt
from api.pages.common import N_, page_guard, page_router, render
from api.pages.referral_forms import PostedForm, field_errors, posted, sender_youth, today_of
from api.policy import allowed, youth_scope
from mowakaba.casework_schemas import ContactsIn, NoteCorrectionIn, NoteIn
from mowakaba.enums import AuditOutcome, NoteKind, NoteParty, Sensitivity
from mowakaba.errors import ImplausibleDates, InvalidInput, NotFound
from mowakaba.models import User, Youth
from mowakaba.services import case_notes as note_service
from mowakaba.services import contacts as contact_service
from mowakaba.services import users as user_service

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOTES_ON_FILE = 20  # the latest ones; the API pages through the rest

KIND_LABELS = {
    NoteKind.visit: N_("Visit"),
    NoteKind.call: N_("Phone call"),
    NoteKind.meeting: N_("Meeting"),
    NoteKind.message: N_("Message"),
    NoteKind.other: N_("Other contact"),
}
PARTY_LABELS = {
    NoteParty.youth: N_("The young person"),
    NoteParty.family: N_("Family"),
    NoteParty.partner: N_("Partner"),
    NoteParty.school: N_("School or training centre"),
    NoteParty.other: N_("Someone else"),
}
SENSITIVITY_LABELS = {
    Sensitivity.none: N_("Not sensitive"),
    Sensitivity.health: N_("Health"),
    Sensitivity.family: N_("Family matters"),
    Sensitivity.justice: N_("Justice"),
}
CONTACT_LABELS = {
    ("phone", 1): N_("Phone"),
    ("phone", 2): N_("Second phone"),
    ("messaging", 1): N_("Messaging (WhatsApp…)"),
    ("email", 1): N_("E-mail"),
    ("address", 1): N_("Address"),
    ("trusted_person", 1): N_("First trusted person"),
    ("trusted_person", 2): N_("Second trusted person"),
}
AFTER_TODAY = N_("The contact cannot be dated after today.")
CONFIRMED_AFTER_TODAY = N_("The details cannot be confirmed after today.")
CHANGES_NOTHING = N_("The correction changes nothing: change the note, then save it.")
BAD_PHONE = N_("Enter a phone number: 8 to 15 digits, e.g. 0612 34 56 78 or +212 612 34 56 78.")
BAD_EMAIL = N_("Enter an e-mail address like name@example.ma.")
TRUSTED = N_("A trusted person needs a name and a phone number.")
CONTACT_ERRORS = {"phone_format": BAD_PHONE, "email_format": BAD_EMAIL}
CHOOSE_PARTIES = N_("Choose at least one person the contact was with.")
NOTE_FIELDS = ("kind", "with_whom", "contact_date", "sensitivity", "text")
CONTACT_FIELDS = tuple(f for f in ContactsIn.model_fields if f != "confirmed_date")


def labels() -> dict[str, Any]:
    return {"note_kind_labels": KIND_LABELS, "party_labels": PARTY_LABELS,
            "sensitivity_labels": SENSITIVITY_LABELS, "contact_labels": CONTACT_LABELS,
            "note_kinds": list(NoteKind), "note_parties": list(NoteParty),
            "sensitivities": list(Sensitivity)}  # fmt: skip


def case_youth(
    session: Session, request: Request, user: User, youth_id: int, action: str, *,
    write: bool = False,
) -> Youth:  # fmt: skip
    """A youth in the caller's scope (one whose notes they write, for a write: the people
    who refer), audited; the 404 of a missing one otherwise (audited too)."""
    if write:
        return sender_youth(session, request, user, youth_id, action)
    youth = session.get(Youth, youth_id)
    mine = youth is not None and youth_scope(session, user).sees(youth)
    audit(request, user, action=action, object_type="youth", object_id=youth_id,
          youth_id=youth_id if youth else None,
          outcome=AuditOutcome.allowed if mine else AuditOutcome.not_found)  # fmt: skip
    if youth is None or not mine:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def names_of(session: Session, ids: set[int | None]) -> dict[int, str]:
    people = {}
    for uid in ids:
        if uid is not None:
            other = user_service.get_user(session, uid)
            people[uid] = other.display_name or other.username
    return people


def contact_rows(session: Session, youth: Youth, today: date) -> list[dict[str, Any]]:
    """The current details, each with how many days ago it was last confirmed."""
    return [
        {"contact": c, "label": CONTACT_LABELS.get((c.kind.value, c.position), N_("Contact")),
         "confirmed": contact_service.confirmed_on(c),
         "days": (today - contact_service.confirmed_on(c)).days}
        for c in contact_service.current_contacts(session, youth_id=youth.pk)
    ]  # fmt: skip


def casework_context(
    session: Session, request: Request, user: User, youth: Youth, today: date
) -> dict[str, Any]:
    """What the youth file's notes and contacts sections show (`casework` in the template)."""
    notes: list[note_service.NoteView] = []
    total = 0
    if allowed("notes.list", user):
        notes, total = note_service.list_notes(
            session, youth_id=youth.pk, viewer=user, limit=NOTES_ON_FILE,
            on_sensitive_read=sensitive_reads(request, user),
        )  # fmt: skip
    writes = allowed("notes.write", user) and note_service.may_write(
        session, user=user, youth=youth
    )
    return {"casework": {
        "reads_notes": allowed("notes.list", user), "notes": notes, "note_total": total,
        "people": names_of(session, {n.note.author_id for n in notes}),
        "writes": writes, "form": blank_note(today), "errors": {},
        "reads_contacts": allowed("contacts.list", user),
        "contacts": contact_rows(session, youth, today) if allowed("contacts.list", user) else [],
        "manages_contacts": writes and allowed("contacts.manage", user),
    }, **labels()}  # fmt: skip


def blank_note(today: date) -> dict[str, Any]:
    return {"kind": "", "with_whom": [], "contact_date": today.isoformat(),
            "sensitivity": Sensitivity.none.value, "text": "", "reason": ""}  # fmt: skip


def note_form(form: PostedForm) -> dict[str, Any]:
    return {"kind": form.one("kind"), "with_whom": form.get("with_whom", []),
            "contact_date": form.one("contact_date"), "sensitivity": form.one("sensitivity"),
            "text": form.one("text"), "reason": form.one("reason")}  # fmt: skip


def note_errors(exc: ValidationError) -> dict[str, str]:
    errors = field_errors(exc)
    if "with_whom" in errors:
        errors["with_whom"] = CHOOSE_PARTIES
    return errors


# ---------------------------------------------------------------- notes


@router.get("/youths/{youth_id}/notes/new")
def new_note(
    youth_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("notes.write"))],
) -> Response:  # fmt: skip
    """The note form alone (the file holds it too)."""
    youth = case_youth(session, request, user, youth_id, "notes.write", write=True)
    form = blank_note(today_of(session, youth.institution_id))
    return render(request, "pages/youths/note_new.html",
                  {"youth": youth, "form": form, "errors": {}, **labels()},
                  session=session)  # fmt: skip


@router.post("/youths/{youth_id}/notes")
def write_note(
    youth_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("notes.write"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:  # fmt: skip
    """Write a note; back to the file."""
    youth = case_youth(session, request, user, youth_id, "notes.write", write=True)
    today = today_of(session, youth.institution_id)
    typed = note_form(form)
    errors: dict[str, str] = {}
    try:
        data = NoteIn.model_validate({k: typed[k] for k in NOTE_FIELDS})
    except ValidationError as exc:
        errors = note_errors(exc)
    else:
        note, error = attempt(session, lambda: note_service.write_note(
            session, youth=youth, data=data, actor=user, today=today))  # fmt: skip
        if note is not None:
            audit(request, user, action="notes.write", object_type="case_note",
                  object_id=note.id, youth_id=youth.id)  # fmt: skip
            return RedirectResponse(f"/youths/{youth.id}?done=note#notes", status_code=303)
        if not isinstance(error, ImplausibleDates):
            assert error is not None
            raise error
        errors["contact_date"] = AFTER_TODAY
    return render(request, "pages/youths/note_new.html",
                  {"youth": youth, "form": typed, "errors": errors, **labels()},
                  session=session, status=422)  # fmt: skip


def show_note(
    request: Request, session: Session, user: User, youth: Youth, note_id: int, *,
    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, done: str = "",
    status: int = 200,
) -> Response:  # fmt: skip
    view, versions = note_service.note_history(
        session, youth_id=youth.pk, note_id=note_id, viewer=user,
        on_sensitive_read=sensitive_reads(request, user),
    )  # fmt: skip
    writes = allowed("notes.write", user) and note_service.may_write(
        session, user=user, youth=youth
    )
    if form is None:
        current = view.current
        form = {"kind": current.kind.value, "with_whom": current.with_whom or [],
                "contact_date": current.contact_date.isoformat(),
                "sensitivity": current.sensitivity.value, "text": current.text or "",
                "reason": ""}  # fmt: skip
    people = names_of(session, {view.note.author_id, *(v.written_by_id for v in versions)})
    return render(
        request, "pages/youths/note.html",
        {"youth": youth, "view": view, "versions": versions, "people": people,
         "writes": writes, "form": form, "errors": errors or {}, "done": done, **labels()},
        session=session, status=status,
    )  # fmt: skip


@router.get("/youths/{youth_id}/notes/{note_id}")
def read_note(
    youth_id: RecordId, note_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("notes.read"))],
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    """A note, every version of it, and the correction form."""
    youth = case_youth(session, request, user, youth_id, "notes.read")
    return show_note(request, session, user, youth, note_id, done=done)


@router.post("/youths/{youth_id}/notes/{note_id}/versions")
def correct_note(
    youth_id: RecordId, note_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("notes.write"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:  # fmt: skip
    """Correct a note: a new version with the reason; back to the note."""
    youth = case_youth(session, request, user, youth_id, "notes.correct", write=True)
    today = today_of(session, youth.institution_id)
    typed = note_form(form)
    errors: dict[str, str] = {}
    try:
        data = NoteCorrectionIn.model_validate({k: typed[k] for k in (*NOTE_FIELDS, "reason")})
    except ValidationError as exc:
        errors = note_errors(exc)
    else:
        note, error = attempt(session, lambda: note_service.correct_note(
            session, youth=youth, note_id=note_id, data=data, actor=user, today=today))  # fmt: skip
        if note is not None:
            audit(request, user, action="notes.correct", object_type="case_note",
                  object_id=note.id, youth_id=youth.id)  # fmt: skip
            return RedirectResponse(f"/youths/{youth.id}/notes/{note_id}?done=corrected",
                                    status_code=303)  # fmt: skip
        if isinstance(error, ImplausibleDates):
            errors["contact_date"] = AFTER_TODAY
        elif isinstance(error, InvalidInput):
            errors["form"] = CHANGES_NOTHING
        else:
            assert error is not None
            raise error
    return show_note(request, session, user, youth, note_id, form=typed, errors=errors,
                     status=422)  # fmt: skip


# ---------------------------------------------------------------- contact details


def contacts_form(session: Session, youth: Youth, today: date) -> dict[str, str]:
    """The form filled with the current details."""
    form = {f: "" for f in CONTACT_FIELDS}
    for c in contact_service.current_contacts(session, youth_id=youth.pk):
        slot = next(
            s for s in contact_service.SLOTS if (s.kind, s.position) == (c.kind, c.position)
        )
        form[slot.value_field()] = c.value
        if slot.trusted:
            form[f"{slot.field}_name"] = c.name or ""
            form[f"{slot.field}_relation"] = c.relation or ""
    form["confirmed_date"] = today.isoformat()
    return form


def trusted_errors(typed: dict[str, str]) -> dict[str, str]:
    """A trusted person needs both a name and a phone (the form sends every field)."""
    errors = {}
    for n in (1, 2):
        name, relation, phone = (typed.get(f"trusted_{n}_{f}", "").strip()
                                 for f in ("name", "relation", "phone"))  # fmt: skip
        if phone and not name:
            errors[f"trusted_{n}_name"] = TRUSTED
        elif (name or relation) and not phone:
            errors[f"trusted_{n}_phone"] = TRUSTED
    return errors


def show_contacts(
    request: Request, session: Session, user: User, youth: Youth, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    today = today_of(session, youth.institution_id)
    history = [c for c in contact_service.contact_history(session, youth_id=youth.pk)
               if not c.is_current]  # fmt: skip
    manages = allowed("contacts.manage", user) and note_service.may_write(
        session, user=user, youth=youth
    )
    return render(
        request, "pages/youths/contacts.html",
        {"youth": youth, "contact_rows": contact_rows(session, youth, today), "history": history,
         "people": names_of(session, {c.recorded_by_id for c in history}),
         "manages": manages, "form": form or contacts_form(session, youth, today),
         "errors": errors or {}, "slots": contact_service.SLOTS, **labels()},
        session=session, status=status,
    )  # fmt: skip


@router.get("/youths/{youth_id}/contacts")
def contacts_page(
    youth_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("contacts.list"))],
) -> Response:  # fmt: skip
    """The youth's contact details, the form to update them, and the replaced ones."""
    youth = case_youth(session, request, user, youth_id, "contacts.list")
    return show_contacts(request, session, user, youth)


@router.post("/youths/{youth_id}/contacts")
def update_contacts(
    youth_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("contacts.manage"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:  # fmt: skip
    """Update the details (a changed one replaces the old, kept in the history; the same
    one confirms it); back to the file."""
    youth = case_youth(session, request, user, youth_id, "contacts.manage", write=True)
    today = today_of(session, youth.institution_id)
    typed = {f: form.one(f) for f in (*CONTACT_FIELDS, "confirmed_date")}
    errors = trusted_errors(typed)
    try:
        data = ContactsIn.model_validate(
            {**typed, "confirmed_date": typed["confirmed_date"] or None}
        )
    except ValidationError as exc:
        for name, text in field_errors(exc).items():
            errors.setdefault(name, text)
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else ""
            if e["type"] in CONTACT_ERRORS:
                errors[name] = CONTACT_ERRORS[e["type"]]
        if not errors.get("form") or len(errors) > 1:
            errors.pop("form", None)
    else:
        if errors:
            return show_contacts(request, session, user, youth, form=typed, errors=errors,
                                 status=422)  # fmt: skip
        changed, error = attempt(session, lambda: contact_service.update_contacts(
            session, youth=youth, data=data, actor=user, today=today))  # fmt: skip
        if changed is not None:
            audit(request, user, action="contacts.manage", object_type="youth",
                  object_id=youth.id, youth_id=youth.id)  # fmt: skip
            return RedirectResponse(f"/youths/{youth.id}?done=contacts#contacts",
                                    status_code=303)  # fmt: skip
        if isinstance(error, ImplausibleDates):
            errors["confirmed_date"] = CONFIRMED_AFTER_TODAY
        elif isinstance(error, InvalidInput):
            errors[str(error).split(":")[0]] = TRUSTED
        else:
            assert error is not None
            raise error
    return show_contacts(request, session, user, youth, form=typed, errors=errors, status=422)
