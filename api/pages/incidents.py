"""Urgent incidents on the pages: recorded from the youth file, handled from the incidents
list (coordinators, supervisors), the runaway decision through its work item's form; and
the youth's agreement to SMS reminders, on the file.

Recording escalates at once (services/incidents.py). A wrong form comes back alone (422)
with each error next to its field and nothing changed.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, select

from api.deps import SessionDep, audit, audit_shown
from api.export_tables import incidents_export
from api.exporting import MAX_ROWS, FormatQuery, check_total
from api.pages.admin_forms import attempt
from api.pages.common import N_, page_guard, page_router, render
from api.pages.referral_forms import PostedForm, field_errors, posted, today_of
from api.policy import allowed, youth_scope
from mowakaba import labels
from mowakaba.enums import AuditOutcome, IncidentKind, Language, Role
from mowakaba.errors import AlreadyClosed, ImplausibleDates, MowakabaError, NotFound
from mowakaba.incident_schemas import IncidentReport, SmsAgreement
from mowakaba.list_labels import INCIDENT_STATUS_LABELS
from mowakaba.models import Incident, Institution, User, Youth
from mowakaba.services import incidents as incident_service
from mowakaba.services import sms as sms_service

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE_SIZE = 50
INCIDENT_LABELS = labels.INCIDENT_KINDS
STATUS_LABELS = INCIDENT_STATUS_LABELS
LANGUAGE_LABELS = {Language.ar: N_("Arabic"), Language.fr: N_("French"),
                   Language.en: N_("English")}  # fmt: skip
NOT_LATER = N_("The incident cannot be dated after now.")
BAD_WHEN = N_("Give the day and the hour it happened.")
BAD_RETURN = N_("The day of return lies between the runaway and today.")
NOT_AGREED_LATER = N_("The agreement cannot be dated after today.")
# Who reads an incident's description: the people who act on it (not supervisors).
READS_DESCRIPTION = frozenset({Role.coordinator, Role.mediator})


def scoped_youth(session: Session, request: Request, user: User, youth_id: int,
                 action: str) -> Youth:  # fmt: skip
    """A youth in the caller's scope (audited), else the 404 of a missing one (audited)."""
    youth = session.get(Youth, youth_id)
    seen = youth is not None and youth_scope(session, user).sees(youth)
    audit(request, user, action=action, object_type="youth", object_id=youth_id,
          youth_id=youth_id if youth else None,
          outcome=AuditOutcome.allowed if seen else AuditOutcome.not_found)  # fmt: skip
    if youth is None or not seen:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def scoped_incident(session: Session, request: Request, user: User, incident_id: int,
                    action: str) -> Incident:  # fmt: skip
    """An incident whose youth is in the caller's scope (audited), else 404 (audited)."""
    incident = session.get(Incident, incident_id)
    youth = session.get(Youth, incident.youth_id) if incident else None
    seen = incident is not None and youth is not None and youth_scope(session, user).sees(youth)
    audit(request, user, action=action, object_type="incident", object_id=incident_id,
          youth_id=youth.id if youth else None,
          outcome=AuditOutcome.allowed if seen else AuditOutcome.not_found)  # fmt: skip
    if incident is None or not seen:
        raise NotFound(f"incident {incident_id} not found")
    return incident


def incident_rows(session: Session, incidents: list[Incident]) -> list[dict[str, Any]]:
    """Incidents as the pages list them: each with its youth and its pending decision."""
    return [
        {"incident": i, "youth": session.get(Youth, i.youth_id),
         "decision": incident_service.decision_item(session, i)}
        for i in incidents
    ]  # fmt: skip


def labels_context(user: User) -> dict[str, Any]:
    return {
        "incident_labels": INCIDENT_LABELS, "incident_status_labels": STATUS_LABELS,
        "incident_kinds": list(IncidentKind), "sms_language_labels": LANGUAGE_LABELS,
        "reads_description": user.role in READS_DESCRIPTION,
        "may_acknowledge": allowed("incidents.acknowledge", user),
        "may_return": allowed("incidents.returned", user),
        "may_close": allowed("incidents.close", user),
        "may_decide": allowed("incidents.runaway_decision", user),
    }  # fmt: skip


def blank_form(today: date) -> dict[str, str]:
    return {"kind": "", "occurred_date": today.isoformat(), "occurred_time": "",
            "description": ""}  # fmt: skip


def file_context(session: Session, user: User, youth: Youth, today: date) -> dict[str, Any]:
    """What the youth file's incidents panel needs (templates/pages/youths/_incidents.html)."""
    rows, _ = incident_service.page_incidents(session, youth_id=youth.pk, limit=100)
    return {
        "incidents": incident_rows(session, rows), "incident_form": blank_form(today),
        "incident_errors": {}, "records_incidents": allowed("incidents.create", user),
        "sets_sms": allowed("youths.sms_agreement", user),
        "sms_phone": sms_service.current_phone(session, youth.pk) is not None,
        **labels_context(user),
    }  # fmt: skip


def occurred_at(form: PostedForm, institution: Institution) -> datetime | None:
    """The form's local day and hour, as a UTC instant (None: unreadable)."""
    try:
        day = date.fromisoformat(form.one("occurred_date"))
        hour = time.fromisoformat(form.one("occurred_time") or "00:00")
    except ValueError:
        return None
    return datetime.combine(day, hour, tzinfo=ZoneInfo(institution.time_zone))


