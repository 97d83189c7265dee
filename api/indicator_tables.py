"""The indicators as one table for a spreadsheet, the same from the JSON API and the page.

One row per figure: the indicator, the breakdown it belongs to ("Overall" for the
indicator's own figures), the breakdown's item in words, the figure, its value (a share in
percent, a median in days, a count), its unit, n and N. A long table rather than one
sheet per indicator: it filters and pivots in any spreadsheet (docs/indicators.md).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.indicator_labels import TITLES, dimension_label, figure_label, value_label
from mowakaba.enums import Language
from mowakaba.export import Table, Value
from mowakaba.labels import N_, translate
from mowakaba.models import Institution, Partner, User
from mowakaba.services.indicators import Figure, Indicator

UNITS = {"share": N_("%"), "days": N_("days"), "count": N_("count")}


def breakdown_names(session: Session, indicators: list[Indicator]) -> dict[str, str]:
    """The names behind the breakdowns' "institution:<id>", "mediator:<id>" and
    "partner:<id>" items (three queries at most)."""
    wanted: dict[str, set[int]] = {"institution": set(), "mediator": set(), "partner": set()}
    for indicator in indicators:
        for row in indicator.breakdown:
            for part in row.label:
                kind, _, number = part.partition(":")
                if kind in wanted and number.isdigit():
                    wanted[kind].add(int(number))
    names: dict[str, str] = {}
    for kind, model, attribute in (("institution", Institution, "name"),
                                   ("mediator", User, "display_name"),
                                   ("partner", Partner, "name")):  # fmt: skip
        if wanted[kind]:
            rows = session.exec(select(model).where(col(model.id).in_(wanted[kind])))
            names.update({f"{kind}:{r.id}": getattr(r, attribute) or f"#{r.id}" for r in rows})
    return names


def figure_value(figure: Figure) -> Value:
    """A figure's value as a spreadsheet number: a share in percent (one decimal), a
    median in days (one decimal), a count; None (an empty cell) when there is no data."""
    if figure.value is None:
        return None
    if figure.unit == "share":
        return round(figure.value * 100, 1)
    if figure.unit == "days":
        return round(figure.value, 1)
    return int(figure.value) if float(figure.value).is_integer() else figure.value


def indicators_table(
    indicators: list[Indicator], language: Language, names: dict[str, str], *, title: str
) -> Table:
    """Every figure of the indicators, their breakdowns' included, one row each."""
    words = (N_("Indicator"), N_("Breakdown"), N_("Item"), N_("Figure"), N_("Value"),
             N_("Unit"), "n", "N")  # fmt: skip
    overall = translate(N_("Overall"), language)
    rows: list[list[Value]] = []

    def row(name: str, dimension: str, item: str, figure: Figure) -> list[Value]:
        return [name, dimension, item, figure_label(figure.key, language), figure_value(figure),
                translate(UNITS.get(figure.unit, figure.unit), language), figure.numerator,
                figure.denominator]  # fmt: skip

    for indicator in indicators:
        name = (
            translate(TITLES[indicator.key], language)
            if indicator.key in TITLES
            else (indicator.key)
        )
        others = [f for f in indicator.figures if f.key != indicator.headline.key]
        for figure in (indicator.headline, *others):
            rows.append(row(name, overall, "", figure))
        for breakdown in indicator.breakdown:
            dimension, item = (breakdown.label + ("", ""))[:2]
            shown = names.get(item) or value_label(dimension, item, language)
            for figure in breakdown.figures:
                rows.append(row(name, dimension_label(dimension, language), shown, figure))
    return Table(
        title=title,
        headers=[translate(w, language) if w not in ("n", "N") else w for w in words],
        rows=rows,
        rtl=language == Language.ar,
    )
