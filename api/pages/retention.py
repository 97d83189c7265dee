"""Privacy pages: a youth's retention, legal hold and requests; the admins' pending requests.

`/youths/{id}/privacy` (supervisors read, coordinators act): the closure date, the day
each record class falls due, the hold in force (place or lift it, with a reason) and the
objection or deletion requests (record one). `/admin/privacy-requests`: the requests
waiting for an admin, approved (the purge runs at once, through the retention's code) or
rejected with a note. A refused form comes back (422, or 409 for a rule) with nothing
changed (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from api.deps import SessionDep
from api.pages.admin_forms import FormErrors, attempt
from api.pages.common import N_, page_guard, page_router, render
from api.pages.referral_forms import PostedForm, posted
from api.pages.youth_file import file_youth
from api.policy import allowed
from mowakaba.enums import PrivacyRequestKind, RecordClass
from mowakaba.errors import MowakabaError, NotFound
from mowakaba.models import LegalHold, PrivacyRequest, RetentionPurge, User, Youth
from mowakaba.services.documents import storage
from mowakaba.services.privacy import holds, retention
from mowakaba.services.privacy import requests as request_service
from mowakaba.services.privacy.purge import YOUTH_CLASSES

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]

CLASS_LABELS = {
    RecordClass.case_file: N_("Case file (identity pseudonymised)"),
    RecordClass.sensitive_notes: N_("Sensitive notes (health, family, justice)"),
    RecordClass.documents: N_("Documents (uploaded files)"),
    RecordClass.audit_trail: N_("Audit trail"),
    RecordClass.notifications: N_("Notifications"),
    RecordClass.run_history: N_("Flow run history (Prefect)"),
}
KIND_LABELS = {
    PrivacyRequestKind.objection: N_("Objection"),
    PrivacyRequestKind.deletion: N_("Deletion"),
}
STATUS_LABELS = {
    "pending": N_("Waiting for an administrator"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "done": N_("Approved and purged"),
}
DONE = {
    "held": N_("The legal hold was placed: nothing of this file will be purged."),
    "lifted": N_("The legal hold was lifted."),
    "requested": N_("The request was recorded; an administrator will decide it."),
}
CHOOSE_KIND = N_("Choose objection or deletion.")
CHOOSE_CLASSES = N_("Choose what the young person objects to.")


def _marks(session: Session, youth_id: int) -> dict[str, RetentionPurge]:
    rows = session.exec(select(RetentionPurge).where(RetentionPurge.youth_id == youth_id))
    return {row.record_class.value: row for row in rows}


def show(
    request: Request, session: Session, user: User, youth: Youth, *,
    errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
    failure: str = "", status: int = 200, done: str = "",
) -> Response:  # fmt: skip
    due = retention.due_dates(youth)
    marks = _marks(session, youth.pk)
    classes = [{"key": c.value, "label": CLASS_LABELS[c], "due": due.get(c),
                "purged": marks.get(c.value)} for c in YOUTH_CLASSES]  # fmt: skip
    return render(
        request, "pages/youths/privacy.html",
        {"youth": youth, "classes": classes, "hold": holds.active_hold(session, youth_id=youth.pk),
         "holds": holds.holds_of(session, youth_id=youth.pk),
         "requests": request_service.requests_of(session, youth_id=youth.pk),
         "class_labels": {c.value: label for c, label in CLASS_LABELS.items()},
         "kind_labels": {k.value: label for k, label in KIND_LABELS.items()},
         "status_labels": STATUS_LABELS, "youth_classes": classes,
         "may_hold": allowed("privacy.hold", user),
         "may_request": allowed("privacy.request", user),
         "errors": errors or {}, "form": form or {}, "failure": failure,
         "done": DONE.get(done, "")},
        session=session, status=status,
    )  # fmt: skip


@router.get("/youths/{youth_id}/privacy")
def privacy_page(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("privacy.view"))],
    done: str = "",
) -> Response:
    """A youth's retention, hold and requests."""
    youth = file_youth(session, request, user, youth_id)
    return show(request, session, user, youth, done=done[:20])


