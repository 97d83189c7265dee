"""Who is due to leave, and whether the pathway's first steps happen: the cohort profile,
intake coverage and delay, plan coverage, plan reviews on time."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mowakaba.enums import PlanStatus, Stage, WorkItemKind, WorkItemStatus
from mowakaba.indicators import AGE_BANDS, age_cutoff
from mowakaba.models import Plan, WorkItem, Youth
from mowakaba.rules import add_months
from mowakaba.services.indicators.sql import (
    add_years,
    count_figure,
    count_if,
    day_end,
    day_start,
    days_between,
    fetch,
    in_scope,
    later_of,
    local_date,
    median_figure,
    share_figure,
)
from mowakaba.services.indicators.types import BreakdownRow, Indicator, IndicatorQuery

IN_CARE = (Stage.enrolled, Stage.intake, Stage.planning, Stage.active, Stage.exit_preparation)
PAST_PLANNING = (Stage.active, Stage.exit_preparation)


def _age_band_sql(query: IndicatorQuery) -> Any:
    """SQL: a youth's age band at `to`, from cut-off dates of birth (no date arithmetic)."""
    to = query.to_date
    whens = [(col(Youth.date_of_birth) <= age_cutoff(to, 21), "21+")]
    whens += [(col(Youth.date_of_birth) <= age_cutoff(to, a), str(a)) for a in (20, 19, 18, 17, 16)]
    return sa.case(*whens, else_="<16")


def cohort_profile(session: Session, query: IndicatorQuery) -> Indicator:
    """Youths due to leave: counts by age band, education, vocational level and sex."""
    band = _age_band_sql(query).label("band")
    due_to_leave = sa.or_(
        col(Youth.stage) == Stage.exit_preparation,
        col(Youth.planned_exit_date) <= add_months(query.to_date, 12),
    )
    rows = fetch(
        session,
        sa.select(
            band,
            col(Youth.education_level),
            col(Youth.vocational_level),
            col(Youth.sex),
            sa.func.count(),
        )
        .where(
            in_scope(Youth.institution_id, query),
            col(Youth.stage).in_(IN_CARE),
            col(Youth.registered_date) <= query.to_date,
            due_to_leave,
        )
        .group_by(band, col(Youth.education_level), col(Youth.vocational_level), col(Youth.sex)),
    )
    counts: dict[str, Counter[str]] = {
        d: Counter() for d in ("age_band", "education_level", "vocational_level", "sex")
    }
    for age, education, vocational, sex, n in rows:
        counts["age_band"][age] += n
        counts["education_level"][education.value] += n
        counts["vocational_level"][vocational.value] += n
        counts["sex"][sex.value] += n
    total = sum(counts["sex"].values())
    older = counts["age_band"]["20"] + counts["age_band"]["21+"]
    orders = {"age_band": AGE_BANDS}
    breakdown = []
    for dimension, counter in counts.items():
        keys = orders.get(dimension) or sorted(counter)
        for key in keys:
            breakdown.append(
                BreakdownRow(
                    (dimension, key),
                    (
                        count_figure("count", counter[key], total),
                        share_figure("share", counter[key], total),
                    ),
                )
            )
    return Indicator(
        key="cohort_profile",
        headline=share_figure("older_than_19", older, total),
        figures=(count_figure("youths", total),),
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(breakdown),
    )


def _by_institution(rows: list[Any], key: str) -> tuple[BreakdownRow, ...]:
    return tuple(
        BreakdownRow(("institution", f"institution:{institution_id}"), (share_figure(key, n, d),))
        for institution_id, d, n in sorted(rows, key=lambda r: r[0])
    )


def intake_coverage(session: Session, query: IndicatorQuery) -> Indicator:
    """Youths aged 15+ registered 30 days before `to`: the share with a completed intake."""
    done = (
        sa.select(col(WorkItem.id))
        .where(
            col(WorkItem.youth_id) == Youth.id,
            col(WorkItem.kind) == WorkItemKind.intake_assessment,
            col(WorkItem.status) == WorkItemStatus.done,
            col(WorkItem.completed_at) < day_end(query.to_date),
        )
        .exists()
    )
    rows = fetch(
        session,
        sa.select(col(Youth.institution_id), sa.func.count(), count_if(done))
        .where(
            in_scope(Youth.institution_id, query),
            col(Youth.date_of_birth) <= age_cutoff(query.to_date, 15),
            col(Youth.registered_date) <= query.to_date - timedelta(days=30),
        )
        .group_by(col(Youth.institution_id)),
    )
    return Indicator(
        key="intake_coverage",
        headline=share_figure("with_intake", sum(r[2] for r in rows), sum(r[1] for r in rows)),
        figures=(),
        breakdown_columns=("dimension", "item"),
        breakdown=_by_institution(list(rows), "with_intake"),
    )


