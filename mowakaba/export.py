"""Tables to spreadsheets: CSV (UTF-8 with a BOM, CRLF, as Excel reads Arabic) and XLSX.

A `Table` is a title, translated column headers and rows of plain values (str, int, float,
date, datetime, bool, None); the caller has already chosen what the reader may see and put
labels into words. `to_csv` and `to_xlsx` turn it into bytes. Text that a spreadsheet would
run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return, also after
spaces) is neutralised: prefixed with `'` in CSV, a plain string cell in XLSX. Numbers stay
numbers, a negative one included.

    table = Table(title="Youths", headers=["Code", "Born"], rows=[["Y-1", date(2010, 1, 2)]])
    to_csv(table)   # b"\\xef\\xbb\\xbfCode,Born\\r\\nY-1,2010-01-02\\r\\n"
    to_xlsx(table)  # a workbook: bold frozen header, a real date cell
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

Value = str | int | float | date | datetime | bool | None

# A spreadsheet reads a cell beginning with one of these as a formula (or a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60  # characters: a long note does not make a column wider than the screen
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet's name
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Table:
    """A title, column headers and rows of plain values, ready to be written out."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Value]] = field(default_factory=list)
    rtl: bool = False  # the sheet reads right to left (the reader's language is Arabic)


def is_formula_like(text: str) -> bool:
    """Tell whether a spreadsheet could read a text as a formula."""
    return text.lstrip(" ").startswith(FORMULA_STARTS)


def neutralise(value: Value) -> Value:
    """Prefix formula-like text with `'` so that no spreadsheet runs it; the rest as it is."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_text(value: Value) -> str:
    """One CSV cell: dates in ISO 8601, booleans TRUE/FALSE, None empty, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return str(neutralise(value))
    return str(value)


def to_csv(table: Table) -> bytes:
    """Write a table as CSV: UTF-8 with a BOM (Excel then shows Arabic), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([csv_text(v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def xlsx_value(value: Value) -> Value:
    """One XLSX cell value: an aware datetime becomes its naive wall time (Excel has no zones)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def display_width(value: Value) -> int:
    """About how many characters a value takes on screen."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return len(str(value))


def sheet_title(title: str) -> str:
    """A title Excel accepts as a sheet name."""
    cleaned = title.translate(SHEET_TITLE_FORBIDDEN).strip().strip("'")
    return cleaned[:SHEET_TITLE_MAX] or "Sheet"


def to_xlsx(table: Table) -> bytes:
    """Write a table as an XLSX workbook: a bold, frozen header row, real date cells, column
    widths to fit, right to left when `table.rtl`; formula-like text stays a string cell."""
    from openpyxl import Workbook  # a heavy import, only when a workbook is written
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = sheet_title(table.title)
    sheet.sheet_view.rightToLeft = table.rtl
    bold = Font(bold=True)
    widths = [len(h) for h in table.headers]
    for column, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=1, column=column)
        write_cell(cell, header)
        cell.font = bold
    for row_no, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_no, column=column)
            write_cell(cell, xlsx_value(value))
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            if column <= len(widths):
                widths[column - 1] = max(widths[column - 1], display_width(value))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_cell(cell, value: Value) -> None:  # type: ignore[no-untyped-def]  # openpyxl's Cell
    """Put a value in a cell; text is always a string cell, never a formula."""
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("", value)  # XML 1.0 cannot hold them
    cell.value = value
    if isinstance(value, str):
        # openpyxl reads a text beginning with "=" as a formula: say it is a string, and
        # mark it quote-prefixed so that editing it in Excel keeps it text.
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
