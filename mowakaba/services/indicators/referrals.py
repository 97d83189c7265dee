"""Referrals sent in the period, by axis and by partner: what became of them and how
quickly partners answered (in working days, the national calendar: partners serve
regions, not institutions)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col

from mowakaba.clock import local_date
from mowakaba.enums import ReferralStatus as R
from mowakaba.models import PartnerService, Referral
from mowakaba.services import calendars as calendar_service
from mowakaba.services.indicators.sql import (
    count_figure,
    count_if,
    day_end,
    fetch,
    in_scope,
    median_figure,
    share_figure,
    zone,
)
from mowakaba.services.indicators.types import BreakdownRow, Figure, Indicator, IndicatorQuery
from mowakaba.services.referrals.lists import working_days_between

COUNTS = ("sent", "accepted", "declined", "completed", "expired", "deadline_passed")
ACCEPTED = (R.accepted, R.in_progress, R.completed, R.not_completed)


class _Tally:
    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTS, 0)
        self.days: list[int] = []
        self.in_time = 0

    def figures(self) -> tuple[Figure, ...]:
        sent = self.counts["sent"]
        # Answered in time, of those answered or whose deadline has passed by `to`.
        due = self.counts["deadline_passed"]
        return (
            count_figure("sent", sent),
            *(count_figure(k, self.counts[k], sent) for k in COUNTS[1:5]),
            median_figure("median_response_days", sorted(self.days)),
            share_figure("answered_in_time", self.in_time, due),
        )


def referrals(session: Session, query: IndicatorQuery) -> Indicator:
    """Referrals sent in P, by axis and partner: sent, accepted, declined, completed,
    expired; the median answer time in working days; the share answered by the deadline."""
    end = day_end(query.to_date)
    answered = sa.and_(col(Referral.answered_at).is_not(None), col(Referral.answered_at) < end)
    sent_in_p = sa.and_(
        in_scope(Referral.institution_id, query),
        col(Referral.sent_date) >= query.from_date,
        col(Referral.sent_date) <= query.to_date,
    )
    axis = col(PartnerService.axis)
    rows = fetch(
        session,
        sa.select(
            axis,
            col(Referral.partner_id),
            sa.func.count(),
            count_if(col(Referral.accepted_date).is_not(None) | col(Referral.status).in_(ACCEPTED)),
            count_if(col(Referral.status) == R.declined),
            count_if(col(Referral.status) == R.completed),
            count_if(col(Referral.status) == R.expired),
            count_if(answered | (col(Referral.response_due_date) < query.to_date)),
        )
        .select_from(Referral)
        .join(PartnerService, col(PartnerService.id) == col(Referral.service_id))
        .where(sent_in_p)
        .group_by(axis, col(Referral.partner_id)),
    )
    total = _Tally()
    by_axis: dict[str, _Tally] = defaultdict(_Tally)
    by_partner: dict[str, _Tally] = defaultdict(_Tally)

    def tallies(axis_value: str, partner_id: int) -> tuple[_Tally, ...]:
        return total, by_axis[f"axis:{axis_value}"], by_partner[f"partner:{partner_id}"]

    for axis_value, partner_id, *counts in rows:
        for tally in tallies(axis_value, partner_id):
            for key, n in zip(COUNTS, counts, strict=True):
                tally.counts[key] += int(n)
    # Working days need the calendar: two dates per answered referral, no more.
    answers = fetch(
        session,
        sa.select(
            axis,
            col(Referral.partner_id),
            col(Referral.sent_date),
            col(Referral.answered_at),
            col(Referral.response_due_date),
        )
        .select_from(Referral)
        .join(PartnerService, col(PartnerService.id) == col(Referral.service_id))
        .where(sent_in_p, answered),
    )
    if answers:
        first = min(r[2] for r in answers)
        calendar = calendar_service.national_calendar(
            session, years=range(first.year, query.to_date.year + 2)
        )
        for axis_value, partner_id, sent_date, answered_at, due in answers:
            on: date = local_date(answered_at, zone())
            days = working_days_between(calendar, sent_date, on)
            for tally in tallies(axis_value, partner_id):
                tally.days.append(days)
                if due is not None and on <= due:
                    tally.in_time += 1
    figures = total.figures()
    breakdown = [
        BreakdownRow(("axis", key), tally.figures()) for key, tally in sorted(by_axis.items())
    ] + [
        BreakdownRow(("partner", key), tally.figures())
        for key, tally in sorted(by_partner.items(), key=lambda kv: int(kv[0].split(":")[1]))
    ]
    return Indicator(
        key="referrals",
        headline=figures[-1],
        figures=figures[:-1],
        breakdown_columns=("dimension", "item"),
        breakdown=tuple(breakdown),
    )
