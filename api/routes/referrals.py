"""Referrals: the services a youth is eligible for, consents, and referrals from draft to
outcome.

The sender's side (the youth's mediator, the institution's coordinators; supervisors
read) sees referrals whole, with their history. A partner user sees only its
organisation's open referrals while the consent they were sent under holds, each as a
minimised copy of the youth (`referral_service.partner_view`): anything else answers 404,
exactly like a missing id. Every move goes through `api.referring.move_and_start`: saved,
then the `referral` run (notifications, linked work) is started; the answer says whether
it started or waits for the next sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from api.deps import GuardedRoute, SessionDep, audit, audit_shown, require
from api.export_tables import partner_referrals_table, partner_views, referral_rows, referrals_table
from api.exporting import (
    EXPORT_RESPONSES,
    MAX_ROWS,
    FormatQuery,
    Words,
    check_total,
    export_response,
)
from api.policy import youth_scope
from api.referring import answer_action, audit_override, move_and_start, scoped_referral
from api.routes.common import (
    IdempotencyKey,
    IdPath,
    IdQuery,
    PageNo,
    PageSize,
    idempotent,
    page_of,
    scoped_youth,
)
from api.routes.partners import partner_out, service_out
from api.schemas import (
    ConsentOut,
    EligibleServiceOut,
    Page,
    ReasonOut,
    ReferralDetail,
    ReferralMoveOut,
    ReferralOut,
    ReferralPartnerMoveOut,
    ReferralPartnerOut,
    TransitionOut,
)
from mowakaba.clock import local_date, now
from mowakaba.enums import Axis, Language, ReferralStatus, Role
from mowakaba.models import Consent, Referral, User, Youth
from mowakaba.referral_rules import OPEN
from mowakaba.schemas import AnswerIn, CancelIn, ConsentIn, ReferralIn, RerouteIn, SendIn
from mowakaba.services import calendars as calendar_service
from mowakaba.services import consents as consent_service
from mowakaba.services import partners as partner_service
from mowakaba.services import referrals as referral_service
from mowakaba.settings import get_settings

router = APIRouter(tags=["referrals"], route_class=GuardedRoute)
ALL = 100_000  # a partner's open referrals are filtered by consent before paging


def today_of(session: Session, institution_id: int) -> date:
    """An institution's local today."""
    return calendar_service.local_day(session, institution_id=institution_id, at=now()).today


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut.model_validate(referral, from_attributes=True)


def partner_out_of(session: Session, referral: Referral) -> ReferralPartnerOut:
    """The minimised copy a partner sees (never the case file)."""
    day = today_of(session, referral.institution_id)
    return ReferralPartnerOut(**referral_service.partner_view(session, referral, day=day))


def shown(session: Session, user: User, referral: Referral) -> ReferralOut | ReferralPartnerOut:
    """A referral as the caller may see it: a partner minimised, the others whole."""
    if user.role == Role.partner:
        return partner_out_of(session, referral)
    return referral_out(referral)


def consent_out(consent: Consent, youth: Youth, today: date) -> ConsentOut:
    return ConsentOut.model_validate(
        {**consent.model_dump(), "valid": consent_service.is_valid(consent, youth, today),
         "lapses_on": consent_service.lapses_on(consent, youth)}
    )  # fmt: skip


def moved(
    session: Session, user: User, move: Callable[[], Referral]
) -> ReferralMoveOut | ReferralPartnerMoveOut:
    """Make a move (saved), start its `referral` run(s), and answer with the referral as
    the caller may see it and whether the run started."""
    referral, runs = move_and_start(session, move)
    expected = 1 + (referral.rerouted_from_id is not None)  # a re-route touches two
    run: dict[str, Any] = {
        "referral_run": "started" if len(runs) >= expected else "deferred",
        "referral_run_ids": runs,
    }
    if user.role == Role.partner:
        return ReferralPartnerMoveOut(**partner_out_of(session, referral).model_dump(), **run)
    return ReferralMoveOut(**referral_out(referral).model_dump(), **run)


# ---------------------------------------------------------------- eligibility


@router.get("/youths/{youth_id}/eligible-services", response_model=Page[EligibleServiceOut])
def eligible_services(
    youth_id: IdPath,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("youths.eligible_services"))],
    axis: Axis | None = None,
    milestone_id: IdQuery = None,
    lang: Language | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    """The active services of an axis (or of a plan milestone's axis; neither: every
    axis) for the youth: the eligible ones first, then the others, each with the reasons
    why not in the caller's language (`lang`, else the account's)."""
    youth = scoped_youth(session, request, user, youth_id, "youths.eligible_services")
    language = lang or user.language
    matches = partner_service.match_services(
        session, youth=youth, day=today_of(session, youth.institution_id), axis=axis,
        milestone_id=milestone_id,
    )  # fmt: skip
    start = (page - 1) * page_size
    items = [
        EligibleServiceOut(
            service=service_out(m.service),
            partner=partner_out(m.partner),
            eligible=m.eligible,
            reasons=[ReasonOut(code=r.code, text=r.text(language)) for r in m.reasons],
        )  # fmt: skip
        for m in matches[start : start + page_size]
    ]
    return page_of(items, len(matches), page, page_size)


