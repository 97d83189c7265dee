"""What an indicator answers: figures (numerator, denominator, value) and breakdown rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class IndicatorQuery:
    """Which youths and which period an indicator is computed over."""

    institution_ids: tuple[int, ...] | None  # None = every institution (admin, national)
    from_date: date
    to_date: date  # "as of"
    # Exit year: limits the outcome indicators (and exit readiness, extensions) to it.
    cohort: int | None = None


@dataclass(frozen=True)
class Figure:
    """One number: a share in 0..1, a number of days (medians) or a count; None = no data."""

    key: str
    numerator: int | None
    denominator: int | None
    value: float | None
    unit: str  # "share" | "days" | "count"


@dataclass(frozen=True)
class BreakdownRow:
    """One row of the breakdown behind an indicator: stable keys, translated by the page."""

    label: tuple[str, ...]
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Indicator:
    """An indicator's headline figure, its other parts and its breakdown."""

    key: str
    headline: Figure
    figures: tuple[Figure, ...]
    breakdown_columns: tuple[str, ...]
    breakdown: tuple[BreakdownRow, ...]
