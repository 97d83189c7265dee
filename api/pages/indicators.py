"""The indicators page: each indicator of the caller's scope (one institution, a region, or
all they see) over a period and an exit cohort, as a headline with n/N and its definition,
its trend from the nightly snapshots and the breakdown behind it; every chart is a small
server-side SVG with its table next to it (docs/pages.md, docs/indicators.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from babel.numbers import format_percent
from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep, audit
from api.exporting import FormatQuery, export_response
from api.indicating import (
    IndicatorScope,
    build_query,
    default_period,
    definition_of,
    institutions_in_scope,
    resolve_scope,
)
from api.indicator_labels import (
    NO_DATA,
    TITLES,
    dimension_label,
    figure_label,
    value_label,
)
from api.indicator_tables import breakdown_names, indicators_table
from api.pages.common import N_, page_guard, page_router, render
from api.templating import request_language
from mowakaba import i18n
from mowakaba.enums import Language, Role
from mowakaba.errors import InvalidPeriod, NotFound
from mowakaba.labels import translate
from mowakaba.models import User
from mowakaba.services import indicator_snapshots as snapshot_service
from mowakaba.services import indicators as indicator_service
from mowakaba.services.indicators import Figure, Indicator

router = page_router()
Cell = str | int | float | None
Table = tuple[list[str], list[list[Cell]]]  # a header and rows of plain values
Text = Annotated[str, Query(max_length=40)]

ERRORS = {
    "date": N_("Enter a date as YYYY-MM-DD, between 1900 and 2100."),
    "period": N_("The period must start before it ends."),
    "cohort": N_("Choose a year of exit from the list."),
    "scope": N_("Choose an institution or a region from the list."),
}

# The trend chart's drawing box (SVG user units; the chart scales to its container).
WIDTH, HEIGHT, PAD = 600, 160, 28


def display(figure: Figure, language: Language) -> str:
    """A figure's value in words for the page: 45 %, 12 days, 30; "No data" when None."""
    if figure.value is None:
        return translate(NO_DATA, language)
    if figure.unit == "share":
        return format_percent(figure.value, locale=i18n.LOCALES[language])
    number = i18n.format_number(round(figure.value, 1), language)
    if figure.unit == "days":
        return i18n.translations(language).ngettext(
            "%(num)s day", "%(num)s days", int(round(figure.value))
        ) % {"num": number}
    return number


def plain(figure: Figure) -> Cell:
    """A figure's value as a plain number: a share in percent (one decimal), else as is."""
    if figure.value is None:
        return None
    if figure.unit == "share":
        return round(figure.value * 100, 1)
    return round(figure.value, 1)


def ratio(figure: Figure) -> str | None:
    """`n/N` of a share (None for a count or a median)."""
    if figure.unit != "share" or figure.numerator is None or figure.denominator is None:
        return None
    return f"{figure.numerator}/{figure.denominator}"


def figure_header(figure: Figure, language: Language) -> list[str]:
    label = figure_label(figure.key, language)
    if figure.unit == "share":
        return [f"{label} (%)", f"{label} (n/N)"]
    if figure.unit == "days":
        return [f"{label} ({translate(N_('days'), language)})"]
    return [label]


def figure_cells(figure: Figure) -> list[Cell]:
    if figure.unit == "share":
        return [plain(figure), ratio(figure)]
    return [plain(figure)]


def dimensions(indicator: Indicator) -> list[str]:
    """The dimensions of an indicator's breakdown (by kind, by mediator...), in order."""
    return list(dict.fromkeys(row.label[0] for row in indicator.breakdown if row.label))


def indicator_table_rows(
    indicator: Indicator,
    language: Language,
    *,
    dimension: str | None = None,
    names: Mapping[str, str] | None = None,
) -> Table:
    """The breakdown of an indicator (one dimension of it, or all) as a header and rows of
    plain values: translated labels, shares in percent and `n/N`, None for no data, ""
    where a figure does not apply to a row. The page's tables and, reused, their CSV /
    XLSX export. `names`: "institution:3", "mediator:5", "partner:2" in words
    (`breakdown_names`)."""
    names = names or {}
    rows_in = [r for r in indicator.breakdown if dimension is None or r.label[:1] == (dimension,)]
    units: dict[str, Figure] = {}
    for row in rows_in:
        for figure in row.figures:
            units.setdefault(figure.key, figure)
    header = (
        [dimension_label(dimension, language)] if dimension is not None
        else [translate(N_("Breakdown"), language), translate(N_("Item"), language)]
    )  # fmt: skip
    for figure in units.values():
        header += figure_header(figure, language)
    rows: list[list[Cell]] = []
    for row in rows_in:
        dim, item = (row.label + ("", ""))[:2]
        cells: list[Cell] = [] if dimension is not None else [dimension_label(dim, language)]
        cells.append(names.get(item) or value_label(dim, item, language))
        present = {f.key: f for f in row.figures}
        for key, figure in units.items():
            found = present.get(key)
            width = len(figure_cells(figure))
            cells += figure_cells(found) if found else [""] * width
        rows.append(cells)
    return header, rows