# ---------------------------------------------------------------- consents


@router.get("/youths/{youth_id}/consents", response_model=Page[ConsentOut])
def list_consents(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("consents.list"))],
    page: PageNo = 1, page_size: PageSize = 50,
) -> dict:  # fmt: skip
    """The youth's consents to share with partners, newest first, each saying whether it
    holds today."""
    youth = scoped_youth(session, request, user, youth_id, "consents.list")
    today = today_of(session, youth.institution_id)
    consents = consent_service.list_consents(session, youth_id=youth_id)
    start = (page - 1) * page_size
    return page_of(
        [consent_out(c, youth, today) for c in consents[start : start + page_size]],
        len(consents), page, page_size,
    )  # fmt: skip


@router.post("/youths/{youth_id}/consents", response_model=ConsentOut, status_code=201)
def give_consent(
    youth_id: IdPath,
    body: ConsentIn,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("consents.manage"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Record a consent to share with one partner or every partner of an axis (the
    guardian's while the youth is a minor, the youth's from 18; a guardian's lapses at 18)."""
    youth = scoped_youth(session, request, user, youth_id, "consents.give")
    today = today_of(session, youth.institution_id)

    def create() -> ConsentOut:
        consent = consent_service.give_consent(
            session, youth=youth, data=body, actor=user, today=today
        )
        return consent_out(consent, youth, today)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )


@router.post("/youths/{youth_id}/consents/{consent_id}/withdraw", response_model=ConsentOut)
def withdraw_consent(
    youth_id: IdPath, consent_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("consents.manage"))],
) -> ConsentOut:  # fmt: skip
    """Withdraw a consent: the partners it covered lose the referrals it allowed at once
    (a second withdrawal is 409 `already_closed`)."""
    youth = scoped_youth(session, request, user, youth_id, "consents.withdraw")
    today = today_of(session, youth.institution_id)
    consent = consent_service.withdraw_consent(
        session, youth=youth, consent_id=consent_id, actor=user, today=today
    )
    return consent_out(consent, youth, today)


# ---------------------------------------------------------------- a youth's referrals


@router.get("/youths/{youth_id}/referrals", response_model=Page[ReferralOut])
def youth_referrals(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.referrals"))],
    page: PageNo = 1, page_size: PageSize = 50,
) -> dict:  # fmt: skip
    """The youth's referrals, newest first."""
    scoped_youth(session, request, user, youth_id, "youths.referrals")
    rows, total = referral_service.page_referrals(
        session, youth_id=youth_id, limit=page_size, offset=(page - 1) * page_size
    )
    return page_of([referral_out(r) for r in rows], total, page, page_size)