def _back(youth_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/youths/{youth_id}/privacy?done={done}#done", status_code=303)


def _refused(
    request: Request, session: Session, user: User, youth: Youth, exc: MowakabaError,
    form: dict[str, Any] | None = None,
) -> Response:  # fmt: skip
    status = 409 if exc.code in ("conflict", "on_legal_hold", "not_yet_closed") else 422
    if isinstance(exc, NotFound):
        status = 409
    return show(request, session, user, youth, failure=exc.message, form=form, status=status)


@router.post("/youths/{youth_id}/privacy/hold")
def place_hold(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("privacy.hold"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Place a legal hold, with its reason."""
    return _hold_form(request, session, user, youth_id, form, "hold_reason", holds.place_hold,
                      "held")  # fmt: skip


@router.post("/youths/{youth_id}/privacy/hold/lift")
def lift_hold(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("privacy.hold"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Lift the hold in force, saying why."""
    return _hold_form(request, session, user, youth_id, form, "lift_reason", holds.lift_hold,
                      "lifted")  # fmt: skip


def _hold_form(
    request: Request, session: Session, user: User, youth_id: int, form: PostedForm,
    field: str, act: Callable[..., LegalHold], done: str,
) -> Response:  # fmt: skip
    """Place or lift a hold from its form (`field`: the reason's field on the page)."""
    youth = file_youth(session, request, user, youth_id)
    errors = FormErrors()
    reason = errors.text(field, form.one("reason"), multiline=True, max_length=1000)
    if errors:
        return show(request, session, user, youth, errors=errors, status=422,
                    form={field: reason})  # fmt: skip
    _, failed = attempt(session, lambda: act(session, youth=youth, actor=user, reason=reason))
    if failed:
        return _refused(request, session, user, youth, failed)
    return _back(youth.pk, done)


@router.post("/youths/{youth_id}/privacy/requests")
def record_request(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("privacy.request"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Record an objection or a deletion request for an admin to decide."""
    youth = file_youth(session, request, user, youth_id)
    errors = FormErrors()
    kind = form.one("kind")
    classes = form.get("classes") or []
    reason = errors.text("reason", form.one("reason"), multiline=True, max_length=2000)
    if kind not in PrivacyRequestKind.__members__:
        errors["kind"] = CHOOSE_KIND
    if kind == PrivacyRequestKind.objection and not classes:
        errors["classes"] = CHOOSE_CLASSES
    typed = {"kind": kind, "classes": classes, "reason": reason}
    if errors:
        return show(request, session, user, youth, errors=errors, form=typed, status=422)
    _, failed = attempt(session, lambda: request_service.record_request(
        session, youth=youth, actor=user, kind=PrivacyRequestKind(kind), classes=classes,
        reason=reason))  # fmt: skip
    if failed:
        return _refused(request, session, user, youth, failed, typed)
    return _back(youth.pk, "requested")


def show_requests(
    request: Request, session: Session, *, failure: str = "", done: str = "",
    status: int = 200,
) -> Response:  # fmt: skip
    rows, total = request_service.page_pending(session, limit=200)
    codes = {r.youth_id: session.get(Youth, r.youth_id) for r in rows}
    return render(
        request, "pages/admin/privacy_requests.html",
        {"rows": rows, "total": total, "youths": codes, "failure": failure, "done": done,
         "class_labels": {c.value: label for c, label in CLASS_LABELS.items()},
         "kind_labels": {k.value: label for k, label in KIND_LABELS.items()}},
        session=session, status=status,
    )  # fmt: skip


@router.get("/admin/privacy-requests")
def privacy_requests(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("privacy.requests"))],
    done: str = "",
) -> Response:
    """The objection and deletion requests waiting for a decision, oldest first."""
    return show_requests(request, session, done=done[:20])


def _decide(session: Session, request_id: int) -> PrivacyRequest:
    row = session.get(PrivacyRequest, request_id)
    if row is None:
        raise NotFound(f"privacy request {request_id} not found")
    return row


@router.post("/admin/privacy-requests/{request_id}/approve")
def approve(
    request_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("privacy.decide"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Approve a request: what it covers is purged now (refused on a held file)."""
    _decide(session, request_id)
    errors = FormErrors()
    note = errors.text("note", form.one("note"), multiline=True, max_length=2000, required=False)
    if errors:
        return show_requests(request, session, failure=N_("The note is not valid."), status=422)
    result, failed = attempt(session, lambda: request_service.approve_request(
        session, request_id=request_id, actor=user, note=note))  # fmt: skip
    if failed:
        status = (
            409 if failed.code in ("on_legal_hold", "not_yet_closed", "nothing_to_decide") else 422
        )
        return show_requests(request, session, failure=failed.message, status=status)
    session.commit()  # the files of the purged documents go once the purge is committed
    for name in result.files if result else []:
        storage.discard(name)
    return RedirectResponse("/admin/privacy-requests?done=approved", status_code=303)


@router.post("/admin/privacy-requests/{request_id}/reject")
def reject(
    request_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("privacy.decide"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Reject a request, saying why; nothing is purged."""
    _decide(session, request_id)
    errors = FormErrors()
    note = errors.text("note", form.one("note"), multiline=True, max_length=2000)
    if errors:
        return show_requests(request, session, failure=N_("Say why the request is rejected."),
                             status=422)  # fmt: skip
    _, failed = attempt(session, lambda: request_service.reject_request(
        session, request_id=request_id, actor=user, note=note))  # fmt: skip
    if failed:
        return show_requests(request, session, failure=failed.message, status=409)
    return RedirectResponse("/admin/privacy-requests?done=rejected", status_code=303)