def figure_table_rows(indicator: Indicator, language: Language) -> Table:
    """The headline and the other figures of an indicator: figure, value in words (45 %,
    12 days), n and N ("" where a figure has no denominator)."""
    header = [translate(N_("Figure"), language), translate(N_("Value"), language), "n", "N"]
    rows: list[list[Cell]] = []
    others = [f for f in indicator.figures if f.key != indicator.headline.key]
    for figure in (indicator.headline, *others):
        rows.append([figure_label(figure.key, language), display(figure, language),
                     "" if figure.numerator is None else figure.numerator,
                     "" if figure.denominator is None else figure.denominator])  # fmt: skip
    return header, rows


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    day: date
    text: str


def trend_chart(points: list[snapshot_service.TrendPoint], unit: str, language: Language,
                *, start: date, end: date) -> dict[str, Any]:  # fmt: skip
    """The geometry of a trend's line chart: time runs with the reading direction (right
    to left in Arabic), values from 0 up; each point with its value in words."""
    rtl = i18n.direction(language) == "rtl"
    # The axis starts at the first snapshot when they began after the period did.
    start = max([start, *(p.day for p in points[:1])])
    drawn = [p for p in points if p.value is not None]
    top = 1.0 if unit == "share" else max([p.value or 0 for p in drawn] + [1.0]) * 1.1
    span = max((end - start).days, 1)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def figure(p: snapshot_service.TrendPoint) -> Figure:
        return Figure(key="", numerator=p.numerator, denominator=p.denominator,
                      value=p.value, unit=unit)  # fmt: skip

    marks = []
    for p in drawn:
        fraction = min(max((p.day - start).days / span, 0.0), 1.0)
        x = PAD + (1 - fraction if rtl else fraction) * inner_w
        y = PAD + inner_h * (1 - (p.value or 0) / top)
        marks.append(ChartPoint(round(x, 1), round(y, 1), p.day, display(figure(p), language)))
    top_label = (
        format_percent(1, locale=i18n.LOCALES[language]) if unit == "share"
        else i18n.format_number(round(top), language)
    )  # fmt: skip
    return {
        "width": WIDTH, "height": HEIGHT, "pad": PAD, "rtl": rtl,
        "line": " ".join(f"{m.x},{m.y}" for m in sorted(marks, key=lambda m: m.x)),
        "marks": marks, "top_label": top_label,
        "start_x": WIDTH - PAD if rtl else PAD, "end_x": PAD if rtl else WIDTH - PAD,
        "start": start,
        # The table view: every snapshot day, its value in words and n/N.
        "table": [[i18n.format_date(p.day, language), display(figure(p), language),
                   ratio(figure(p))] for p in points],
    }  # fmt: skip


# The bar chart's drawing box: a row per share, its label above its bar and value.
BAR_ROW, BAR_LENGTH, BAR_WIDTH = 42, 320, 420


def bars(indicator: Indicator, language: Language) -> dict[str, Any] | None:
    """The shares among an indicator's headline and figures, as labelled bars that start
    where the reading does (the right in Arabic); None when it has fewer than two."""
    rtl = i18n.direction(language) == "rtl"
    others = [f for f in indicator.figures if f.key != indicator.headline.key]
    shares = [f for f in (indicator.headline, *others) if f.unit == "share"]
    if len(shares) < 2:
        return None
    start = BAR_WIDTH if rtl else 0  # where a line of text and a bar begin
    rows = []
    for n, figure in enumerate(shares):
        length = round((figure.value or 0) * BAR_LENGTH, 1)
        rows.append({
            "label": figure_label(figure.key, language), "text": display(figure, language),
            "ratio": ratio(figure), "y": n * BAR_ROW, "start": start,
            "track_x": BAR_WIDTH - BAR_LENGTH if rtl else 0,
            "bar_x": BAR_WIDTH - length if rtl else 0, "length": length,
            "value_x": BAR_WIDTH - BAR_LENGTH - 8 if rtl else BAR_LENGTH + 8,
        })  # fmt: skip
    return {"width": BAR_WIDTH, "height": len(rows) * BAR_ROW, "bar": BAR_LENGTH, "rows": rows}


def scope_options(session: Session, user: User, language: Language) -> list[tuple[str, str]]:
    """The choices of "Institution": all of the caller's scope, each region (admins and
    supervisors), each institution."""
    institutions = institutions_in_scope(session, user)
    everything = (
        N_("National (every institution)") if user.role == Role.admin
        or (user.role == Role.supervisor and user.region is None)
        else N_("All my institutions")
    )  # fmt: skip
    options = [("", translate(everything, language))]
    if user.role in (Role.admin, Role.supervisor):
        for region in sorted({i.region for i in institutions}):
            options.append((f"region:{region}", translate(N_("Region: %(region)s"), language)
                            % {"region": region}))  # fmt: skip
    options += [(f"institution:{i.pk}", i.name) for i in institutions]
    return options