@router.post("/youths/{youth_id}/incidents")
def record_incident(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("incidents.create"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Record an incident: it reaches the coordinators (and for a serious one the
    supervisors) at once; back to the file."""
    youth = scoped_youth(session, request, user, youth_id, "incidents.create")
    typed = {name: form.one(name) for name in blank_form(date.today())}
    institution = session.get(Institution, youth.institution_id)
    assert institution is not None
    when = occurred_at(form, institution)
    errors: dict[str, str] = {} if when is not None else {"occurred_date": BAD_WHEN}
    report = None
    try:
        report = IncidentReport.model_validate(
            {"kind": typed["kind"], "description": typed["description"],
             "occurred_at": when or datetime.now()}
        )  # fmt: skip
    except ValidationError as exc:
        errors |= {("occurred_date" if k == "occurred_at" else k): v
                   for k, v in field_errors(exc).items()}  # fmt: skip
    if report is not None and not errors:
        incident, error = attempt(session, lambda: incident_service.record_incident(
            session, youth_id=youth.pk, actor=user, report=report))  # fmt: skip
        if incident is not None:
            audit(request, user, action="incidents.create", object_type="incident",
                  object_id=incident.id, youth_id=youth.id)  # fmt: skip
            return RedirectResponse(f"/youths/{youth.id}?done=incident#incidents", 303)
        if not isinstance(error, ImplausibleDates):
            assert error is not None
            raise error
        errors["occurred_date"] = NOT_LATER
    return render(
        request, "pages/incidents/new.html",
        {"youth": youth, "incident_form": typed, "incident_errors": errors,
         **labels_context(user)},
        session=session, status=422,
    )  # fmt: skip


@router.post("/youths/{youth_id}/sms-agreement")
def set_sms_agreement(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("youths.sms_agreement"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Record the youth's agreement to SMS reminders (today, in the youth's language, which
    the form may change), or its end. An unknown language keeps the youth's."""
    youth = scoped_youth(session, request, user, youth_id, "youths.sms_agreement")
    agreed = form.one("agreed") == "true"
    try:
        agreement = SmsAgreement(agreed=agreed, language=form.one("language") or None)
    except ValidationError:
        agreement = SmsAgreement(agreed=agreed)
    incident_service.set_sms_agreement(session, youth_id=youth.pk, actor=user,
                                       agreement=agreement)  # fmt: skip
    return RedirectResponse(f"/youths/{youth.id}?done=sms#incidents", status_code=303)


@router.get("/incidents")
def incidents_page(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("incidents.list"))],
    show: Annotated[str, Query(pattern="^(open|all)$")] = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
    format: FormatQuery = None,
) -> Response:
    """The incidents of the youths in my scope, open ones first (or all), newest first;
    `format`: all of them as a file."""
    limit, offset = (MAX_ROWS, 0) if format else (PAGE_SIZE, (page - 1) * PAGE_SIZE)
    rows, total = incident_service.page_incidents(
        session, youth_query=youth_scope(session, user).filter(select(Youth)),
        open_only=show == "open", limit=limit, offset=offset,
    )  # fmt: skip
    if format:
        check_total(total)
        return incidents_export(session, request, user, rows, format,
                                descriptions=user.role in READS_DESCRIPTION)  # fmt: skip
    audit_shown(request, user, action="incidents.list", youth_ids=(i.youth_id for i in rows))
    return render(
        request, "pages/incidents/list.html",
        {"rows": incident_rows(session, rows), "total": total, "show": show, "page": page,
         "pages": max(1, -(-total // PAGE_SIZE)), "done": done,
         "today": date.today(), **labels_context(user)},
        session=session,
    )  # fmt: skip


def back_to(form: PostedForm, incident: Incident, done: str) -> RedirectResponse:
    """Back to the youth file or to the list, whichever the form came from."""
    if form.one("back") == "file":
        return RedirectResponse(f"/youths/{incident.youth_id}?done={done}#incidents", 303)
    return RedirectResponse(f"/incidents?done={done}", status_code=303)


@router.post("/incidents/{incident_id}/acknowledge")
def acknowledge(
    incident_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("incidents.acknowledge"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """A coordinator has the incident in hand (a second click changes nothing)."""
    incident = scoped_incident(session, request, user, incident_id, "incidents.acknowledge")
    with suppress(AlreadyClosed):
        incident_service.acknowledge_incident(session, incident_id=incident.pk, actor=user)
    return back_to(form, incident, "acknowledged")


@router.post("/incidents/{incident_id}/close")
def close(
    incident_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("incidents.close"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Close an incident; its open work ends with it."""
    incident = scoped_incident(session, request, user, incident_id, "incidents.close")
    with suppress(AlreadyClosed):
        incident_service.close_incident(session, incident_id=incident.pk, actor=user)
    return back_to(form, incident, "closed")


@router.post("/incidents/{incident_id}/returned")
def returned(
    incident_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("incidents.returned"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """A runaway is back on a day (today by default); a pending decision is cancelled."""
    incident = scoped_incident(session, request, user, incident_id, "incidents.returned")
    try:
        day = date.fromisoformat(form.one("returned_date") or today_of(
            session, incident.institution_id).isoformat())  # fmt: skip
    except ValueError:
        day = None
    error: MowakabaError | None = None
    if day is not None:
        _, error = attempt(session, lambda: incident_service.mark_returned(
            session, incident_id=incident.pk, actor=user, returned_date=day))  # fmt: skip
    if day is None or isinstance(error, ImplausibleDates):
        return render(request, "pages/incidents/returned.html",
                      {"incident": incident, "error": BAD_RETURN, "back": form.one("back"),
                       "typed": form.one("returned_date"), **labels_context(user)},
                      session=session, status=422)  # fmt: skip
    if error is not None and not isinstance(error, AlreadyClosed):
        raise error
    return back_to(form, incident, "returned")
