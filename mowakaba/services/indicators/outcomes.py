"""Outcomes after exit, by exit cohort, at 6, 12 and 24 months: in touch, housed, in
work/training/education, health coverage, ID documents, and integrated."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col

from mowakaba.enums import CheckpointStatus
from mowakaba.indicators import (
    CHECKPOINT_TOLERANCE_DAYS,
    EET_ACTIVITIES,
    OUTCOME_MONTHS,
    STABLE_HOUSING,
    months_cutoff,
)
from mowakaba.models import FollowUp, Youth
from mowakaba.services.indicators.sql import (
    add_months,
    count_if,
    day_end,
    days_between,
    fetch,
    in_scope,
    share_figure,
)
from mowakaba.services.indicators.types import BreakdownRow, Figure, Indicator, IndicatorQuery

PARTS = ("in_touch", "housed", "eet", "health_covered", "id_documents", "integrated")
COMPLETED = (CheckpointStatus.contacted, CheckpointStatus.no_contact)


def _figures(counts: list[int]) -> tuple[Figure, ...]:
    denominator = counts[0]
    return tuple(share_figure(p, n, denominator) for p, n in zip(PARTS, counts[1:], strict=True))


def outcome_at(session: Session, query: IndicatorQuery, months: int) -> Indicator:
    """Leavers whose exit + m months <= `to` (all of them, in touch or not): the shares
    in touch, housed, EET, covered, with ID, integrated, from the m-month checkpoint or
    the nearest completed one whose due date is within 45 days of exit + m months."""
    key = next(k for k, m in OUTCOME_MONTHS.items() if m == months)
    end = day_end(query.to_date)
    leavers = sa.and_(
        in_scope(Youth.institution_id, query),
        col(Youth.exit_date).is_not(None),
        col(Youth.exit_date) <= months_cutoff(query.to_date, months),
        *(
            (
                col(Youth.exit_date) >= date(query.cohort, 1, 1),
                col(Youth.exit_date) <= date(query.cohort, 12, 31),
            )
            if query.cohort is not None
            else ()
        ),
    )
    target = add_months(session, col(Youth.exit_date), months)
    distance = sa.func.abs(days_between(session, target, col(FollowUp.due_date)))
    ranked = (
        sa.select(
            col(FollowUp.youth_id).label("youth_id"),
            col(FollowUp.status).label("status"),
            col(FollowUp.housing).label("housing"),
            col(FollowUp.activity).label("activity"),
            col(FollowUp.health_coverage).label("health_coverage"),
            col(FollowUp.id_documents).label("id_documents"),
            sa.func.row_number()
            .over(
                partition_by=col(FollowUp.youth_id),
                order_by=(
                    sa.case((col(FollowUp.months) == months, 0), else_=1),
                    distance,
                    col(FollowUp.id),
                ),
            )
            .label("rank"),
        )
        .join(Youth, col(Youth.id) == col(FollowUp.youth_id))
        .where(
            leavers,
            col(FollowUp.status).in_(COMPLETED),
            col(FollowUp.recorded_at) < end,
            (col(FollowUp.months) == months) | (distance <= CHECKPOINT_TOLERANCE_DAYS),
        )
        .subquery()
    )
    chosen = sa.select(ranked).where(ranked.c.rank == 1).subquery()
    in_touch = chosen.c.status == CheckpointStatus.contacted
    housed = chosen.c.housing.in_(STABLE_HOUSING)
    eet = chosen.c.activity.in_(EET_ACTIVITIES)
    year = sa.extract("year", col(Youth.exit_date)).label("year")
    rows = fetch(
        session,
        sa.select(
            year,
            sa.func.count(),
            count_if(in_touch),
            count_if(housed),
            count_if(eet),
            count_if(chosen.c.health_coverage.is_(True)),
            count_if(chosen.c.id_documents.is_(True)),
            count_if(sa.and_(in_touch, housed, eet)),
        )
        .select_from(Youth)
        .outerjoin(chosen, chosen.c.youth_id == col(Youth.id))
        .where(leavers)
        .group_by(year),
    )
    total = [0] * 7
    per_year: dict[int, list[int]] = defaultdict(lambda: [0] * 7)
    for y, *counts in rows:
        for i, n in enumerate(counts):
            total[i] += int(n)
            per_year[int(y)][i] += int(n)
    figures = _figures(total)
    return Indicator(
        key=key,
        headline=figures[-1],
        figures=figures[:-1],
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(
            BreakdownRow(("cohort", str(y)), _figures(c)) for y, c in sorted(per_year.items())
        ),
    )


def outcome_6m(session: Session, query: IndicatorQuery) -> Indicator:
    return outcome_at(session, query, 6)


def outcome_12m(session: Session, query: IndicatorQuery) -> Indicator:
    return outcome_at(session, query, 12)


def outcome_24m(session: Session, query: IndicatorQuery) -> Indicator:
    return outcome_at(session, query, 24)
