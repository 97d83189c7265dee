"""Whether the work happens on time: timeliness per kind and per assignee, and the
escalations still waiting for a coordinator, by age in working days."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mowakaba.enums import WorkItemStatus
from mowakaba.indicators import ESCALATION_AGE_BANDS, working_day_thresholds
from mowakaba.models import Escalation, WorkItem
from mowakaba.services import calendars as calendar_service
from mowakaba.services.indicators.sql import (
    count_figure,
    count_if,
    day_end,
    day_start,
    fetch,
    in_scope,
    local_date,
    share_figure,
)
from mowakaba.services.indicators.types import BreakdownRow, Figure, Indicator, IndicatorQuery

TIMELINESS_PARTS = ("on_time", "late", "open_overdue", "escalated_l1", "escalated_l2")


def _timeliness_figures(counts: list[int]) -> tuple[Figure, ...]:
    due = counts[0]
    return tuple(
        share_figure(part, n, due) for part, n in zip(TIMELINESS_PARTS, counts[1:], strict=True)
    )


def timeliness(session: Session, query: IndicatorQuery) -> Indicator:
    """Work items due in P (not cancelled), as of the end of `to`: done on time, done late,
    not done (overdue), escalated to level 1 and to level 2; per kind and per assignee."""
    end = day_end(query.to_date)
    levels = (
        sa.select(
            col(Escalation.work_item_id).label("work_item_id"),
            sa.func.max(col(Escalation.level)).label("level"),
        )
        .where(col(Escalation.raised_at) < end)
        .group_by(col(Escalation.work_item_id))
        .subquery()
    )
    done_by_to = sa.and_(
        col(WorkItem.status) == WorkItemStatus.done, col(WorkItem.completed_at) < end
    )
    completed_on = local_date(session, col(WorkItem.completed_at))
    level = sa.func.coalesce(levels.c.level, 0)
    # Grouped by expressions, not bare columns: an index sorted by kind or assignee
    # must not tempt SQLite (no statistics) away from the due-date range.
    grouped = tuple(
        sa.cast(c, sa.String)
        for c in (col(WorkItem.kind), col(WorkItem.assignee_id), col(WorkItem.assignee_pool))
    )
    counted = ("due", "on_time", "late", "not_done", "level_1", "level_2")
    per_pair = (
        sa.select(
            *(g.label(name) for g, name in zip(grouped, ("kind", "assignee", "pool"), strict=True)),
            sa.func.count().label(counted[0]),
            count_if(sa.and_(done_by_to, completed_on <= col(WorkItem.due_date))).label(counted[1]),
            count_if(sa.and_(done_by_to, completed_on > col(WorkItem.due_date))).label(counted[2]),
            count_if(sa.not_(done_by_to)).label(counted[3]),
            count_if(level >= 1).label(counted[4]),
            count_if(level >= 2).label(counted[5]),
        )
        .outerjoin(levels, levels.c.work_item_id == col(WorkItem.id))
        .where(
            in_scope(WorkItem.institution_id, query),
            col(WorkItem.status) != WorkItemStatus.cancelled,
            col(WorkItem.due_date) >= query.from_date,
            col(WorkItem.due_date) <= query.to_date,
        )
        .group_by(*grouped)
        .cte("per_pair")
    )
    # Summed per kind and per assignee in the database too: a national period has tens of
    # thousands of (kind, assignee) pairs, a few thousand assignees.
    sums = [sa.func.sum(per_pair.c[name]) for name in counted]
    none = sa.null().cast(sa.String)
    rows = fetch(
        session,
        sa.union_all(
            sa.select(per_pair.c.kind, none, none, *sums).group_by(per_pair.c.kind),
            sa.select(none, per_pair.c.assignee, per_pair.c.pool, *sums).group_by(
                per_pair.c.assignee, per_pair.c.pool
            ),
        ),
    )
    total = [0] * 6
    by_kind: dict[str, list[int]] = {}
    by_assignee: dict[str, list[int]] = {}
    for kind, assignee_id, pool, *counts in rows:
        numbers = [int(n) for n in counts]
        if kind is not None:
            by_kind[kind] = numbers
            total = [t + n for t, n in zip(total, numbers, strict=True)]
        else:
            who = f"mediator:{assignee_id}" if assignee_id is not None else f"pool:{pool}"
            by_assignee[who] = numbers
    figures = _timeliness_figures(total)
    breakdown = [
        BreakdownRow(("kind", kind), (count_figure("due", c[0]), *_timeliness_figures(c)))
        for kind, c in sorted(by_kind.items())
    ] + [
        BreakdownRow(("mediator", who), (count_figure("due", c[0]), *_timeliness_figures(c)))
        for who, c in sorted(by_assignee.items())
    ]
    return Indicator(
        key="timeliness",
        headline=figures[0],
        figures=(count_figure("due", total[0]), *figures),
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(breakdown),
    )


def escalations_open(session: Session, query: IndicatorQuery) -> Indicator:
    """Escalations raised by the end of `to` and neither acknowledged nor closed by then,
    by age in working days (the national calendar)."""
    end = day_end(query.to_date)
    calendar = calendar_service.national_calendar(
        session, years=range(query.to_date.year - 1, query.to_date.year + 1)
    )
    # Raised on day r, an escalation is at most k working days old when r >= T[k].
    uppers = [high for _, _, high in ESCALATION_AGE_BANDS if high is not None]
    thresholds = working_day_thresholds(query.to_date, uppers, calendar.is_working_day)
    whens: list[Any] = [
        (col(Escalation.raised_at) >= day_start(thresholds[high]), label)
        for label, _, high in ESCALATION_AGE_BANDS
        if high is not None
    ]
    band = sa.case(*whens, else_=ESCALATION_AGE_BANDS[-1][0]).label("band")
    rows = fetch(
        session,
        sa.select(band, col(Escalation.level), sa.func.count())
        .join(WorkItem, col(WorkItem.id) == col(Escalation.work_item_id))
        .where(
            in_scope(WorkItem.institution_id, query),
            col(Escalation.raised_at) < end,
            sa.or_(
                col(Escalation.acknowledged_at).is_(None), col(Escalation.acknowledged_at) >= end
            ),
            sa.or_(col(Escalation.closed_at).is_(None), col(Escalation.closed_at) >= end),
        )
        .group_by(band, col(Escalation.level)),
    )
    per_band: dict[str, int] = defaultdict(int)
    per_level: dict[int, int] = defaultdict(int)
    for label, level, n in rows:
        per_band[label] += int(n)
        per_level[int(level)] += int(n)
    total = sum(per_band.values())
    return Indicator(
        key="escalations_open",
        headline=count_figure("open", total),
        figures=(
            count_figure("level_1", per_level[1], total),
            count_figure("level_2", per_level[2], total),
        ),
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(
            BreakdownRow(("age_band", label), (count_figure("open", per_band[label], total),))
            for label, _, _ in ESCALATION_AGE_BANDS
        ),
    )
