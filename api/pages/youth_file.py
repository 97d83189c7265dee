"""The youth file: identity and situation, the pathway bar with the dates passed and
coming, the plan and its milestones, the open work, the timeline and the flow runs.

Flow runs come from the Prefect API (bounded wait, no transaction open meanwhile): when
Prefect does not answer, the file still shows, with a note instead of the runs.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep, audit
from api.moving import transfer_panel
from api.pages import incidents as incident_pages
from api.pages.common import page_guard, page_router, render
from api.pages.consents import consent_form_context, consent_rows
from api.pages.documents import documents_context
from api.pages.notes import casework_context
from api.pages.printing import print_context
from api.pages.referral_labels import CONSENT_DATA_LABELS, GIVEN_LABELS, STATUS_LABELS
from api.pages.work import KIND_LABELS
from api.pages.youth_labels import (
    AXIS_LABELS,
    CHECKLIST_LABELS,
    CLOSURE_LABELS,
    EDUCATION_LABELS,
    EVENT_LABELS,
    EXIT_DESTINATION_LABELS,
    EXIT_KIND_LABELS,
    FLOW_STATE_LABELS,
    MILESTONE_STATUS_LABELS,
    PLAN_STATUS_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
    VOCATIONAL_LABELS,
)
from api.pages.youths import age_on
from api.policy import allowed, youth_scope
from flows import launch
from mowakaba.clock import now
from mowakaba.enums import AuditOutcome, Stage, WorkItemKind, WorkItemStatus
from mowakaba.errors import NotFound
from mowakaba.models import Partner, PartnerService, User, Youth
from mowakaba.schedule import ScheduleEntry
from mowakaba.services import calendars as calendar_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import timeline as timeline_service
from mowakaba.services import users as user_service
from mowakaba.services import work_items as work_service
from mowakaba.services import youths as youth_service
from mowakaba.services.completions.plans import current_plan

log = logging.getLogger("mowakaba.pages")
router = page_router()
EVENTS_PER_PAGE = 20
COMING_ROWS = 12
# The pathway bar: the stages a youth goes through once accompanied (enrolled comes before).
BAR = (Stage.intake, Stage.planning, Stage.active, Stage.exit_preparation, Stage.exited,
       Stage.follow_up, Stage.closed)  # fmt: skip
ORDER = {stage: n for n, stage in enumerate(Stage)}


def file_youth(session: Session, request: Request, user: User, youth_id: int) -> Youth:
    """Load a youth in the caller's scope, audited; else the 404 of a missing one (audited)."""
    youth = session.get(Youth, youth_id)
    if youth is None or not youth_scope(session, user).sees(youth):
        audit(request, user, action="youths.read", object_type="youth", object_id=youth_id,
              youth_id=youth_id if youth else None, outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"youth {youth_id} not found")
    audit(request, user, action="youths.read", object_type="youth", object_id=youth_id,
          youth_id=youth_id)  # fmt: skip
    return youth


def pathway_bar(
    youth: Youth, entered: dict[Stage, date], schedule: list[ScheduleEntry], today: date
) -> list[dict[str, Any]]:
    """Each stage of the bar: passed, current or coming, with its date (passed or nominal)."""
    entered = {**entered}
    if youth.exit_date:
        entered.setdefault(Stage.exited, youth.exit_date)
    if youth.closed_date:
        entered[Stage.closed] = youth.closed_date
    nominal = {e.stage: e.date for e in schedule if e.event == "stage_entered" and e.date >= today}
    steps = []
    for stage in BAR:
        if stage == youth.stage:
            state, day = "current", entered.get(stage, youth.stage_entered_date)
        elif ORDER[stage] < ORDER[youth.stage]:
            state, day = ("passed", entered[stage]) if stage in entered else ("skipped", None)
        else:
            state, day = "coming", nominal.get(stage)
        steps.append({"stage": stage, "label": STAGE_LABELS[stage], "state": state, "date": day})
    return steps


def coming(schedule: list[ScheduleEntry], stage: Stage, today: date) -> list[ScheduleEntry]:
    """What is coming: the next stage starts and due dates, if every item is done on time."""
    rows = [
        e for e in schedule
        if e.date >= today and (e.event == "work_item_due" or
                                (e.event == "stage_entered" and ORDER[e.stage] > ORDER[stage]))
    ]  # fmt: skip
    return rows[:COMING_ROWS]


def referral_rows(session: Session, youth: Youth) -> list[dict[str, Any]]:
    """A youth's referrals, newest first, each with its service."""
    rows, _ = referral_service.page_referrals(session, youth_id=youth.pk, limit=100)
    return [{"referral": r, "service": session.get(PartnerService, r.service_id)} for r in rows]


