"""Referrals, as pages: finding the services a youth is eligible for and referring, a
referral's page for its sender's side and for the partner, and the lists.

- `/youths/{id}/refer?axis=&milestone_id=&service_id=`: the services of an axis (or of a
  plan milestone's axis), eligible ones first, the others each with its reasons in the
  reader's language; a chosen service opens the referral form ("referrals.create").
- `/referrals/{id}`: the referral (status, clock, history, the actions its status allows)
  or, for a partner user, the minimised view and the partner's answers ("referrals.read").
- `/referrals`: staff see the referrals of the youths in their scope (filters status,
  partner, overdue); partner users their organisation's open referrals (their landing).

Every move goes through `api.referring.move_and_start` (commit, then the `referral`
run), then the browser is sent to a page that says what was done (POST-redirect-GET).
A move a rule refuses shows the page again with the error, nothing changed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, select

from api.deps import SessionDep, audit_shown
from api.export_tables import partner_referrals_table, partner_views, referral_rows, referrals_table
from api.exporting import MAX_ROWS, FormatQuery, Words, check_total, export_response
from api.pages.common import N_, page_guard, page_router, pages_of, render
from api.pages.referral_forms import (
    PostedForm,
    field_errors,
    posted,
    sender_youth,
    today_of,
    try_move,
)
from api.pages.referral_labels import (
    ANSWER_LABELS,
    CONSENT_DATA_LABELS,
    GIVER_LABELS,
    METHOD_LABELS,
    RECORDED_METHODS,
    SENSITIVE,
    SHARED_LABELS,
    STATUS_LABELS,
)
from api.pages.youth_labels import (
    AXIS_LABELS,
    EDUCATION_LABELS,
    MILESTONE_STATUS_LABELS,
    SEX_LABELS,
    VOCATIONAL_LABELS,
)
from api.pages.youths import age_on
from api.policy import allowed, youth_scope
from api.referring import answer_action, scoped_referral
from api.templating import request_language
from mowakaba.clock import local_date, now
from mowakaba.enums import Axis, Language, MilestoneStatus, ReferralStatus, Role, SharedField
from mowakaba.errors import (
    ConsentRequired,
    InvalidInput,
    InvalidReferralTransition,
    MowakabaError,
    NotEligible,
    NotFound,
)
from mowakaba.models import Milestone, Partner, PartnerService, Referral, User, Youth
from mowakaba.referral_rules import CLOSED, OPEN, PARTNER_MOVES, REROUTABLE, TRANSITIONS
from mowakaba.schemas import AnswerIn, CancelIn, ReferralIn, RerouteIn, SendIn
from mowakaba.services import consents as consent_service
from mowakaba.services import partners as partner_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import users as user_service
from mowakaba.services.completions.plans import current_plan
from mowakaba.settings import get_settings

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE_SIZE = 25
PARTNER_LIMIT = 500  # a partner's open referrals: tens, never thousands
R = ReferralStatus
# The partner's answers in the order they are offered (the next usual step first).
ANSWER_ORDER = (R.accepted, R.in_progress, R.completed, R.not_completed, R.declined)
assert set(ANSWER_ORDER) == PARTNER_MOVES

# What a refused move says, and where.
NO_CONSENT = N_("No valid consent covers this partner and the data you share. Record the "
                "consent first; a coordinator may instead send it with a reason.")  # fmt: skip
NOT_ELIGIBLE = N_("The young person is not eligible for this service (any more).")
NOT_OFFERED = N_("This service is not offered any more.")
EMPTY_SENSITIVE = N_("Write what you share, or untick it.")
NO_MILESTONE = N_("Choose a milestone of the plan in force.")
MOVED_ALREADY = N_("This referral has moved meanwhile: it cannot do that now.")
SAME_SERVICE = N_("Choose another service than the one it is with.")
NOT_REROUTABLE = N_("This referral cannot be re-routed.")
DONE = {
    "drafted": N_("The referral was saved as a draft."),
    "sent": N_("The referral was sent: the partner's clock starts."),
    "cancelled": N_("The referral was cancelled."),
    "rerouted": N_("The referral was re-routed: this one is sent, with a clock of its own."),
    "accepted": N_("Recorded: the referral is accepted."),
    "declined": N_("Recorded: the referral is declined."),
    "in_progress": N_("Recorded: the service is in progress."),
    "completed": N_("Recorded: the service was delivered."),
    "not_completed": N_("Recorded: the service was not delivered."),
}


def in_script(latin: str, arabic: str, language: Language) -> str:
    """A name in the reader's script, when it has one in it."""
    return arabic if language == Language.ar and arabic else latin


def labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS, "answer_labels": ANSWER_LABELS,
        "shared_labels": SHARED_LABELS, "consent_data_labels": CONSENT_DATA_LABELS,
        "giver_labels": GIVER_LABELS, "method_labels": METHOD_LABELS,
        "axis_labels": AXIS_LABELS, "sex_labels": SEX_LABELS,
        "education_labels": EDUCATION_LABELS, "vocational_labels": VOCATIONAL_LABELS,
        "milestone_labels": MILESTONE_STATUS_LABELS, "done_labels": DONE,
    }  # fmt: skip


def language_of(request: Request) -> Language:
    return request_language(request)


# ---------------------------------------------------------------- finding and referring


def open_milestones(session: Session, youth: Youth) -> list[Milestone]:
    _, milestones = current_plan(session, youth_id=youth.pk)
    return [m for m in milestones if m.status in (MilestoneStatus.open, MilestoneStatus.delayed)]


def consent_note(
    session: Session, youth: Youth, partner: Partner, service: PartnerService, today: date
) -> dict[str, Any]:
    """The valid consents covering a partner (by name or by its axis), the data covered."""
    valid = [
        c for c in consent_service.list_consents(session, youth_id=youth.pk)
        if (c.partner_id == partner.id or (c.partner_id is None and c.axis == service.axis))
        and consent_service.is_valid(c, youth, today)
    ]  # fmt: skip
    covered = sorted({d for c in valid for d in c.data})
    return {"consents": valid, "covered": covered}