@router.post("/youths/{youth_id}/referrals", response_model=ReferralMoveOut, status_code=201)
def create_referral(
    youth_id: IdPath,
    body: ReferralIn,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("referrals.create"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Refer the youth to a service they are eligible for (422 `not_eligible` otherwise):
    a draft, or sent at once with `send: true` (which needs a consent covering the
    partner and the shared fields, or a coordinator's `override_reason`: 409
    `consent_required` otherwise, and nothing is saved)."""
    youth = scoped_youth(session, request, user, youth_id, "referrals.create")

    def create() -> ReferralMoveOut | ReferralPartnerMoveOut:
        answer = moved(session, user, lambda: referral_service.create_referral(
            session, youth=youth, data=body, actor=user))  # fmt: skip
        referral = session.get(Referral, answer.id)
        assert referral is not None
        audit(request, user, action="referrals.create", object_type="referral",
              object_id=referral.id, youth_id=youth_id)  # fmt: skip
        audit_override(request, user, referral)
        return answer

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )


# ---------------------------------------------------------------- referrals


@router.get(
    "/referrals", response_model=Page[ReferralOut | ReferralPartnerOut], responses=EXPORT_RESPONSES
)
def list_referrals(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("referrals.list"))],
    status: ReferralStatus | None = None,
    partner_id: IdQuery = None,
    overdue: bool = False,
    page: PageNo = 1,
    page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:
    """Referrals in the caller's scope, newest first. A partner user: its organisation's
    open referrals (consent holding), minimised. `overdue=true`: sent, unanswered past
    the end of working day N. `format`: all of them as a spreadsheet (docs/api.md)."""
    today = local_date(now(), get_settings().default_time_zone)
    overdue_on = today if overdue else None
    items: list[ReferralOut | ReferralPartnerOut]
    if user.role == Role.partner:
        rows: list[Referral] = []
        statuses = set(OPEN) if status is None else set(OPEN) & {status}
        if statuses and user.partner_id is not None and partner_id in (None, user.partner_id):
            candidates, _ = referral_service.page_referrals(
                session, partner_id=user.partner_id, statuses=statuses, overdue_on=overdue_on,
                limit=ALL,
            )  # fmt: skip
            rows = [r for r in candidates if referral_service.partner_can_see(session, r)]
        if format:
            check_total(len(rows))
            table = partner_referrals_table(partner_views(session, rows), Words.of(user))
            return export_response(request, user, table, name="referrals.list", fmt=format,
                                   day=today, youth_ids=(r.youth_id for r in rows))  # fmt: skip
        total = len(rows)
        start = (page - 1) * page_size
        rows = rows[start : start + page_size]
        items = [partner_out_of(session, r) for r in rows]
    else:
        limit, offset = (MAX_ROWS, 0) if format else (page_size, (page - 1) * page_size)
        rows, total = referral_service.page_referrals(
            session, youth_ids=youth_scope(session, user).filter(select(Youth.id)),
            partner_id=partner_id, statuses={status} if status else None,
            overdue_on=overdue_on, limit=limit, offset=offset,
        )  # fmt: skip
        if format:
            check_total(total)
            words = Words.of(user)
            table = referrals_table(referral_rows(session, rows, words, today=today), words)
            return export_response(request, user, table, name="referrals.list", fmt=format,
                                   day=today, youth_ids=(r.youth_id for r in rows))  # fmt: skip
        items = [referral_out(r) for r in rows]
    audit_shown(request, user, action="referrals.list", youth_ids=(r.youth_id for r in rows))
    return page_of(items, total, page, page_size)


@router.get("/referrals/{referral_id}", response_model=ReferralDetail | ReferralPartnerOut)
def read_referral(
    referral_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("referrals.read"))],
) -> ReferralDetail | ReferralPartnerOut:  # fmt: skip
    """A referral: whole with its history (`transitions`), or a partner's minimised view."""
    referral = scoped_referral(session, request, user, referral_id, "referrals.read")
    if user.role == Role.partner:
        return partner_out_of(session, referral)
    transitions = referral_service.transitions_of(session, referral_id=referral_id)
    return ReferralDetail(
        **referral_out(referral).model_dump(),
        transitions=[TransitionOut.model_validate(t, from_attributes=True) for t in transitions],
    )


@router.post("/referrals/{referral_id}/send", response_model=ReferralMoveOut)
def send_referral(
    referral_id: IdPath, body: SendIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("referrals.move"))],
) -> ReferralMoveOut | ReferralPartnerMoveOut:  # fmt: skip
    """Send a draft: the partner's clock starts. Needs a valid consent covering the
    partner and the shared fields, or a coordinator's `override_reason` (audited):
    409 `consent_required` otherwise, nothing changed."""
    scoped_referral(session, request, user, referral_id, "referrals.send")
    answer = moved(session, user, lambda: referral_service.send_referral(
        session, referral_id=referral_id, actor=user, override_reason=body.override_reason,
    ))  # fmt: skip
    referral = session.get(Referral, referral_id)
    assert referral is not None
    audit_override(request, user, referral)
    return answer


@router.post("/referrals/{referral_id}/cancel", response_model=ReferralMoveOut)
def cancel_referral(
    referral_id: IdPath, body: CancelIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("referrals.move"))],
) -> ReferralMoveOut | ReferralPartnerMoveOut:  # fmt: skip
    """Cancel a referral that has not closed (the sender's side), with a reason."""
    scoped_referral(session, request, user, referral_id, "referrals.cancel")
    return moved(session, user, lambda: referral_service.cancel_referral(
        session, referral_id=referral_id, actor=user, reason=body.reason))  # fmt: skip


@router.post("/referrals/{referral_id}/reroute", response_model=ReferralMoveOut, status_code=201)
def reroute_referral(
    referral_id: IdPath,
    body: RerouteIn,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("referrals.reroute"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Send a waiting, declined or expired referral to another service in one action (a
    coordinator): a waiting one closes as re-routed; the new referral, answered here, is
    sent at once and starts its own clock. The reason stands in for a consent the new
    partner lacks (audited)."""
    scoped_referral(session, request, user, referral_id, "referrals.reroute")

    def create() -> ReferralMoveOut | ReferralPartnerMoveOut:
        answer = moved(session, user, lambda: referral_service.reroute_referral(
            session, referral_id=referral_id, actor=user, service_id=body.service_id,
            reason=body.reason))  # fmt: skip
        new = session.get(Referral, answer.id)
        assert new is not None
        audit(request, user, action="referrals.create", object_type="referral",
              object_id=new.id, youth_id=new.youth_id)  # fmt: skip
        audit_override(request, user, new)
        return answer

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )


@router.post(
    "/referrals/{referral_id}/answer", response_model=ReferralMoveOut | ReferralPartnerMoveOut
)
def answer_referral(
    referral_id: IdPath, body: AnswerIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("referrals.answer"))],
) -> ReferralMoveOut | ReferralPartnerMoveOut:  # fmt: skip
    """The partner's answer or report (accepted, declined with a reason, in progress,
    completed with the outcome, not completed with a reason): by one of its users, or
    recorded on its behalf by the youth's mediator or a coordinator, who then names who
    answered (`answered_by`) and how (`method`: phone, letter, visit, email); audited as
    `referrals.answer_on_behalf` with the recorder as actor."""
    action = answer_action(user)
    scoped_referral(session, request, user, referral_id, action)
    return moved(session, user, lambda: referral_service.answer_referral(
        session, referral_id=referral_id, actor=user, data=body))  # fmt: skip