def parse_date(value: str) -> date | None:
    day = date.fromisoformat(value)  # ValueError: the caller reports it
    if not 1900 <= day.year <= 2100:
        raise ValueError(value)
    return day


@router.get("/indicators")
def indicators_page(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("indicators.read"))],
    scope: Text = "",
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    cohort: Annotated[str, Query(max_length=4)] = "",
    only: Annotated[str, Query(alias="indicator", max_length=40)] = "",
    format: FormatQuery = None,
) -> Response:
    """Every indicator of the chosen scope, period and cohort; a filter it cannot use comes
    back with its error next to it (422), a scope not the caller's is the 404 page."""
    language = request_language(request)
    options = scope_options(session, user, language)
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name, value in (("from", from_), ("to", to)):
        try:
            dates[name] = parse_date(value.strip()) if value.strip() else None
        except ValueError:
            errors[name] = ERRORS["date"]
    year = None
    if cohort.strip():
        if cohort.strip().isdigit() and 1900 <= int(cohort) <= 2100:
            year = int(cohort)
        else:
            errors["cohort"] = ERRORS["cohort"]
    if only and only not in indicator_service.INDICATOR_KEYS:
        raise NotFound(f"indicator {only!r} not found")
    if scope and not scope.startswith(("region:", "institution:")):
        errors["scope"] = ERRORS["scope"]
    chosen: IndicatorScope | None = None
    if "scope" not in errors:
        kind, _, key = scope.partition(":")
        if kind == "institution" and not (key.isdigit() and 0 < int(key) < 2**31):
            raise NotFound(f"institution {key!r} not found")
        chosen = resolve_scope(
            session, user,
            institution_id=int(key) if kind == "institution" else None,
            region=key if kind == "region" else None,
        )  # fmt: skip
    query = None
    if chosen is not None and not errors:
        try:
            query = build_query(chosen, from_date=dates.get("from"), to_date=dates.get("to"),
                                cohort=year)  # fmt: skip
        except InvalidPeriod:
            errors["from"] = ERRORS["period"]
    sections = []
    export_query = {k: v for k, v in (("scope", scope), ("from", from_), ("to", to),
                                      ("cohort", cohort)) if v}  # fmt: skip
    if query is not None and format is not None:
        chosen_keys = [only] if only else list(indicator_service.INDICATOR_KEYS)
        found = [indicator_service.compute_indicator(session, key=k, query=query)
                 for k in chosen_keys]  # fmt: skip
        table = indicators_table(found, language, breakdown_names(session, found),
                                 title=translate(N_("Indicators"), language))  # fmt: skip
        return export_response(request, user, table, name="indicators.read", fmt=format,
                               day=query.to_date)  # fmt: skip
    if query is not None:
        indicators = indicator_service.compute_indicators(session, query=query)
        names = breakdown_names(session, indicators)
        for indicator in indicators:
            key = snapshot_service.stored_key(indicator, indicator.headline)
            points = snapshot_service.trend(
                session, institution_ids=query.institution_ids, figure_key=key,
                since=query.from_date, until=query.to_date,
            )  # fmt: skip
            tables = []
            for dimension in dimensions(indicator):
                header, rows = indicator_table_rows(
                    indicator, language, dimension=dimension, names=names
                )
                tables.append({"dimension": dimension, "header": header, "rows": rows,
                               "title": dimension_label(dimension, language)})  # fmt: skip
            figures_header, figures_rows = figure_table_rows(indicator, language)
            sections.append({
                "key": indicator.key,
                "export_query": {**export_query, "indicator": indicator.key},
                "title": translate(TITLES[indicator.key], language)
                if indicator.key in TITLES else indicator.key,
                "definition": definition_of(indicator.key, language),
                "headline": display(indicator.headline, language),
                "headline_label": figure_label(indicator.headline.key, language),
                "ratio": ratio(indicator.headline),
                "no_data": indicator.headline.value is None,
                "trend": trend_chart(points, indicator.headline.unit, language,
                                     start=query.from_date, end=query.to_date),
                "bars": bars(indicator, language),
                "figures": {"header": figures_header, "rows": figures_rows},
                "tables": tables,
            })  # fmt: skip
    audit(request, user, action="indicators.read", object_type="institution",
          object_id=chosen.institution_id if chosen else None)  # fmt: skip
    years = list(range(default_period()[1].year, 2009, -1))
    return render(
        request,
        "pages/indicators/indicators.html",
        {
            "sections": sections, "errors": errors, "options": options,
            "export_query": export_query,
            "years": years, "query": query,
            "form": {"scope": scope, "from": from_, "to": to, "cohort": cohort},
            "no_data": NO_DATA,
            "format_cell": lambda cell: (
                translate(NO_DATA, language) if cell is None
                else i18n.format_number(cell, language) if isinstance(cell, int | float)
                else cell
            ),
        },
        session=session,
        status=422 if errors else 200,
    )  # fmt: skip
