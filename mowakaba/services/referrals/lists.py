"""Referrals, the lists: a page of them, a referral's history, the figures per partner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mowakaba.clock import local_date
from mowakaba.enums import (
    ReferralStatus,
    SharedField,
)
from mowakaba.models import (
    Partner,
    Referral,
    ReferralTransition,
)
from mowakaba.paging import fetch_page
from mowakaba.services import calendars as calendar_service
from mowakaba.settings import get_settings

R = ReferralStatus
SENSITIVE_SHARES = (SharedField.health_details, SharedField.family_details)


# ---------------------------------------------------------------- lists


def page_referrals(
    session: Session,
    *,
    youth_ids: Any = None,
    youth_id: int | None = None,
    partner_id: int | None = None,
    statuses: set[ReferralStatus] | None = None,
    overdue_on: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Referral], int]:
    """A page of referrals, newest first; `youth_ids` is a subquery of visible youths."""
    query = select(Referral)
    if youth_ids is not None:
        query = query.where(col(Referral.youth_id).in_(youth_ids))
    if youth_id is not None:
        query = query.where(Referral.youth_id == youth_id)
    if partner_id is not None:
        query = query.where(Referral.partner_id == partner_id)
    if statuses:
        query = query.where(col(Referral.status).in_(statuses))
    if overdue_on is not None:
        query = query.where(Referral.status == R.sent, col(Referral.response_due_date) < overdue_on)
    return fetch_page(
        session, query, order_by=[col(Referral.id).desc()], limit=limit, offset=offset
    )


def transitions_of(session: Session, *, referral_id: int) -> list[ReferralTransition]:
    """A referral's history, oldest first."""
    return list(
        session.exec(
            select(ReferralTransition)
            .where(ReferralTransition.referral_id == referral_id)
            .order_by(col(ReferralTransition.id))
        )
    )


@dataclass
class PartnerFigures:
    """A partner's referrals, as the coordinator's dashboard shows them."""

    partner_id: int
    name: str
    name_ar: str
    waiting: int = 0
    overdue: int = 0
    answered: int = 0
    answered_in_time: int = 0
    response_days: list[int] = field(default_factory=list)

    @property
    def median_response_days(self) -> float | None:
        return median(self.response_days) if self.response_days else None


def partner_figures(
    session: Session, *, institution_ids: list[int] | None, today: date
) -> list[PartnerFigures]:
    """Per partner, for some institutions' referrals (None: all): how many wait for an
    answer, how many are overdue, and the median answer time in working days; the partners
    with overdue referrals first."""
    # Counted in the database, not read row by row: a national dashboard covers every sent
    # referral (~50,000). The answers are grouped by (sent, due, answered) days, which many
    # referrals share: their working days are counted once per group.
    scope = [col(Referral.sent_date).is_not(None)]
    if institution_ids is not None:
        scope.append(col(Referral.institution_id).in_(institution_ids))
    sent = col(Referral.status) == R.sent
    counts = (
        session.connection()
        .execute(
            sa.select(
                col(Referral.partner_id),
                _count_if(sent),
                _count_if(sa.and_(sent, col(Referral.response_due_date) < today)),
                sa.func.min(col(Referral.sent_date)),
            )
            .where(*scope)
            .group_by(col(Referral.partner_id))
        )
        .all()
    )
    if not counts:
        return []
    zone = get_settings().default_time_zone
    answered_day = _local_day(session, col(Referral.answered_at), zone)
    answers = (
        session.connection()
        .execute(
            sa.select(
                col(Referral.partner_id),
                col(Referral.sent_date),
                col(Referral.response_due_date),
                answered_day,
                sa.func.count(),
            )
            .where(*scope, col(Referral.answered_at).is_not(None))
            .group_by(
                col(Referral.partner_id),
                col(Referral.sent_date),
                col(Referral.response_due_date),
                answered_day,
            )
        )
        .all()
    )
    first = min(day for *_, day in counts if day) or today
    calendar = calendar_service.national_calendar(session, years=range(first.year, today.year + 2))
    partners = {
        p.pk: p
        for p in session.exec(select(Partner).where(col(Partner.id).in_({r[0] for r in counts})))
    }
    figures: dict[int, PartnerFigures] = {}
    for partner_id, waiting, overdue, _ in counts:
        partner = partners[partner_id]
        figures[partner_id] = PartnerFigures(
            partner.pk, partner.name, partner.name_ar, waiting=int(waiting), overdue=int(overdue)
        )
    # PostgreSQL gives the local day; SQLite (no time zones) the instant.
    days = [
        (p, sent_day, due, day if not isinstance(day, datetime) else local_date(day, zone), n)
        for p, sent_day, due, day, n in answers
    ]
    answered_days = [day for _, _, _, day, _ in days]
    number = working_day_numbers(
        calendar, min([first, *answered_days]), max([today, *answered_days])
    )
    for partner_id, sent_date, response_due_date, answered, n in days:
        f = figures[partner_id]
        f.answered += n
        # Working days after the sending up to and including the answer (none if before).
        f.response_days.extend([max(0, number[answered] - number[sent_date])] * n)
        if response_due_date and answered <= response_due_date:
            f.answered_in_time += n
    return sorted(figures.values(), key=lambda f: (-f.overdue, -f.waiting, f.name))


def _count_if(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _local_day(session: Session, instant: Any, zone: str) -> Any:
    """SQL: an instant's local day in a zone (PostgreSQL); SQLite has no time zones: the
    instant itself, made a day in Python."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(zone, instant), sa.Date)
    return instant


def working_day_numbers(calendar: Any, start: date, end: date) -> dict[date, int]:
    """Each day from `start` to `end`, numbered by the working days up to it since `start`:
    the working days after day a up to and including day b are number[b] - number[a]."""
    numbers: dict[date, int] = {}
    count, day = 0, start
    while day <= end:
        if calendar.is_working_day(day):
            count += 1
        numbers[day] = count
        day += timedelta(days=1)
    return numbers


def working_days_between(calendar: Any, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (an answer on day 3 took 3)."""
    count, day = 0, start
    while day < end:
        day = calendar.add_working_days(day, 1)
        if day <= end:
            count += 1
    return count
