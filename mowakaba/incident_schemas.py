"""Inputs of urgent incidents and of the youth's agreement to SMS reminders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from mowakaba.enums import IncidentKind, Language
from mowakaba.schemas import IsoDate, MultiLine, Strict, _plausible

ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def _iso_instant(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_INSTANT.fullmatch(value):
        return value
    raise PydanticCustomError("datetime_format", "instants are ISO strings: YYYY-MM-DDTHH:MM")


def _plausible_instant(value: datetime) -> datetime:
    _plausible(value.date())
    return value


# An instant is an ISO string (a number of seconds is refused); without an offset, UTC.
IsoInstant = Annotated[datetime, BeforeValidator(_iso_instant), AfterValidator(_plausible_instant)]


class IncidentReport(Strict):
    """An incident on a youth, as a mediator or coordinator records it."""

    kind: IncidentKind
    occurred_at: IsoInstant  # not in the future
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=4000), MultiLine]  # fmt: skip


class SmsAgreement(Strict):
    """The youth's agreement to SMS reminders (or its withdrawal), with its date."""

    agreed: bool
    agreed_date: IsoDate | None = None  # default: today
    # The youth's one language (documents and SMS): given, it changes `youth.language`.
    language: Language | None = None
