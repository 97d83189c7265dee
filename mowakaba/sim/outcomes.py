"""The simulated cohort's outcome indicators, computed by the same services as the pages'
(mowakaba/services/indicators): at 6, 12 and 24 months after exit, as n/N."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from mowakaba.services import indicators as indicator_service

OUTCOME_KEYS = ("outcome_6m", "outcome_12m", "outcome_24m")
PARTS = ("in_touch", "housed", "eet", "health_covered", "id_documents", "integrated")
HEADINGS = ("in touch", "housed", "EET", "health", "ID", "integrated")


def outcome_indicators(
    session: Session, *, first_day: date, as_of: date
) -> dict[str, dict[str, list[int | None]]]:
    """Every institution's outcomes as of a day: indicator -> part -> [n, N]."""
    query = indicator_service.IndicatorQuery(None, first_day, as_of)
    table: dict[str, dict[str, list[int | None]]] = {}
    for key in OUTCOME_KEYS:
        indicator = indicator_service.compute_indicator(session, key=key, query=query)
        figures = {f.key: f for f in (*indicator.figures, indicator.headline)}
        table[key] = {p: [figures[p].numerator, figures[p].denominator] for p in PARTS}
    return table


def format_outcomes(table: dict[str, dict[str, list[int | None]]], as_of: date) -> list[str]:
    """The outcome indicators as lines of text (integrated = in touch, housed and EET)."""
    if not table:
        return []
    lines = [f"Outcome indicators as of {as_of} (all leavers, not in touch included):"]
    lines.append(f"{'':<12}" + "".join(f"{h:>12}" for h in HEADINGS))
    for key in OUTCOME_KEYS:
        months = key.removeprefix("outcome_").removesuffix("m")
        cells = "".join(f"{f'{n}/{d}':>12}" for n, d in table[key].values())
        lines.append(f"{months + ' months':<12}{cells}")
    lines.append("  integrated = in touch, stably housed, and in work, training or education")
    return lines
