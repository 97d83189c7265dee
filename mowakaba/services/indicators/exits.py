"""Leaving care: whether the exit checklist was complete at the exit, and the exits that
came after the 18th birthday (extensions) with their reasons."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mowakaba.enums import ChecklistItem, ExtensionStatus, WorkItemKind, WorkItemStatus
from mowakaba.models import ExitExtension, WorkItem, Youth
from mowakaba.services.indicators.sql import (
    add_years,
    count_figure,
    count_if,
    fetch,
    in_scope,
    local_date,
    share_figure,
)
from mowakaba.services.indicators.types import BreakdownRow, Indicator, IndicatorQuery

READY = ("done", "not_needed")


def exits_in_period(query: IndicatorQuery) -> Any:
    """SQL: youths in scope whose exit was recorded in P (and in the cohort's year)."""
    start, end = query.from_date, query.to_date
    if query.cohort is not None:
        start, end = max(start, date(query.cohort, 1, 1)), min(end, date(query.cohort, 12, 31))
    return sa.and_(
        in_scope(Youth.institution_id, query),
        col(Youth.exit_date) >= start,
        col(Youth.exit_date) <= end,
    )


def exit_readiness(session: Session, query: IndicatorQuery) -> Indicator:
    """Exits in P: the share whose every checklist item was done or "not needed" at the
    exit date (an item never ticked, or ticked after the exit, is not); per item too."""
    ready = sa.and_(
        col(WorkItem.kind) == WorkItemKind.exit_checklist_item,
        col(WorkItem.status) == WorkItemStatus.done,
        local_date(session, col(WorkItem.completed_at)) <= col(Youth.exit_date),
        WorkItem.payload["outcome"].as_string().in_(READY),  # type: ignore[index]
    )
    # One row per leaver: for each item, whether it was ready (one scan, then a sum). The
    # subject first: "ready" (a JSON field, a local date) is then evaluated once a row.
    per_youth = (
        sa.select(
            *(
                sa.func.max(
                    sa.case((sa.and_(col(WorkItem.subject) == i.value, ready), 1), else_=0)
                ).label(i.value)
                for i in ChecklistItem
            )
        )
        .select_from(Youth)
        # Only the checklist's items (the unique (youth_id, kind, subject) index finds
        # them): a leaver has ~16 work items, 7 of them the checklist.
        .outerjoin(
            WorkItem,
            sa.and_(
                col(WorkItem.youth_id) == col(Youth.id),
                col(WorkItem.kind) == WorkItemKind.exit_checklist_item,
            ),
        )
        .where(exits_in_period(query))
        .group_by(col(Youth.id))
        .subquery()
    )
    items = [per_youth.c[i.value] for i in ChecklistItem]
    every = sa.and_(*(c == 1 for c in items))
    exits, complete, *per_item = fetch(
        session,
        sa.select(
            sa.func.count(), count_if(every), *(sa.func.coalesce(sa.func.sum(c), 0) for c in items)
        ),
    )[0]
    return Indicator(
        key="exit_readiness",
        headline=share_figure("complete", complete, exits),
        figures=(count_figure("exits", exits),),
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(
            BreakdownRow(("item", item.value), (share_figure("ready", n, exits),))
            for item, n in zip(ChecklistItem, per_item, strict=True)
        ),
    )


def extensions(session: Session, query: IndicatorQuery) -> Indicator:
    """Exits in P after the 18th birthday: how many (of all exits in P), by age at exit,
    and the approved extensions behind them by reason (as written)."""
    after_18 = col(Youth.exit_date) > add_years(session, col(Youth.date_of_birth), 18)
    age_bands = [
        (col(Youth.exit_date) >= add_years(session, col(Youth.date_of_birth), a), str(a))
        for a in (21, 20, 19)
    ]
    band = sa.case(*[(c, f"{a}+" if a == "21" else a) for c, a in age_bands], else_="18").label(
        "band"
    )
    rows = fetch(
        session,
        sa.select(band, sa.func.count())
        .select_from(Youth)
        .where(exits_in_period(query), after_18)
        .group_by(band),
    )
    exits = fetch(
        session, sa.select(sa.func.count()).select_from(Youth).where(exits_in_period(query))
    )[0][0]
    reasons = fetch(
        session,
        sa.select(col(ExitExtension.reason), sa.func.count())
        .join(Youth, col(Youth.id) == col(ExitExtension.youth_id))
        .where(
            exits_in_period(query), after_18, col(ExitExtension.status) == ExtensionStatus.approved
        )
        .group_by(col(ExitExtension.reason))
        .order_by(sa.func.count().desc(), col(ExitExtension.reason)),
    )
    extended = fetch(
        session,
        sa.select(sa.func.count(sa.distinct(col(Youth.id))))
        .join(ExitExtension, col(ExitExtension.youth_id) == col(Youth.id))
        .where(
            exits_in_period(query), after_18, col(ExitExtension.status) == ExtensionStatus.approved
        ),
    )[0][0]
    per_band = dict(rows)
    after = sum(per_band.values())
    return Indicator(
        key="extensions",
        headline=count_figure("after_18", after, exits),
        figures=(
            share_figure("share_after_18", after, exits),
            count_figure("with_approved_extension", extended, after),
        ),
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(
            [
                BreakdownRow(
                    ("age_at_exit", b), (count_figure("exits", per_band.get(b, 0), after),)
                )
                for b in ("18", "19", "20", "21+")
            ]
            + [
                BreakdownRow(("reason", reason), (count_figure("extensions", n),))
                for reason, n in reasons
            ]
        ),
    )
