"""The indicators of issue 14, computed with SQL aggregates (docs/indicators.md).

`compute_indicator(session, key=..., query=...)` answers one indicator for a scope
(institutions), a period and optionally an exit cohort; `compute_indicators` all of them.
"""

from __future__ import annotations

from sqlmodel import Session

from mowakaba.errors import ImplausibleDates, NotFound
from mowakaba.indicators import INDICATOR_KEYS, definition
from mowakaba.services.indicators.registry import COMPUTERS
from mowakaba.services.indicators.types import (
    BreakdownRow,
    Figure,
    Indicator,
    IndicatorQuery,
)

__all__ = [
    "INDICATOR_KEYS",
    "BreakdownRow",
    "Figure",
    "Indicator",
    "IndicatorQuery",
    "compute_indicator",
    "compute_indicators",
    "definition",
]


def compute_indicator(session: Session, *, key: str, query: IndicatorQuery) -> Indicator:
    """Compute one indicator for a scope, a period and optionally an exit cohort."""
    if key not in COMPUTERS:
        raise NotFound(f"no indicator {key!r}")
    check_query(query)
    return COMPUTERS[key](session, query)


def compute_indicators(session: Session, *, query: IndicatorQuery) -> list[Indicator]:
    """Compute every indicator, in the order of INDICATOR_KEYS."""
    check_query(query)
    return [COMPUTERS[key](session, query) for key in INDICATOR_KEYS]


def check_query(query: IndicatorQuery) -> None:
    """Refuse a period that ends before it starts."""
    if query.from_date > query.to_date:
        raise ImplausibleDates(f"period from {query.from_date} is after to {query.to_date}")
