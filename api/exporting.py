"""Exports of lists to CSV and XLSX, for the JSON routes and the pages alike.

One pattern everywhere: a list answers `?format=csv` or `?format=xlsx` with every row that
matches its filters (not one page), under the same policy route, scope and query as the
list itself, up to `MAX_ROWS` (beyond: `TooManyRows`, nothing exported). The caller builds
a `mowakaba.export.Table` with the columns the list shows to that role, headers and labels
in the reader's language (`Words`), and answers with `export_response`: the file as an
attachment, never stored, audited (one `export` row naming the list, its filters, format
and row count; one row per youth it holds, so that who saw a youth stays one query).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import Response

from api.deps import audit, export_filters
from mowakaba import i18n
from mowakaba.enums import Language
from mowakaba.errors import TooManyRows
from mowakaba.export import Table, to_csv, to_xlsx
from mowakaba.models import User

MAX_ROWS = 50_000  # a spreadsheet people open, not a dump: narrow the list beyond this


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The OpenAPI answer of a list that exports: its JSON page, or the file.
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            MEDIA_TYPES[ExportFormat.csv].split(";")[0]: {},
            MEDIA_TYPES[ExportFormat.xlsx]: {},
        },
        "description": "The list, or with `format` every matching row as a CSV or XLSX file.",
    }
}
FormatQuery = Annotated[
    ExportFormat | None,
    Query(description="csv or xlsx: every row matching the filters, as a file (audited)."),
]


class Words:
    """Translate headers and labels into the reader's language (the user's own)."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.gettext = i18n.translations(language).gettext

    def __call__(self, message: str) -> str:
        return self.gettext(message)

    @classmethod
    def of(cls, user: User) -> Words:
        return cls(user.language)


def check_total(total: int) -> None:
    """Refuse an export past the row limit (the list's filters narrow it)."""
    if total > MAX_ROWS:
        raise TooManyRows(
            f"{total} rows match: an export holds at most {MAX_ROWS}; narrow the filters"
        )


def file_name(name: str, fmt: ExportFormat, day: date) -> str:
    """A safe ASCII file name: `youths-2026-11-30.csv`."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "export"
    return f"{stem}-{day.isoformat()}.{fmt.value}"


def export_response(
    request: Request,
    user: User,
    table: Table,
    *,
    name: str,
    fmt: ExportFormat,
    day: date,
    youth_ids: Iterable[int | None] = (),
) -> Response:
    """The table as a CSV or XLSX attachment (no-store, nosniff), audited: one `export` row
    (object type = the list's policy route `name`; its format, filters and row count) and
    one per youth the file holds."""
    data = to_csv(table) if fmt == ExportFormat.csv else to_xlsx(table)
    detail = {"format": fmt.value, "filters": export_filters(request), "rows": len(table.rows)}
    audit(request, user, action="export", object_type=name, object_id=fmt.value, detail=detail)
    for youth_id in sorted({y for y in youth_ids if y is not None}):
        audit(request, user, action="export", object_type="youth", object_id=youth_id,
              youth_id=youth_id)  # fmt: skip
    filename = file_name(name.split(".")[0], fmt, day)
    return Response(
        content=data,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
