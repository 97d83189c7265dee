"""What the privacy pages and API routes share: a youth's subject-access export (PDF and
JSON archive, audited with format and counts) and the access log (the youth, the filters,
the rows in words, its CSV/XLSX export).

Who: the export is the coordinators' (api/policy.py "youths.subject_access": the case's
sensitive readers who answer for the institution; admins hold no case data). The log is
read by the youth's coordinators, the supervisors of its region (they already read its
audit rows, "audit_events.list", and oversee the staff who looked) and admins (who see
cases only through the audit trail). Mediators and partners are refused.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from api.casefile import sensitive_reads
from api.deps import audit
from api.export_tables import local_time, table
from api.exporting import MAX_ROWS, ExportFormat, Words, check_total, export_response
from api.policy import youth_scope
from mowakaba.access_labels import ACTION_LABELS, OUTCOME_LABELS
from mowakaba.access_report import render_subject_access
from mowakaba.clock import local_midnight, now
from mowakaba.enums import AuditOutcome, Role
from mowakaba.errors import InvalidInput, NotFound
from mowakaba.export import Table
from mowakaba.labels import N_
from mowakaba.list_labels import ROLE_LABELS
from mowakaba.models import Institution, User, Youth
from mowakaba.services import access_log as log_service
from mowakaba.services import subject_access as access_service
from mowakaba.services.access_log import AccessEntry

LOG_ACTION = "youths.access_log"
PAGE_ACTION = "youths.subject_access"
EXPORT_ACTION = "youths.subject_access_export"
OUTCOME_FILTERS = ("all", "allowed", "refused")
OBJECT_LABELS = {
    "youth": N_("the file"),
    "case_note": N_("a case note"),
    "document": N_("a document"),
    "referral": N_("a referral"),
    "consent": N_("a consent"),
    "work_item": N_("a work item"),
    "incident": N_("an incident"),
    "transfer": N_("a transfer"),
    "notification": N_("a notification"),
    "escalation": N_("an escalation"),
}


def logged_youth(session: Session, request: Request, user: User, youth_id: int) -> Youth:
    """The youth whose access log the caller may read (admins: any), the read audited;
    else the 404 of a missing one (audited too)."""
    youth = session.get(Youth, youth_id)
    seen = youth is not None and (user.role == Role.admin or youth_scope(session, user).sees(youth))
    audit(request, user, action=LOG_ACTION, object_type="youth", object_id=youth_id,
          youth_id=youth_id if youth else None,
          outcome=AuditOutcome.allowed if seen else AuditOutcome.not_found)  # fmt: skip
    if youth is None or not seen:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def exported_youth(session: Session, request: Request, user: User, youth_id: int) -> Youth:
    """The youth whose file a coordinator exports (in scope); else the 404 of a missing one,
    audited. The export's own audit row (with its counts) is the download's."""
    youth = session.get(Youth, youth_id)
    if youth is None or not youth_scope(session, user).sees(youth):
        audit(request, user, action=EXPORT_ACTION, object_type="youth", object_id=youth_id,
              youth_id=youth_id if youth else None, outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"youth {youth_id} not found")
    return youth


def time_zone_of(session: Session, youth: Youth) -> str:
    institution = session.get(Institution, youth.institution_id)
    return institution.time_zone if institution else "Africa/Casablanca"


def period(
    session: Session, youth: Youth, since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    """Local days [since, until] of the youth's institution as instants [start, end)."""
    if since and until and until < since:
        raise InvalidInput("until: the period ends before it starts")
    zone = time_zone_of(session, youth)
    start = local_midnight(since, zone) if since else None
    end = local_midnight(until + timedelta(days=1), zone) if until else None
    return start, end


def refused_filter(outcome: str) -> bool | None:
    return {"allowed": False, "refused": True}.get(outcome)


