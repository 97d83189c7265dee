"""Consents on the youth's file: recorded, withdrawn (policy route "consents.manage").

The form sits on the youth file (and on a page of its own, which the referral form links
to when no consent covers a partner): a partner or an axis, the data covered, who gave
it and when. A wrong form comes back alone (422) with each error next to its field and
nothing changed. Withdrawing ends the partners' access at once.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep
from api.pages.admin_forms import attempt
from api.pages.common import N_, local_path, page_guard, page_router, render
from api.pages.referral_forms import PostedForm, field_errors, posted, sender_youth, today_of
from api.pages.referral_labels import CONSENT_DATA_LABELS, GIVER_LABELS
from api.pages.youth_labels import AXIS_LABELS
from mowakaba.enums import Axis, ConsentData, ConsentGiver
from mowakaba.errors import AlreadyClosed, ImplausibleDates, InvalidInput, NotFound
from mowakaba.models import Consent, Partner, User, Youth
from mowakaba.schemas import ConsentIn
from mowakaba.services import consents as consent_service
from mowakaba.services import partners as partner_service

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AFTER_TODAY = N_("The consent cannot be dated after today.")
WHO_CONSENTS = N_("Before 18 the guardian consents; from 18, the young person does.")
UNKNOWN_PARTNER = N_("Choose a partner of the list.")
CHOOSE_COVERS = N_("Choose a partner or an axis.")


def consent_state(consent: Consent, youth: Youth, today: date) -> str:
    """valid, lapsed (a guardian's, at 18: the youth is asked again) or withdrawn."""
    if consent.withdrawn_at is not None:
        return "withdrawn"
    return "valid" if consent_service.is_valid(consent, youth, today) else "lapsed"


def consent_rows(session: Session, youth: Youth, today: date) -> list[dict[str, Any]]:
    """A youth's consents as the file lists them, newest first."""
    rows = []
    for consent in consent_service.list_consents(session, youth_id=youth.pk):
        partner = session.get(Partner, consent.partner_id) if consent.partner_id else None
        rows.append({"consent": consent, "partner": partner,
                     "state": consent_state(consent, youth, today),
                     "lapses": consent_service.lapses_on(consent, youth)})  # fmt: skip
    return rows


def consent_form_context(session: Session, form: dict[str, Any]) -> dict[str, Any]:
    """What the consent form needs: the partners and axes it may name, the labels."""
    partners, _ = partner_service.page_partners(session, active_only=True, limit=1000)
    return {
        "consent_form": form, "consent_partners": partners, "axes": list(Axis),
        "consent_data": list(ConsentData), "givers": list(ConsentGiver),
        "axis_labels": AXIS_LABELS, "consent_data_labels": CONSENT_DATA_LABELS,
        "giver_labels": GIVER_LABELS,
    }  # fmt: skip


def blank_form(today: date, covers: str = "") -> dict[str, Any]:
    return {"covers": covers, "data": [], "given_by": "", "given_by_name": "",
            "given_date": today.isoformat()}  # fmt: skip


def show_form(
    request: Request, session: Session, youth: Youth, form: dict[str, Any], *,
    errors: dict[str, str] | None = None, back: str = "", status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, "pages/referrals/consent.html",
        {"youth": youth, "errors": errors or {}, "back": back,
         **consent_form_context(session, form)},
        session=session, status=status,
    )  # fmt: skip


@router.get("/youths/{youth_id}/consents/new")
def new_consent(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("consents.manage"))],
    partner_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    axis: Annotated[Axis | None, Query()] = None,
    back: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """The consent form alone (the referral form links here for the partner it lacks)."""
    youth = sender_youth(session, request, user, youth_id, "consents.manage")
    covers = f"p:{partner_id}" if partner_id else (f"a:{axis.value}" if axis else "")
    form = blank_form(today_of(session, youth.institution_id), covers)
    return show_form(request, session, youth, form, back=local_path(back, ""))


def read_covers(covers: str) -> dict[str, Any]:
    """The form's one choice of partner ("p:<id>") or axis ("a:<axis>")."""
    kind, _, value = covers.partition(":")
    if kind == "p" and value.isdigit():
        return {"partner_id": value}
    if kind == "a" and value:
        return {"axis": value}
    return {}


@router.post("/youths/{youth_id}/consents")
def record_consent(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("consents.manage"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Record a consent; back to the file (or the referral form that asked for it)."""
    youth = sender_youth(session, request, user, youth_id, "consents.manage")
    today = today_of(session, youth.institution_id)
    typed = {"covers": form.one("covers"), "data": form.get("data", []),
             "given_by": form.one("given_by"), "given_by_name": form.one("given_by_name"),
             "given_date": form.one("given_date")}  # fmt: skip
    back = local_path(form.one("back"), "")
    errors: dict[str, str] = {}
    try:
        data = ConsentIn.model_validate(
            {**read_covers(typed["covers"]), "data": typed["data"], "given_by": typed["given_by"],
             "given_by_name": typed["given_by_name"], "given_date": typed["given_date"]}
        )  # fmt: skip
    except ValidationError as exc:
        errors = field_errors(exc)
        for name in ("partner_id", "axis"):
            if name in errors:
                errors.setdefault("covers", errors.pop(name))
        if not read_covers(typed["covers"]):
            errors.setdefault("covers", CHOOSE_COVERS)
    else:
        consent, error = attempt(session, lambda: consent_service.give_consent(
            session, youth=youth, data=data, actor=user, today=today))  # fmt: skip
        if consent is not None:
            target = back or f"/youths/{youth.id}?done=consent#consents"
            return RedirectResponse(target, status_code=303)
        if isinstance(error, ImplausibleDates):
            errors["given_date"] = AFTER_TODAY
        elif isinstance(error, InvalidInput):
            errors["given_by"] = WHO_CONSENTS
        elif isinstance(error, NotFound):
            errors["covers"] = UNKNOWN_PARTNER
        else:
            assert error is not None
            raise error
    return show_form(request, session, youth, typed, errors=errors, back=back, status=422)


@router.post("/youths/{youth_id}/consents/{consent_id}/withdraw")
def withdraw(
    youth_id: RecordId,
    consent_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("consents.manage"))],
) -> Response:
    """Withdraw a consent: the partners it covered lose access to the referrals at once."""
    youth = sender_youth(session, request, user, youth_id, "consents.manage")
    today = today_of(session, youth.institution_id)
    with suppress(AlreadyClosed):  # a second click: withdrawn all the same
        consent_service.withdraw_consent(
            session, youth=youth, consent_id=consent_id, actor=user, today=today
        )
    return RedirectResponse(f"/youths/{youth.id}?done=withdrawn#consents", status_code=303)
