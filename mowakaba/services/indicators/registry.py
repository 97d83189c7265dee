"""Which function computes which indicator."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from mowakaba.services.indicators import coverage, exits, outcomes, referrals, work
from mowakaba.services.indicators.types import Indicator, IndicatorQuery

Computer = Callable[[Session, IndicatorQuery], Indicator]

COMPUTERS: dict[str, Computer] = {
    "cohort_profile": coverage.cohort_profile,
    "intake_coverage": coverage.intake_coverage,
    "intake_delay_median": coverage.intake_delay_median,
    "plan_coverage": coverage.plan_coverage,
    "reviews_on_time": coverage.reviews_on_time,
    "timeliness": work.timeliness,
    "escalations_open": work.escalations_open,
    "referrals": referrals.referrals,
    "exit_readiness": exits.exit_readiness,
    "extensions": exits.extensions,
    "outcome_6m": outcomes.outcome_6m,
    "outcome_12m": outcomes.outcome_12m,
    "outcome_24m": outcomes.outcome_24m,
}