def action_words(action: str, words: Words) -> str:
    return words(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def object_words(entry: AccessEntry, words: Words) -> str:
    event = entry.event
    label = OBJECT_LABELS.get(event.object_type)
    what = words(label) if label else event.object_type
    if event.object_type != "youth" and event.object_id:
        return f"{what} #{event.object_id}"
    return what


def role_words(role: str | None, words: Words) -> str:
    try:
        return words(ROLE_LABELS[Role(role)]) if role else ""
    except ValueError:
        return role or ""


def outcome_words(outcome: AuditOutcome, words: Words) -> str:
    return words(OUTCOME_LABELS[outcome.value])


def log_rows(entries: list[AccessEntry], words: Words) -> list[dict[str, Any]]:
    """The log's rows in the reader's words (the page's and the API's)."""
    return [
        {"id": e.event.id, "at": e.event.occurred_at, "who": e.who,
         "actor_id": e.event.actor_id, "role": role_words(e.event.role, words),
         "action": e.event.action, "action_words": action_words(e.event.action, words),
         "object_type": e.event.object_type, "object_id": e.event.object_id,
         "object_words": object_words(e, words), "outcome": e.event.outcome.value,
         "outcome_words": outcome_words(e.event.outcome, words)}
        for e in entries
    ]  # fmt: skip


def log_table(entries: list[AccessEntry], words: Words) -> Table:
    """The access log as an exported table: the page's columns, local times."""
    headers = (N_("When"), N_("Who"), N_("Role"), N_("What"), N_("On"), N_("Outcome"))
    body = [
        [local_time(r["at"]), r["who"], r["role"], r["action_words"], r["object_words"],
         r["outcome_words"]]
        for r in log_rows(entries, words)
    ]  # fmt: skip
    return table(words, N_("Who looked at the file"), headers, body)


def log_page_or_file(
    session: Session, request: Request, user: User, youth: Youth, *,
    days: tuple[date | None, date | None], outcome: str, page: int, page_size: int,
    fmt: ExportFormat | None,
) -> tuple[list[AccessEntry], int] | Response:  # fmt: skip
    """A page of the youth's access log and its total; with `fmt`, every matching row as a
    CSV or XLSX file (in the user's language, audited as an export of the youth)."""
    start, end = period(session, youth, *days)
    limit, offset = (MAX_ROWS, 0) if fmt else (page_size, (page - 1) * page_size)
    entries, total = log_service.page_access_log(
        session, youth_id=youth.pk, start=start, end=end, refused=refused_filter(outcome),
        limit=limit, offset=offset,
    )  # fmt: skip
    if fmt is None:
        return entries, total
    check_total(total)
    return export_response(request, user, log_table(entries, Words.of(user)), name=LOG_ACTION,
                           fmt=fmt, day=now().date(), youth_ids=[youth.id])  # fmt: skip


def subject_access_download(
    session: Session, request: Request, user: User, youth: Youth, fmt: str
) -> Response:
    """The youth's whole file as a PDF in their language (`pdf`) or a zip archive (`zip`),
    audited: the format and how many records of each class, never what they say."""
    access = access_service.gather_subject_access(
        session, youth_id=youth.pk, reader=user, on_sensitive_read=sensitive_reads(request, user)
    )
    if fmt == "pdf":
        institution = session.get(Institution, youth.institution_id)
        printed = render_subject_access(
            access, institution_name=institution.name if institution else "",
            region=institution.region if institution else "",
            time_zone=time_zone_of(session, youth),
        )  # fmt: skip
        data, media_type, filename = printed.pdf, "application/pdf", printed.filename
    else:
        data, media_type = access_service.archive(access), "application/zip"
        filename = f"subject-access-{youth.code}.zip"
    audit(request, user, action=EXPORT_ACTION, object_type="youth", object_id=youth.id,
          youth_id=youth.id, detail={"format": fmt, "counts": access.counts(),
                                     "files": len(access.files)})  # fmt: skip
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''"
            + quote(filename),
            "Cache-Control": "no-store, private",
            "X-Content-Type-Options": "nosniff",
        },
    )
