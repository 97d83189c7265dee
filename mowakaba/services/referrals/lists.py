"""Referrals, the lists: a page of them, a referral's history, the figures per partner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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
    # Plain columns, not objects: a national dashboard reads every sent referral (~50,000).
    query = sa.select(
        col(Referral.partner_id), col(Referral.status), col(Referral.sent_date),
        col(Referral.response_due_date), col(Referral.answered_at),
    ).where(col(Referral.sent_date).is_not(None))  # fmt: skip
    if institution_ids is not None:
        query = query.where(col(Referral.institution_id).in_(institution_ids))
    rows = session.connection().execute(query).all()
    if not rows:
        return []
    first = min(sent for _, _, sent, _, _ in rows if sent) or today
    calendar = calendar_service.national_calendar(session, years=range(first.year, today.year + 2))
    partners = {
        p.pk: p
        for p in session.exec(select(Partner).where(col(Partner.id).in_({row[0] for row in rows})))
    }
    zone = get_settings().default_time_zone
    # Many referrals share their sending and answering days: count each pair's days once.
    spans: dict[tuple[date, date], int] = {}
    figures: dict[int, PartnerFigures] = {}
    for partner_id, status, sent_date, response_due_date, answered_at in rows:
        partner = partners[partner_id]
        f = figures.setdefault(
            partner.pk, PartnerFigures(partner.pk, partner.name, partner.name_ar)
        )
        if status == R.sent:
            f.waiting += 1
            if response_due_date and response_due_date < today:
                f.overdue += 1
        if answered_at is not None and sent_date is not None:
            answered = local_date(answered_at, zone)
            span = (sent_date, answered)
            if span not in spans:
                spans[span] = working_days_between(calendar, sent_date, answered)
            f.answered += 1
            f.response_days.append(spans[span])
            if response_due_date and answered <= response_due_date:
                f.answered_in_time += 1
    return sorted(figures.values(), key=lambda f: (-f.overdue, -f.waiting, f.name))


def working_days_between(calendar: Any, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (an answer on day 3 took 3)."""
    count, day = 0, start
    while day < end:
        day = calendar.add_working_days(day, 1)
        if day <= end:
            count += 1
    return count
