"""The indicators: every one with its headline, figures, breakdown and definition, for the
caller's scope (or one institution, or a region of it), a period and an exit cohort."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import GuardedRoute, SessionDep, audit, require
from api.exporting import EXPORT_RESPONSES, FormatQuery, Words, export_response
from api.indicating import build_query, indicator_json, resolve_scope
from api.indicator_tables import breakdown_names, indicators_table
from api.routes.common import IdQuery
from mowakaba.indicators import INDICATOR_KEYS
from mowakaba.labels import N_
from mowakaba.models import User
from mowakaba.schemas import IsoDate
from mowakaba.services import indicators as indicator_service

router = APIRouter(tags=["indicators"], route_class=GuardedRoute)

IndicatorKey = StrEnum("IndicatorKey", {key: key for key in INDICATOR_KEYS})  # type: ignore[misc]

CohortQuery = Annotated[int | None, Query(ge=1900, le=2100, description="year of exit")]
RegionQuery = Annotated[str | None, Query(min_length=1, max_length=100)]


class FigureOut(BaseModel):
    key: str
    unit: str = Field(description='"share" (0..1), "days" or "count"')
    numerator: int | None
    denominator: int | None
    value: float | None = Field(description="None: no data (a denominator of 0)")


class BreakdownRowOut(BaseModel):
    label: list[str] = Field(description="stable keys, one per breakdown column")
    figures: list[FigureOut]


class IndicatorOut(BaseModel):
    key: str
    definition: str = Field(description="in the caller's language")
    headline: FigureOut
    figures: list[FigureOut]
    breakdown_columns: list[str]
    breakdown: list[BreakdownRowOut]


class IndicatorsOut(BaseModel):
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    cohort: int | None
    institution_ids: list[int] | None = Field(description="None: every institution")
    indicators: list[IndicatorOut]


@router.get(
    "/indicators",
    response_model=IndicatorsOut,
    response_model_by_alias=True,
    responses=EXPORT_RESPONSES,
)
def list_indicators(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("indicators.read"))],
    institution_id: IdQuery = None,
    region: RegionQuery = None,
    from_date: Annotated[IsoDate | None, Query(alias="from")] = None,
    to_date: Annotated[IsoDate | None, Query(alias="to")] = None,
    cohort: CohortQuery = None,
    indicator: Annotated[
        IndicatorKey | None, Query(description="with `format`: export this indicator only")
    ] = None,
    format: FormatQuery = None,
) -> IndicatorsOut | Response:
    """Every indicator over the period [`from`, `to`] (the 12 months ending today by
    default; "as of" is `to`) for the institutions of the caller's scope, one of them
    (`institution_id`) or a region's (`region`); `cohort` limits the outcomes to a year of
    exit. Definitions: docs/indicators.md. With `format=csv|xlsx`: every figure (or those of
    `indicator`) as one long table, one row per figure, audited as an export."""
    scope = resolve_scope(session, user, institution_id=institution_id, region=region)
    query = build_query(scope, from_date=from_date, to_date=to_date, cohort=cohort)
    if format is not None:
        keys = [indicator.value] if indicator else list(indicator_service.INDICATOR_KEYS)
        found = [indicator_service.compute_indicator(session, key=k, query=query) for k in keys]
        words = Words.of(user)
        table = indicators_table(found, words.language, breakdown_names(session, found),
                                 title=words(N_("Indicators")))  # fmt: skip
        return export_response(request, user, table, name="indicators.read", fmt=format,
                               day=query.to_date)  # fmt: skip
    indicators = indicator_service.compute_indicators(session, query=query)
    audit(request, user, action="indicators.read", object_type="institution",
          object_id=institution_id)  # fmt: skip
    return IndicatorsOut.model_validate(
        {
            "from_date": query.from_date, "to_date": query.to_date, "cohort": cohort,
            "institution_ids": None if query.institution_ids is None
            else list(query.institution_ids),
            "indicators": [indicator_json(i, user.language) for i in indicators],
        }
    )  # fmt: skip
