"""Flow runs: what coordinators monitor of the pathway runs of their institutions.

The runs are read from the Prefect API by the institutions' tags (one bounded call: a
dead or hung server costs the page a few seconds, and the page still shows what our
database knows: the youths whose change did not reach Prefect). "Run again" starts a
youth's `pathway` run. Admins see every flow's runs and a link to the Prefect UI, the
operators' tool; the youths only by their codes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep, audit, audit_shown
from api.pages.common import N_, page_guard, page_router, pages_of, paging_bases, render
from api.policy import allowed, institution_ids_in_scope
from flows import launch
from mowakaba.clock import now
from mowakaba.enums import AuditOutcome, Role
from mowakaba.errors import NotFound, Unavailable
from mowakaba.models import User, Youth
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import youths as youth_service

router = page_router()
WINDOW_DAYS = 7
PAGE_SIZE = 50  # rows per page of each list (problem runs, youths waiting)
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
YouthId = Annotated[int, Path(ge=1, le=2**31 - 1)]

STATE_LABELS = {
    "completed": N_("Completed"),
    "failed": N_("Failed"),
    "crashed": N_("Crashed"),
    "late": N_("Late"),
    "scheduled": N_("Scheduled"),
}
# A run in the list (French and Arabic agree in number with "run").
RUN_LABELS = {
    "failed": N_("Failed run"),
    "crashed": N_("Crashed run"),
    "late": N_("Late run"),
}
# After "run again": what became of it (the page shows it once, after the redirect).
OUTCOMES = {
    "started": N_("The pathway of %(youth)s will run again in a moment."),
    "flagged": N_("Prefect does not answer: the pathway of %(youth)s will run at the next sweep."),
}


def scope_of(session: SessionDep, user: User) -> tuple[int, ...] | None:
    """The institutions whose runs a user monitors (None: all; admins see every run)."""
    if user.role == Role.admin:
        return None
    return institution_ids_in_scope(session, user)


def parse_id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


@router.get("/runs")
def flow_runs(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("flow_runs.monitor"))],
    rerun: Annotated[str, Query(max_length=12)] = "",
    youth: Annotated[str, Query(max_length=12)] = "",
    problems_page: PageNumber = 1,
    waiting_page: PageNumber = 1,
) -> Response:
    """The runs of the last 7 days by state, the failed, crashed and late ones, and the
    youths waiting for reconciliation; each list a page at a time."""
    operator = user.role == Role.admin
    institutions = scope_of(session, user)
    flagged, flagged_total = reconciliation_service.flagged_youths(
        session, institution_ids=institutions, limit=PAGE_SIZE,
        offset=(waiting_page - 1) * PAGE_SIZE,
    )  # fmt: skip
    session.commit()  # no transaction stays open across a call to Prefect
    try:
        overview: launch.RunsOverview | None = launch.recent_runs(
            institution_ids=institutions, every_flow=operator, days=WINDOW_DAYS,
            limit=PAGE_SIZE, offset=(problems_page - 1) * PAGE_SIZE,
        )  # fmt: skip
    except Unavailable:
        overview = None
    problems = problem_rows(session, overview, institutions, operator=operator)
    done_youth = None
    if rerun in OUTCOMES and (chosen := parse_id(youth)) is not None:
        done_youth = youth_service.youths_among(
            session, youth_ids=[chosen], institution_ids=institutions
        ).get(chosen)
    shown = [y.id for y in flagged] + [row["youth"].id for row in problems if row["youth"]]
    audit_shown(request, user, action="flow_runs.monitor",
                youth_ids=shown + ([done_youth.id] if done_youth else []))  # fmt: skip
    # A "run again" confirmation is not kept by the paging links: it was said once.
    bases = paging_bases("/runs", {"problems_page": problems_page, "waiting_page": waiting_page})
    problems_total = overview.problems_total if overview else 0
    return render(
        request,
        "pages/runs/monitor.html",
        {
            "overview": overview, "problems": problems, "states": list(STATE_LABELS.items()),
            "run_labels": RUN_LABELS, "flagged": flagged, "flagged_total": flagged_total,
            "window_days": WINDOW_DAYS, "operator": operator,
            "may_rerun": allowed("flow_runs.rerun", user),
            "prefect_ui": launch.prefect_ui_url() if operator else None,
            "outcome": OUTCOMES[rerun] if done_youth else None, "done_youth": done_youth,
            "paging": {
                "problems": {"page": problems_page, "pages": pages_of(problems_total, PAGE_SIZE),
                             "base": bases["problems_page"], "param": "problems_page"},
                "waiting": {"page": waiting_page, "pages": pages_of(flagged_total, PAGE_SIZE),
                            "base": bases["waiting_page"], "param": "waiting_page"},
            },
        },
        session=session,
    )  # fmt: skip


def problem_rows(
    session: SessionDep,
    overview: launch.RunsOverview | None,
    institutions: tuple[int, ...] | None,
    *,
    operator: bool,
) -> list[dict[str, Any]]:
    """The failed, crashed and late runs with their youths, only those in scope (an
    operator sees runs of no youth too, like the sweep's)."""
    if overview is None:
        return []
    youths = youth_service.youths_among(
        session,
        youth_ids=[run.youth_id for run in overview.problems if run.youth_id is not None],
        institution_ids=institutions,
    )
    rows = []
    for run in overview.problems:
        youth: Youth | None = youths.get(run.youth_id) if run.youth_id is not None else None
        if youth is not None and run.name != f"pathway-{youth.code}":
            youth = None  # a run of another database's youth: ids restart, codes do not
        if youth is None and not operator and not run.name.startswith("pathway-batch-"):
            continue  # a batch run (many youths, of the reader's institutions) is shown
        rows.append({"run": run, "youth": youth})
    return rows


@router.post("/runs/rerun/{youth_id}")
def run_again(
    youth_id: YouthId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("flow_runs.rerun"))],
) -> Response:
    """Start a youth's pathway run again; clicks of the same minute start one run."""
    youth = youth_service.youths_among(session, youth_ids=[youth_id], institution_ids=None).get(
        youth_id
    )
    institutions = scope_of(session, user)
    if youth is None or (institutions is not None and youth.institution_id not in institutions):
        audit(request, user, action="flow_runs.rerun", object_type="youth", object_id=youth_id,
              youth_id=youth.id if youth else None, outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"youth {youth_id} not found")
    audit(request, user, action="flow_runs.rerun", object_type="youth", object_id=youth_id,
          youth_id=youth_id)  # fmt: skip
    session.commit()  # no transaction stays open across a call to Prefect
    # The pathway is a reconciler (running it twice does nothing twice); the key only
    # keeps a double-click from queueing two runs.
    minute = int(now().timestamp()) // 60
    run_id = launch.start_pathway_after_commit(youth_id, f"rerun:{minute}")
    outcome = "started" if run_id else "flagged"
    return RedirectResponse(f"/runs?rerun={outcome}&youth={youth_id}", status_code=303)
