"""The toolkit's printables of a youth's case, and the youth's agreement to their plan.

GET /youths/{id}/print/{document}?format=html|pdf&lang= prints the intake assessment, the
integration plan, the exit checklist or the follow-up record (mowakaba/documents.py), in
the youth's language unless `lang` asks for another; in scope only (404 otherwise), every
print audited. The sensitive fields print for the roles that read them (api/policy.py).
The youth file's plan panel shows the youth's goals and agreement, and records the
agreement after submission (policy route "plans.agreement", like the API's).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep, audit
from api.headers import CONTENT_SECURITY_POLICY
from api.pages.admin_forms import attempt
from api.pages.common import N_, page_guard, page_router, render
from api.pages.referral_forms import PostedForm, field_errors, posted, today_of
from api.policy import allowed, sees_sensitive, youth_scope
from mowakaba.case_labels import AGREEMENT_LABELS
from mowakaba.documents import render_document
from mowakaba.enums import AgreementMethod, AuditOutcome, Language, PrintedDocument
from mowakaba.errors import Conflict, DateInFuture, NotFound
from mowakaba.models import Plan, User, Youth
from mowakaba.schemas import AgreementIn
from mowakaba.services import printables as printable_service
from mowakaba.services import voice as voice_service

router = page_router()
YouthId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Version = Annotated[int, Path(ge=1, le=10_000)]
DOCUMENT_LABELS = {
    PrintedDocument.intake_assessment: N_("Intake assessment"),
    PrintedDocument.plan: N_("Individual integration plan"),
    PrintedDocument.exit_checklist: N_("Exit checklist"),
    PrintedDocument.follow_up: N_("Follow-up record"),
}
FIELDS = ("agreement_method", "agreement_date", "agreement_witness_name", "agreement_witness_role")
WITNESS_NEEDED = N_("Required when the agreement was confirmed in person.")
NOT_AFTER_TODAY = N_("Choose today or a date before it.")
ALREADY = N_("The agreement to this version is recorded already.")


def scoped(session: Session, request: Request, user: User, youth_id: int, action: str,
           object_type: str = "youth") -> Youth:  # fmt: skip
    """A youth in the caller's scope, audited; the 404 of a missing one (audited too)."""
    youth = session.get(Youth, youth_id)
    seen = youth is not None and youth_scope(session, user).sees(youth)
    audit(request, user, action=action, object_type=object_type, object_id=youth_id,
          youth_id=youth_id if youth else None,
          outcome=AuditOutcome.allowed if seen else AuditOutcome.not_found)  # fmt: skip
    if youth is None or not seen:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def print_context(session: Session, user: User, youth: Youth, plan: Plan | None) -> dict[str, Any]:
    """What the youth file's print panel needs: the documents there are, the plan's voice."""
    printables = [
        (document, DOCUMENT_LABELS[document])
        for document in printable_service.available_documents(session, youth_id=youth.pk)
    ] if allowed("youths.print", user) else []  # fmt: skip
    agrees = (
        plan is not None and plan.agreement_method is None
        and plan.status in voice_service.AGREEABLE and allowed("plans.agreement", user)
    )  # fmt: skip
    return {
        "printables": printables, "voice_plan": plan, "sees_sensitive": sees_sensitive(user),
        "agrees": agrees, "agreement_labels": AGREEMENT_LABELS,
        "agreement_methods": list(AgreementMethod),
        "agreement_form": blank_form(today_of(session, youth.institution_id)),
        "signed_copy": voice_service.signed_copy(session, plan=plan) if plan else None,
        "downloads_signed_copy": allowed("documents.download", user),
    }  # fmt: skip


@router.get("/youths/{youth_id}/print/{document}")
def print_document(
    youth_id: YouthId,
    document: PrintedDocument,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("youths.print"))],
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
    lang: Annotated[Language | None, Query()] = None,
) -> Response:
    """A document of the case to print (its own inline style, allowed by its hash) or as PDF."""
    scoped(session, request, user, youth_id, "youths.print", object_type=document.value)
    printed = render_document(session, youth_id=youth_id, document=document, language=lang,
                              sensitive=sees_sensitive(user))  # fmt: skip
    headers = {"Cache-Control": "no-store", "Content-Language": printed.language.value}
    if format == "pdf":
        disposition = f'attachment; filename="{printed.filename}"'
        return Response(
            printed.pdf,
            media_type="application/pdf",
            headers={**headers, "Content-Disposition": disposition},
        )
    policy = f"{CONTENT_SECURITY_POLICY}; style-src {printed.style_hash}"
    return HTMLResponse(printed.html, headers={**headers, "Content-Security-Policy": policy})


def blank_form(today: date) -> dict[str, str]:
    return {"agreement_method": "", "agreement_date": today.isoformat(),
            "agreement_witness_name": "", "agreement_witness_role": ""}  # fmt: skip


def agreement_errors(exc: ValidationError, typed: dict[str, str]) -> dict[str, str]:
    """The form's errors by field; the rule on the whole agreement next to its fields."""
    errors = field_errors(exc)
    if errors.pop("form", None) is None:
        return errors
    for error in exc.errors():
        message = str((error.get("ctx") or {}).get("error", error["msg"]))
        if message.startswith("agreement_witness_name"):
            for name in FIELDS[2:]:
                if not typed[name].strip():
                    errors.setdefault(name, WITNESS_NEEDED)
        elif message.startswith("agreement_date"):
            errors.setdefault("agreement_date", N_("Give the date the young person agreed."))
    return errors or {"agreement_method": N_("This value is not valid.")}


def show_form(
    request: Request, session: Session, youth: Youth, version: int, form: dict[str, str],
    errors: dict[str, str], status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, "pages/youths/agreement.html",
        {"youth": youth, "version": version, "agreement_form": form, "errors": errors,
         "agreement_methods": list(AgreementMethod), "agreement_labels": AGREEMENT_LABELS},
        session=session, status=status,
    )  # fmt: skip


@router.get("/youths/{youth_id}/plans/{version}/agreement")
def agreement_form(
    youth_id: YouthId,
    version: Version,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("plans.agreement"))],
) -> Response:
    """The agreement form alone (the youth file holds it too)."""
    youth = scoped(session, request, user, youth_id, "plans.agreement")
    form = blank_form(today_of(session, youth.institution_id))
    return show_form(request, session, youth, version, form, {})


@router.post("/youths/{youth_id}/plans/{version}/agreement")
def record_agreement(
    youth_id: YouthId,
    version: Version,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("plans.agreement"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Record the youth's agreement to a plan version; back to the file's plan."""
    youth = scoped(session, request, user, youth_id, "plans.agreement")
    typed = {name: form.one(name) for name in FIELDS}
    values = {name: value for name, value in typed.items() if value.strip()}
    try:
        data = AgreementIn.model_validate(values)
    except ValidationError as exc:
        return show_form(request, session, youth, version, typed,
                         agreement_errors(exc, typed), status=422)  # fmt: skip
    plan, error = attempt(session, lambda: voice_service.record_agreement(
        session, youth_id=youth.pk, version=version, actor=user, data=data))  # fmt: skip
    if plan is not None:
        return RedirectResponse(f"/youths/{youth.id}?done=agreement#voice", status_code=303)
    if isinstance(error, DateInFuture):
        errors = {"agreement_date": NOT_AFTER_TODAY}
    elif isinstance(error, Conflict):
        errors = {"agreement_method": ALREADY}
    else:
        assert error is not None
        raise error
    return show_form(request, session, youth, version, typed, errors, status=422)
