"""The dashboard of coordinators (their institutions) and supervisors (their region, or
the nation, institution by institution): what needs them today."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep, audit_shown
from api.pages.common import N_, page_guard, page_router, pages_of, paging_bases, render
from api.pages.work import KIND_LABELS
from api.policy import institution_ids_in_scope
from mowakaba.case_labels import STAGE_LABELS
from mowakaba.clock import local_date, now
from mowakaba.enums import Role
from mowakaba.models import User
from mowakaba.rules import add_months
from mowakaba.services import dashboard as dashboard_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import work_items as work_service

router = page_router()
PAGE_SIZE = 20  # rows per page of each list
PageNumber = Annotated[int, Query(ge=1, le=100_000)]

# What the form a POST came back from says once it has worked (?done=...).
DONE = {
    "acknowledged": N_("The escalation is acknowledged."),
    "rescheduled": N_("The new due date is saved; reminders and escalations count from it."),
}


def dashboard_context(
    session: Session, user: User, *, done: str = "", pages: dict[str, int] | None = None
) -> dict[str, Any]:
    """What the dashboard shows a coordinator or supervisor now; `pages`: the page of
    each list (escalations, plans, leaving; the first by default)."""
    at = now()
    scope = institution_ids_in_scope(session, user)
    coordinator = user.role == Role.coordinator
    page = {"escalations": 1, "plans": 1, "leaving": 1, **(pages or {})}
    board = dashboard_service.build_dashboard(
        session, institution_ids=scope, at=at, recipient_id=user.pk, names=coordinator,
        limit=PAGE_SIZE, escalations_offset=(page["escalations"] - 1) * PAGE_SIZE,
        plans_offset=(page["plans"] - 1) * PAGE_SIZE,
        leaving_offset=(page["leaving"] - 1) * PAGE_SIZE,
    )  # fmt: skip
    totals = {"escalations": board.escalations_total, "plans": board.total.plans_waiting,
              "leaving": board.total.leaving_soon}  # fmt: skip
    bases = paging_bases("/dashboard", {f"{name}_page": n for name, n in page.items()})
    zones = {line.institution.time_zone for line in board.institutions if line.institution}
    today = local_date(at, zones.pop() if len(zones) == 1 else "Africa/Casablanca")
    referrals = referral_service.partner_figures(
        session, institution_ids=None if scope is None else list(scope), today=today
    )
    return {
        "board": board,
        "referrals": referrals,
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
        # Each list's paging: its page, its number of pages, the start of its links.
        "paging": {
            name: {
                "page": n,
                "pages": pages_of(totals[name], PAGE_SIZE),
                "base": bases[f"{name}_page"],
                "param": f"{name}_page",
            }
            for name, n in page.items()
        },
    }


@router.get("/dashboard")
def dashboard(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("dashboard.view"))],
    done: Annotated[str, Query(max_length=20)] = "",
    escalations_page: PageNumber = 1,
    plans_page: PageNumber = 1,
    leaving_page: PageNumber = 1,
) -> Response:
    """Youths per stage, overdue work, escalations to acknowledge, plans waiting, youths
    leaving soon, per institution of the caller's scope; each list a page at a time."""
    pages = {"escalations": escalations_page, "plans": plans_page, "leaving": leaving_page}
    context = dashboard_context(session, user, done=done, pages=pages)
    audit_shown(request, user, action="dashboard.view", youth_ids=context["board"].youth_ids)
    return render(request, "pages/dashboard/dashboard.html", context, session=session)
