"""Which function computes which indicator."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from mowakaba.services.indicators.types import Indicator, IndicatorQuery

Computer = Callable[[Session, IndicatorQuery], Indicator]

COMPUTERS: dict[str, Computer] = {}