def intake_delay_median(session: Session, query: IndicatorQuery) -> Indicator:
    """Intakes completed in P: the median days from max(14th birthday, registration) on."""
    start = later_of(add_years(session, col(Youth.date_of_birth), 14), col(Youth.registered_date))
    delay = days_between(session, start, local_date(session, col(WorkItem.completed_at)))
    delay = delay.label("delay")
    rows = fetch(
        session,
        sa.select(col(Youth.institution_id), delay)
        .select_from(WorkItem)
        .join(Youth, col(Youth.id) == col(WorkItem.youth_id))
        .where(
            in_scope(Youth.institution_id, query),
            col(WorkItem.kind) == WorkItemKind.intake_assessment,
            col(WorkItem.status) == WorkItemStatus.done,
            col(WorkItem.completed_at) >= day_start(query.from_date),
            col(WorkItem.completed_at) < day_end(query.to_date),
        )
        .order_by(delay),
    )
    per_institution: dict[int, list[int]] = {}
    for institution_id, days in rows:
        per_institution.setdefault(institution_id, []).append(int(days))
    return Indicator(
        key="intake_delay_median",
        headline=median_figure("median_days", [int(d) for _, d in rows]),
        figures=(),
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(
            BreakdownRow(("institution", f"institution:{i}"), (median_figure("median_days", d),))
            for i, d in sorted(per_institution.items())
        ),
    )


def plan_coverage(session: Session, query: IndicatorQuery) -> Indicator:
    """Youths past planning (active, exit preparation): the share with an approved plan."""
    approved = (
        sa.select(col(Plan.id))
        .where(
            col(Plan.youth_id) == Youth.id,
            # A superseded version was approved before a newer one replaced it.
            col(Plan.status).in_((PlanStatus.approved, PlanStatus.superseded)),
            col(Plan.decided_at) < day_end(query.to_date),
        )
        .exists()
    )
    rows = fetch(
        session,
        sa.select(col(Youth.institution_id), sa.func.count(), count_if(approved))
        .where(in_scope(Youth.institution_id, query), col(Youth.stage).in_(PAST_PLANNING))
        .group_by(col(Youth.institution_id)),
    )
    return Indicator(
        key="plan_coverage",
        headline=share_figure(
            "with_approved_plan", sum(r[2] for r in rows), sum(r[1] for r in rows)
        ),
        figures=(),
        breakdown_columns=("dimension", "item"),
        breakdown=_by_institution(list(rows), "with_approved_plan"),
    )


def reviews_on_time(session: Session, query: IndicatorQuery) -> Indicator:
    """Plan reviews due in P (not cancelled): the share completed on or before the due day."""
    on_time = sa.and_(
        col(WorkItem.status) == WorkItemStatus.done,
        local_date(session, col(WorkItem.completed_at)) <= col(WorkItem.due_date),
    )
    rows = fetch(
        session,
        sa.select(col(WorkItem.institution_id), sa.func.count(), count_if(on_time))
        .where(
            in_scope(WorkItem.institution_id, query),
            col(WorkItem.kind) == WorkItemKind.plan_review,
            col(WorkItem.status) != WorkItemStatus.cancelled,
            col(WorkItem.due_date) >= query.from_date,
            col(WorkItem.due_date) <= query.to_date,
        )
        .group_by(col(WorkItem.institution_id)),
    )
    return Indicator(
        key="reviews_on_time",
        headline=share_figure("on_time", sum(r[2] for r in rows), sum(r[1] for r in rows)),
        figures=(),
        breakdown_columns=("dimension", "item"),
        breakdown=_by_institution(list(rows), "on_time"),
    )