def show_refer(
    request: Request,
    session: Session,
    user: User,
    youth: Youth,
    *,
    axis: Axis | None,
    milestone_id: int | None,
    service_id: int | None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The refer page: the axis, the services (eligible first), the chosen one's form."""
    language = language_of(request)
    today = today_of(session, youth.institution_id)
    milestone = None
    if milestone_id is not None:
        milestone = session.get(Milestone, milestone_id)
        if milestone is None or milestone.youth_id != youth.id:
            raise NotFound(f"milestone {milestone_id} not found")
        axis = milestone.axis
    chosen = None
    if service_id is not None:
        service = session.get(PartnerService, service_id)
        if service is None:
            raise NotFound(f"service {service_id} not found")
        axis = axis or service.axis
    matches = []
    if axis is not None:
        matches = partner_service.match_services(session, youth=youth, day=today, axis=axis)
        chosen = next((m for m in matches if m.service.id == service_id), None)
    rows = [
        {"match": m,
         "partner": in_script(m.partner.name, m.partner.name_ar, language),
         "service": in_script(m.service.name, m.service.name_ar, language),
         "reasons": [r.text(language) for r in m.reasons]}
        for m in matches
    ]  # fmt: skip
    context: dict[str, Any] = {
        "youth": youth, "today": today, "axis": axis, "axes": list(Axis),
        "milestone": milestone, "milestones": open_milestones(session, youth),
        "eligible": [r for r in rows if r["match"].eligible],
        "others": [r for r in rows if not r["match"].eligible],
        "chosen": next((r for r in rows if r["match"] is chosen), None),
        "shared_fields": list(SharedField), "sensitive": SENSITIVE,
        "coordinator": user.role == Role.coordinator,
        "errors": errors or {},
        "form": form or {"need": "", "shared_fields": [], "health_details": "",
                         "family_details": "", "override_reason": "",
                         "milestone_id": str(milestone_id or "")},
        **labels(),
    }  # fmt: skip
    if chosen is not None:
        context["consent"] = consent_note(session, youth, chosen.partner, chosen.service, today)
    return render(request, "pages/referrals/refer.html", context, session=session, status=status)


def id_or_none(value: str) -> int | None:
    ascii_digits = value.isascii() and value.isdigit()  # "²" is a digit int() refuses
    return int(value) if ascii_digits and 0 < int(value) < 2**31 else None


@router.get("/youths/{youth_id}/refer")
def refer_page(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.create"))],
    axis: Annotated[str, Query(max_length=40)] = "",
    milestone_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    service_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Find the services a youth is eligible for (and why not the others); refer."""
    youth = sender_youth(session, request, user, youth_id, "referrals.create")
    chosen_axis = Axis(axis) if axis in Axis.__members__ else None
    return show_refer(request, session, user, youth, axis=chosen_axis,
                      milestone_id=milestone_id, service_id=service_id)  # fmt: skip


@router.post("/youths/{youth_id}/refer")
def refer(
    youth_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.create"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Draft a referral, or send it at once."""
    youth = sender_youth(session, request, user, youth_id, "referrals.create")
    typed = {
        "need": form.one("need"), "shared_fields": form.get("shared_fields", []),
        "health_details": form.one("health_details"),
        "family_details": form.one("family_details"),
        "override_reason": form.one("override_reason") if user.role == Role.coordinator else "",
        "milestone_id": form.one("milestone_id"),
    }  # fmt: skip
    service_id = id_or_none(form.one("service_id"))
    if service_id is None:
        raise NotFound("no service chosen")
    errors: dict[str, str] = {}
    status = 422
    try:
        data = ReferralIn.model_validate(
            {**typed, "service_id": service_id, "send": form.one("send") == "1",
             "milestone_id": typed["milestone_id"] or None}
        )  # fmt: skip
    except ValidationError as exc:
        errors = field_errors(exc)
    else:
        referral, error = try_move(session, lambda: referral_service.create_referral(
            session, youth=youth, data=data, actor=user), request=request, user=user)  # fmt: skip
        if referral is not None:
            done = "sent" if data.send else "drafted"
            return RedirectResponse(f"/referrals/{referral.id}?done={done}", status_code=303)
        errors, status = refusal(error)
    return show_refer(request, session, user, youth, axis=None, milestone_id=None,
                      service_id=service_id, form=typed, errors=errors, status=status)  # fmt: skip


def refusal(error: MowakabaError | None) -> tuple[dict[str, str], int]:
    """A rule a referral move broke: the message and the field it goes next to."""
    if isinstance(error, ConsentRequired):
        return {"consent": NO_CONSENT}, 409
    if isinstance(error, NotEligible):
        return {"form": NOT_ELIGIBLE}, 409
    if isinstance(error, InvalidReferralTransition):
        return {"form": MOVED_ALREADY}, 409
    if isinstance(error, InvalidInput):
        message = error.message
        for name in SENSITIVE:
            if message.startswith(f"{name.value} is shared"):
                return {name.value: EMPTY_SENSITIVE}, 422
        if "re-routed already" in message:
            return {"form": MOVED_ALREADY}, 409
        if "is with service" in message:
            return {"service_id": SAME_SERVICE}, 422
        return {"form": NOT_OFFERED}, 422
    if isinstance(error, NotFound) and "milestone" in error.message:
        return {"milestone_id": NO_MILESTONE}, 422
    assert error is not None
    raise error


# ---------------------------------------------------------------- a referral's page


def people_named(session: Session, ids: set[int | None]) -> dict[int, User]:
    return {i: user_service.get_user(session, i) for i in ids if i is not None}


def staff_context(session: Session, user: User, referral: Referral) -> dict[str, Any]:
    """The sender's side of a referral: everything, and the actions its status allows."""
    youth = session.get(Youth, referral.youth_id)
    service = session.get(PartnerService, referral.service_id)
    partner = session.get(Partner, referral.partner_id)
    assert youth is not None and service is not None and partner is not None
    today = today_of(session, referral.institution_id)
    history = referral_service.transitions_of(session, referral_id=referral.pk)
    people = people_named(session, {t.actor_id for t in history} | {referral.override_by_id})
    sender = referral_service.may_refer(session, user=user, youth=youth)
    moves = TRANSITIONS[referral.status]
    reroute = []
    may_reroute = (
        sender and allowed("referrals.reroute", user) and referral.status in REROUTABLE
        and referral.rerouted_to_id is None
    )  # fmt: skip
    if may_reroute:
        reroute = [
            m for m in partner_service.match_services(
                session, youth=youth, day=today, axis=service.axis)
            if m.eligible and m.service.id != referral.service_id
        ]  # fmt: skip
    milestone = session.get(Milestone, referral.milestone_id) if referral.milestone_id else None
    return {
        "youth": youth, "service": service, "partner": partner, "today": today,
        "age": age_on(youth.date_of_birth, today), "history": history, "people": people,
        "milestone": milestone,
        "overdue": referral.status == R.sent and bool(referral.response_due_date)
        and today > referral.response_due_date,
        "may_send": sender and allowed("referrals.move", user) and R.sent in moves,
        "may_cancel": sender and allowed("referrals.move", user) and R.cancelled in moves,
        "answers": [s for s in ANSWER_ORDER if s in moves]
        if sender and allowed("referrals.answer", user) else [],
        "reroute": reroute, "may_reroute": may_reroute,
        "coordinator": user.role == Role.coordinator,
        "methods": RECORDED_METHODS,
    }  # fmt: skip


def show_referral(
    request: Request,
    session: Session,
    user: User,
    referral: Referral,
    *,
    done: str = "",
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    opened: str = "",
    status: int = 200,
) -> Response:
    """A referral's page: the partner's minimised view, or the sender's side."""
    typed = dict.fromkeys(("override_reason", "reason", "outcome", "status", "answered_by",
                           "method", "service_id"), "") | (form or {})  # fmt: skip
    context: dict[str, Any] = {
        "referral": referral, "done": done if done in DONE else "", "form": typed,
        "errors": errors or {}, "opened": opened, **labels(),
        "general_errors": [v for k, v in (errors or {}).items() if k.endswith(("form", "consent"))],
    }  # fmt: skip
    if user.role == Role.partner:
        chosen = typed["status"]  # each answer's text box is its own
        context["errors"] = {f"{k}-{chosen}" if k in ("answer-reason", "answer-outcome") else k: v
                             for k, v in (errors or {}).items()}  # fmt: skip
        today = today_of(session, referral.institution_id)
        context["view"] = referral_service.partner_view(session, referral, day=today)
        context["answers"] = [s for s in ANSWER_ORDER if s in TRANSITIONS[referral.status]]
        name = "pages/referrals/partner.html"
    else:
        context.update(staff_context(session, user, referral))
        name = "pages/referrals/referral.html"
    return render(request, name, context, session=session, status=status)


@router.get("/referrals/{referral_id}")
def referral_page(
    referral_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.read"))],
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One referral."""
    referral = scoped_referral(session, request, user, referral_id, "referrals.read")
    return show_referral(request, session, user, referral, done=done)


def after_move(user: User, referral: Referral, done: str) -> Response:
    """Where the browser goes after a move: the referral's page, or the partner's list
    when the move closed it for them (their access ends with it)."""
    if user.role == Role.partner and referral.status in CLOSED:
        return RedirectResponse(f"/referrals?done={done}", status_code=303)
    return RedirectResponse(f"/referrals/{referral.id}?done={done}", status_code=303)


def move_page(
    request: Request,
    session: Session,
    user: User,
    referral: Referral,
    *,
    name: str,
    typed: dict[str, str],
    parse: Any,
    move: Any,
) -> Response:
    """Validate a move's form (`parse`), make it (`move`), or show the page with its errors."""
    try:
        data = parse()
    except ValidationError as exc:
        errors, status = field_errors(exc), 422
    else:
        moved, error = try_move(session, lambda: move(data), request=request, user=user)
        if moved is not None:
            done = name if name not in ("answer",) else moved.status.value
            if name == "reroute":
                done = "rerouted"
            return after_move(user, moved, done)
        errors, status = refusal(error)
        session.refresh(referral)
    return show_referral(request, session, user, referral, form=typed, opened=name,
                         errors={f"{name}-{k}": v for k, v in errors.items()},
                         status=status)  # fmt: skip


@router.post("/referrals/{referral_id}/send")
def send(
    referral_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.move"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Send a draft (a coordinator may give a reason to send it without consent)."""
    referral = scoped_referral(session, request, user, referral_id, "referrals.move")
    typed = {"override_reason": form.one("override_reason") if user.role == Role.coordinator
             else ""}  # fmt: skip
    return move_page(
        request, session, user, referral, name="sent", typed=typed,
        parse=lambda: SendIn.model_validate(typed),
        move=lambda data: referral_service.send_referral(
            session, referral_id=referral.pk, actor=user, override_reason=data.override_reason),
    )  # fmt: skip


@router.post("/referrals/{referral_id}/cancel")
def cancel(
    referral_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.move"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Cancel a referral, with a reason."""
    referral = scoped_referral(session, request, user, referral_id, "referrals.move")
    typed = {"reason": form.one("reason")}
    return move_page(
        request, session, user, referral, name="cancelled", typed=typed,
        parse=lambda: CancelIn.model_validate(typed),
        move=lambda data: referral_service.cancel_referral(
            session, referral_id=referral.pk, actor=user, reason=data.reason),
    )  # fmt: skip


@router.post("/referrals/{referral_id}/answer")
def answer(
    referral_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.answer"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """The partner's answer: by its user, or recorded on its behalf (who answered, how)."""
    referral = scoped_referral(session, request, user, referral_id, answer_action(user))
    typed = {name: form.one(name) for name in ("status", "reason", "outcome")}
    if user.role != Role.partner:
        typed |= {"answered_by": form.one("answered_by"), "method": form.one("method")}

    def parse() -> AnswerIn:
        data = AnswerIn.model_validate({k: v for k, v in typed.items() if v != ""})
        if user.role != Role.partner and (not data.answered_by or data.method is None):
            # Said on the form, not only by the service: both fields at once.
            raise ValidationError.from_exception_data("AnswerIn", [
                {"type": "missing", "loc": (name,), "input": ""}
                for name in ("answered_by", "method") if not typed.get(name)
            ])  # fmt: skip
        return data

    return move_page(
        request, session, user, referral, name="answer", typed=typed, parse=parse,
        move=lambda data: referral_service.answer_referral(
            session, referral_id=referral.pk, actor=user, data=data),
    )  # fmt: skip


@router.post("/referrals/{referral_id}/reroute")
def reroute(
    referral_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.reroute"))],
    form: Annotated[PostedForm, Depends(posted)],
) -> Response:
    """Send the youth to another eligible service in one action (a coordinator's)."""
    referral = scoped_referral(session, request, user, referral_id, "referrals.reroute")
    typed = {"service_id": form.one("service_id"), "reason": form.one("reason")}
    return move_page(
        request, session, user, referral, name="reroute", typed=typed,
        parse=lambda: RerouteIn.model_validate(typed),
        move=lambda data: referral_service.reroute_referral(
            session, referral_id=referral.pk, actor=user, service_id=data.service_id,
            reason=data.reason),
    )  # fmt: skip


# ---------------------------------------------------------------- the lists


@router.get("/referrals")
def referrals(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("referrals.list"))],
    status: Annotated[str, Query(max_length=20)] = "",
    partner_id: Annotated[str, Query(max_length=12)] = "",
    overdue: Annotated[str, Query(max_length=1)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
    format: FormatQuery = None,
) -> Response:
    """The referrals I follow (staff), or my organisation's open ones (partner users);
    `format`: all of them as a spreadsheet."""
    language = language_of(request)
    context: dict[str, Any] = {"done": done if done in DONE else "", "page": page, **labels()}
    if user.role == Role.partner:
        if user.partner_id is None:  # an account without its organisation sees nothing
            raise NotFound("no referrals: this account belongs to no partner")
        rows, _ = referral_service.page_referrals(
            session, partner_id=user.partner_id, statuses=set(OPEN), limit=PARTNER_LIMIT
        )
        visible = [r for r in rows if referral_service.partner_can_see(session, r)]
        if format:
            check_total(len(visible))
            table = partner_referrals_table(partner_views(session, visible), Words.of(user))
            return export_response(
                request, user, table, name="referrals.list", fmt=format, day=now().date(),
                youth_ids=(r.youth_id for r in visible),
            )  # fmt: skip
        audit_shown(request, user, action="referrals.list",
                    youth_ids=[r.youth_id for r in visible])  # fmt: skip
        shown = visible[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        context |= {
            "views": [referral_service.partner_view(
                session, r, day=today_of(session, r.institution_id)) for r in shown],
            "status_of": {r.id: r.status for r in shown},
            "total": len(visible), "pages": pages_of(len(visible), PAGE_SIZE),
            "partner": session.get(Partner, user.partner_id),
        }  # fmt: skip
        return render(request, "pages/referrals/partner_list.html", context, session=session)
    chosen_status = R(status) if status in R.__members__ else None
    chosen_partner = id_or_none(partner_id)
    today = local_date(now(), get_settings().default_time_zone)
    scope = youth_scope(session, user)
    limit, offset = (MAX_ROWS, 0) if format else (PAGE_SIZE, (page - 1) * PAGE_SIZE)
    rows, total = referral_service.page_referrals(
        session, youth_ids=scope.filter(select(Youth.id)), partner_id=chosen_partner,
        statuses={chosen_status} if chosen_status else None,
        overdue_on=today if overdue == "1" else None, limit=limit, offset=offset,
    )  # fmt: skip
    if format:
        check_total(total)
        words = Words.of(user)
        table = referrals_table(referral_rows(session, rows, words, today=today), words)
        return export_response(request, user, table, name="referrals.list", fmt=format,
                               day=today, youth_ids=(r.youth_id for r in rows))  # fmt: skip
    audit_shown(request, user, action="referrals.list", youth_ids=[r.youth_id for r in rows])
    partners, _ = partner_service.page_partners(session, limit=1000)
    names = {p.pk: in_script(p.name, p.name_ar, language) for p in partners}
    items = []
    for r in rows:
        service = session.get(PartnerService, r.service_id)
        assert service is not None
        items.append({
            "referral": r, "youth": session.get(Youth, r.youth_id),
            "partner": names.get(r.partner_id, ""),
            "service": in_script(service.name, service.name_ar, language),
            "overdue": r.status == R.sent and bool(r.response_due_date)
            and today > r.response_due_date,
        })  # fmt: skip
    base = {"status": chosen_status.value if chosen_status else "",
            "partner_id": str(chosen_partner or ""),
            "overdue": "1" if overdue == "1" else ""}  # fmt: skip
    query = "&".join(f"{k}={v}" for k, v in base.items() if v)
    context |= {
        "items": items, "total": total, "pages": pages_of(total, PAGE_SIZE),
        "statuses": list(R), "partners": sorted(names.items(), key=lambda p: p[1]),
        "chosen": base, "base": f"/referrals?{query}&" if query else "/referrals?",
        "export_query": {k: v for k, v in base.items() if v},
    }  # fmt: skip
    return render(request, "pages/referrals/list.html", context, session=session)
