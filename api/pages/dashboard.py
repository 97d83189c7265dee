"""The dashboard of coordinators (their institutions) and supervisors (their region, or
the nation, institution by institution): what needs them today."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep, audit_shown
from api.pages.common import N_, page_guard, page_router, render
from api.pages.work import KIND_LABELS
from api.policy import institution_ids_in_scope
from mowakaba.clock import local_date, now
from mowakaba.enums import Role, Stage
from mowakaba.models import User
from mowakaba.rules import add_months
from mowakaba.services import dashboard as dashboard_service
from mowakaba.services import work_items as work_service

router = page_router()

STAGE_LABELS = {
    Stage.enrolled: N_("Enrolled"),
    Stage.intake: N_("Intake"),
    Stage.planning: N_("Planning"),
    Stage.active: N_("Active plan"),
    Stage.exit_preparation: N_("Exit preparation"),
    Stage.exited: N_("Exited"),
    Stage.follow_up: N_("Follow-up"),
    Stage.closed: N_("Closed"),
}

# What the form a POST came back from says once it has worked (?done=...).
DONE = {
    "acknowledged": N_("The escalation is acknowledged."),
    "rescheduled": N_("The new due date is saved; reminders and escalations count from it."),
}


def dashboard_context(session: Session, user: User, *, done: str = "") -> dict[str, Any]:
    """What the dashboard shows a coordinator or supervisor now."""
    at = now()
    scope = institution_ids_in_scope(session, user)
    coordinator = user.role == Role.coordinator
    board = dashboard_service.build_dashboard(
        session, institution_ids=scope, at=at, recipient_id=user.pk, names=coordinator
    )
    zones = {line.institution.time_zone for line in board.institutions if line.institution}
    today = local_date(at, zones.pop() if len(zones) == 1 else "Africa/Casablanca")
    return {
        "board": board,
        "today": today,
        "coordinator": coordinator,
        "national": user.role == Role.supervisor and user.region is None,
        "rolled_up": not coordinator or len(board.institutions) > 1,
        "names": {
            line.institution.pk: line.institution.name
            for line in board.institutions
            if line.institution
        },  # fmt: skip
        "stages": list(STAGE_LABELS.items()),
        "kinds": KIND_LABELS,
        "done": DONE.get(done),
        "leaving_months": dashboard_service.LEAVING_MONTHS,
        "latest": add_months(today, work_service.RESCHEDULE_HORIZON_MONTHS),
    }


@router.get("/dashboard")
def dashboard(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("dashboard.view"))],
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Youths per stage, overdue work, escalations to acknowledge, plans waiting, youths
    leaving soon, per institution of the caller's scope."""
    context = dashboard_context(session, user, done=done)
    audit_shown(request, user, action="dashboard.view", youth_ids=context["board"].youth_ids)
    return render(request, "pages/dashboard/dashboard.html", context, session=session)
