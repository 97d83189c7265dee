"""The indicators at an edge, the same for the JSON API and the page: which institutions a
caller's question covers (their scope, one institution, a region), the period asked, and
an indicator as plain JSON (mowakaba/services/indicators/, docs/indicators.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from api.policy import institution_ids_in_scope
from mowakaba import clock
from mowakaba.enums import Language, Role
from mowakaba.errors import InvalidPeriod, NotFound
from mowakaba.i18n import translations
from mowakaba.indicators import INTEGRATED_DEFINITION, OUTCOME_MONTHS, definition
from mowakaba.models import Institution, User
from mowakaba.rules import add_months
from mowakaba.services.indicators import Figure, Indicator, IndicatorQuery
from mowakaba.settings import get_settings

# The period shown when none is asked: the 12 months ending today.
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class IndicatorScope:
    """The institutions a question covers (None: every institution, the nation), and how
    it was asked: one institution, a region, or the caller's whole scope."""

    institution_ids: tuple[int, ...] | None
    institution_id: int | None = None
    region: str | None = None


def scope_ids(session: Session, user: User) -> tuple[int, ...] | None:
    """The institutions whose indicators a user reads (None: all): admins everything,
    supervisors their region (or the nation), coordinators their institutions."""
    if user.role == Role.admin:
        return None
    return institution_ids_in_scope(session, user)


def institutions_in_scope(session: Session, user: User) -> list[Institution]:
    """The institutions a user may choose among, by region then name."""
    ids = scope_ids(session, user)
    query = select(Institution).order_by(col(Institution.region), col(Institution.name))
    if ids is not None:
        query = query.where(col(Institution.id).in_(ids))
    return list(session.exec(query))


def resolve_scope(
    session: Session, user: User, *, institution_id: int | None, region: str | None
) -> IndicatorScope:
    """The institutions asked for, within the caller's scope: one institution, the
    institutions of a region, or all the caller sees. Outside the scope: not found."""
    ids = scope_ids(session, user)
    if institution_id is not None:
        if ids is not None and institution_id not in ids:
            raise NotFound(f"institution {institution_id} not found")
        if session.get(Institution, institution_id) is None:
            raise NotFound(f"institution {institution_id} not found")
        return IndicatorScope((institution_id,), institution_id=institution_id)
    if region:
        query = select(Institution.id).where(Institution.region == region)
        if ids is not None:
            query = query.where(col(Institution.id).in_(ids))
        found = tuple(i for i in session.exec(query) if i is not None)
        if not found:
            raise NotFound(f"region {region!r} not found")
        return IndicatorScope(found, region=region)
    return IndicatorScope(ids)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The 12 months ending today (the institutions' local day), both days included."""
    end = today or clock.local_date(clock.now(), get_settings().default_time_zone)
    return add_months(end, -DEFAULT_MONTHS) + timedelta(days=1), end


def build_query(
    scope: IndicatorScope, *, from_date: date | None, to_date: date | None, cohort: int | None
) -> IndicatorQuery:
    """The question for the services: the period asked (the last 12 months by default)."""
    start, end = default_period(to_date)
    start = from_date or start
    if start > end:
        raise InvalidPeriod(f"the period starts ({start}) after it ends ({end})")
    return IndicatorQuery(
        institution_ids=scope.institution_ids, from_date=start, to_date=end, cohort=cohort
    )


def definition_of(key: str, language: Language) -> str:
    """An indicator's definition in a language; the outcomes' says what "integrated" is."""
    gettext = translations(language).gettext
    text = gettext(definition(key))
    if key in OUTCOME_MONTHS:
        text = f"{text} {gettext(INTEGRATED_DEFINITION)}"
    return text


def figure_json(figure: Figure) -> dict[str, Any]:
    return {
        "key": figure.key, "unit": figure.unit, "numerator": figure.numerator,
        "denominator": figure.denominator, "value": figure.value,
    }  # fmt: skip


def indicator_json(indicator: Indicator, language: Language) -> dict[str, Any]:
    """An indicator as JSON: headline, figures, breakdown and definition."""
    return {
        "key": indicator.key,
        "definition": definition_of(indicator.key, language),
        "headline": figure_json(indicator.headline),
        "figures": [figure_json(f) for f in indicator.figures],
        "breakdown_columns": list(indicator.breakdown_columns),
        "breakdown": [
            {"label": list(row.label), "figures": [figure_json(f) for f in row.figures]}
            for row in indicator.breakdown
        ],
    }
