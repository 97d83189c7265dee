"""Administration: the index of the admin pages, and the programme timings in force
(read-only: they are settings, DESIGN.md §2). Gathers the admin pages' routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.pages import admin_calendars, admin_institutions, admin_users
from api.pages.common import N_, page_guard, page_router, render
from mowakaba.models import User
from mowakaba.settings import get_settings

router = page_router()
for pages in (admin_users.router, admin_institutions.router, admin_calendars.router):
    router.include_router(pages)

# The index: (path, title, what it is for).
SECTIONS = (
    ("/admin/users", N_("Users"),
     N_("Accounts: create them, change a role or institutions, disable, reset a password.")),
    ("/admin/institutions", N_("Institutions"), N_("The care institutions and their regions.")),
    ("/admin/calendars", N_("Holiday calendars"),
     N_("The national default and each institution's days off: add, move, remove.")),
    ("/admin/privacy-requests", N_("Objection and deletion requests"),
     N_("The requests coordinators recorded: approve (the records are purged) or reject.")),
    ("/admin/timings", N_("Programme timings"),
     N_("The due dates, reminders and escalations in force (read-only).")),
)  # fmt: skip

DAYS, MONTHS, YEARS, WORKING_DAYS, TIMES = "days", "months", "years", "working_days", "times"

# The timings of DESIGN.md §2, by stage: (setting, what it sets, its unit).
TIMINGS = (
    (N_("Intake"), (
        ("intake_age_years", N_("Intake starts at the age of"), YEARS),
        ("intake_assessment_days", N_("Intake assessment due after entering intake"), DAYS),
    )),
    (N_("Planning"), (
        ("integration_plan_days", N_("Integration plan due after the intake assessment"), DAYS),
        ("plan_approval_days", N_("Plan approval due after the plan is submitted"), DAYS),
        ("plan_rework_days", N_("A rejected plan is due again after"), DAYS),
        ("active_review_months", N_("Plan review, after the approval and then every"), MONTHS),
    )),
    (N_("Exit preparation"), (
        ("exit_preparation_age_years", N_("Exit preparation starts at the age of"), YEARS),
        ("exit_preparation_months_before_exit",
         N_("…or this long before the planned exit, if earlier"), MONTHS),
        ("exit_readiness_days",
         N_("Exit-readiness assessment due after entering exit preparation"), DAYS),
        ("checklist_days_before_exit",
         N_("Exit checklist items due before the planned exit"), DAYS),
        ("checklist_min_days_after_entry",
         N_("…but no earlier than this after entering exit preparation"), DAYS),
        ("exit_preparation_review_months", N_("Plan review during exit preparation, every"),
         MONTHS),
        ("exit_age_years", N_("The planned exit defaults to the age of"), YEARS),
        ("max_extension_age_years", N_("An extension reaches at most the age of"), YEARS),
        ("extension_decision_days", N_("Extension decision due after the request"), DAYS),
    )),
    (N_("Follow-up"), (
        ("follow_up_months", N_("Follow-up checkpoints after the exit"), MONTHS),
        ("checkpoint_missed_after_days",
         N_("A checkpoint still open this long after its due date is missed"), DAYS),
        ("misses_for_not_in_touch", N_("Missed checkpoints in a row that mark “not in touch”"),
         TIMES),
    )),
    (N_("Reminders and escalations"), (
        ("reminder_days_before", N_("Reminders before the due date (calendar days)"), DAYS),
        ("escalation_working_days",
         N_("Escalation to the coordinators, then to the supervisors, after the due date"),
         WORKING_DAYS),
        ("partner_response_working_days", N_("Partners answer a referral within"), WORKING_DAYS),
        ("document_renewal_days_before_expiry",
         N_("A document's renewal is asked for this long before it expires"), DAYS),
    )),
    (N_("Urgent incidents"), (
        ("incident_response_working_days", N_("The coordinators respond to an incident within"),
         WORKING_DAYS),
        ("runaway_decision_days",
         N_("A runaway not back after this long asks the coordinators to decide the exit"),
         DAYS),
    )),
)  # fmt: skip


@router.get("/admin")
def admin_index(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("admin.index"))],
) -> Response:
    """The administration's pages, each with what it is for."""
    return render(request, "pages/admin/index.html", {"sections": SECTIONS}, session=session)


@router.get("/admin/timings")
def timings(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("timings.view"))],
) -> Response:
    """The programme timings in force, and the calendar settings the due dates use."""
    settings = get_settings()
    values = settings.timings.model_dump()
    groups = [
        (title, [
            (label, list(v) if isinstance(v := values[name], tuple) else [v], unit)
            for name, label, unit in rows
        ])
        for title, rows in TIMINGS
    ]  # fmt: skip
    return render(
        request,
        "pages/admin/timings.html",
        {"groups": groups, "time_zone": settings.default_time_zone,
         "hijri_offset_days": settings.hijri_offset_days},
        session=session,
    )  # fmt: skip