def flow_runs(youth: Youth) -> list[dict[str, Any]] | None:
    """The youth's pathway runs, newest first; None when Prefect cannot be read now."""
    try:
        return launch.youth_runs(launch.RunLabels.of(youth), limit=20)
    except Exception as exc:  # a file never fails for its runs: Prefect is only a neighbour
        log.warning("flow runs of youth %s unreadable: %s", youth.id, str(exc)[:200])
        return None


@router.get("/youths/{youth_id}")
def youth_file(
    youth_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("youths.read"))],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
    doc: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """One young person's file."""
    youth = file_youth(session, request, user, youth_id)
    local = calendar_service.local_day(session, institution_id=youth.institution_id, at=now())
    today = local.today
    schedule = youth_service.nominal_schedule_of(session, youth=youth)
    entered = timeline_service.stage_dates(session, youth_id=youth.pk)
    events, event_total = timeline_service.page_events(
        session, youth_id=youth.pk, limit=EVENTS_PER_PAGE, offset=(page - 1) * EVENTS_PER_PAGE
    )
    plan, milestones = current_plan(session, youth_id=youth.pk)
    work, work_total = work_service.page_work_items(
        session, youth_id=youth.pk, status=WorkItemStatus.open, limit=50
    )
    people = {
        uid: user_service.get_user(session, uid)
        for uid in {youth.mediator_id, *(w.assignee_id for w in work)} if uid is not None
    }  # fmt: skip
    referrals = referral_rows(session, youth)
    partner_ids = {r["referral"].partner_id for r in referrals} | {
        e.data["partner_id"] for e in events if isinstance(e.data.get("partner_id"), int)
    }
    partners = {i: session.get(Partner, i) for i in partner_ids}
    acts = allowed("consents.manage", user) and referral_service.may_refer(
        session, user=user, youth=youth
    )
    consents = consent_rows(session, youth, today)
    form = {"covers": "", "data": [], "given_by": "", "given_by_name": "",
            "given_date": today.isoformat()}  # fmt: skip
    consent_form = consent_form_context(session, form) if acts else {}
    voice = print_context(session, user, youth, plan)
    document_section = documents_context(session, youth, user, today, doc)
    session.commit()  # no transaction stays open across a call to Prefect
    runs = flow_runs(youth) if allowed("youths.flow_runs", user) else None
    return render(
        request,
        "pages/youths/file.html",
        {
            "youth": youth, "today": today, "institution": local.institution,
            "age": age_on(youth.date_of_birth, today), "people": people,
            "bar": pathway_bar(youth, entered, schedule, today),
            "coming": coming(schedule, youth.stage, today),
            "events": events, "event_total": event_total, "page": page,
            "pages": max(1, -(-event_total // EVENTS_PER_PAGE)),
            "plan": plan, "milestones": milestones,
            "work": [{"item": w, "days": (w.due_date - today).days} for w in work],
            "work_total": work_total, "runs": runs,
            "stage_labels": STAGE_LABELS, "event_labels": EVENT_LABELS,
            "kind_labels": KIND_LABELS, "kinds": WorkItemKind,
            "sex_labels": SEX_LABELS, "education_labels": EDUCATION_LABELS,
            "vocational_labels": VOCATIONAL_LABELS, "plan_labels": PLAN_STATUS_LABELS,
            "milestone_labels": MILESTONE_STATUS_LABELS, "axis_labels": AXIS_LABELS,
            "checklist_labels": CHECKLIST_LABELS, "exit_kind_labels": EXIT_KIND_LABELS,
            "destination_labels": EXIT_DESTINATION_LABELS, "closure_labels": CLOSURE_LABELS,
            "flow_state_labels": FLOW_STATE_LABELS,
            "consents": consents, "referrals": referrals, "partners": partners,
            "acts": acts, "refers": acts and allowed("referrals.create", user),
            "referral_status_labels": STATUS_LABELS, "done": done,
            "given_labels": GIVEN_LABELS, "consent_data_labels": CONSENT_DATA_LABELS,
            **consent_form, **voice,
            **casework_context(session, request, user, youth, today),
            **incident_pages.file_context(session, user, youth, today),
            "transfer": transfer_panel(session, user, youth), **document_section,
            "answers_access": allowed("youths.subject_access", user),
            "reads_access_log": allowed("youths.access_log", user),
            "may_privacy": allowed("privacy.view", user),
        },
        session=session,
    )  # fmt: skip
