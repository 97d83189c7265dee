"""Reading a register: a CSV or XLSX file becomes a header and rows of cells.

A CSV's encoding is detected (UTF-8 with or without BOM, Windows-1256 from an Arabic
Excel, Latin-1/Windows-1252) and its delimiter (`,`, `;` or tab). An XLSX file's first
sheet is read; merged cells in the data are reported as errors of the rows they cover
(Excel shows the value in the first row only: the others would be imported empty).
Row numbers are the ones the user sees in Excel (the header is usually row 1).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from mowakaba.errors import RegisterUnreadable

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 60
# An XLSX is a zip: refuse one that inflates past this (a zip bomb), before openpyxl sees it.
MAX_INFLATED = 60 * 1024 * 1024
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCODINGS = ["utf_8", "cp1256", "cp1252", "latin_1"]

Cell = str | date | None


@dataclass
class SourceRow:
    """One row of the file: its number in Excel and its cells, one per header."""

    number: int
    cells: list[Cell]
    # Column index -> the merged range (e.g. "B3:B4") that covers this cell.
    merged: dict[int, str] = field(default_factory=dict)


@dataclass
class Table:
    """A register read from a file: its headers and its non-empty rows."""

    headers: list[str]
    rows: list[SourceRow]
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


def read_register(data: bytes, *, filename: str) -> Table:
    """Read a register from the bytes of a CSV or XLSX file, or raise RegisterUnreadable."""
    name = filename.lower().rsplit("/", 1)[-1]
    if not data:
        raise RegisterUnreadable("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        raise RegisterUnreadable("too_large", f"the file is over {MAX_BYTES // 1024 // 1024} MB")
    if data.startswith(_OLE) or name.endswith(".xls"):
        raise RegisterUnreadable(
            "xls", "an old Excel file (.xls): save it as .xlsx or .csv and try again"
        )
    if data.startswith(_ZIP):
        if not name.endswith((".xlsx", ".xlsm")):
            raise RegisterUnreadable("format", "a spreadsheet under another name: use .xlsx")
        return _read_xlsx(data)
    if name.endswith((".csv", ".txt", ".tsv")):
        return _read_csv(data)
    raise RegisterUnreadable("format", "only .csv and .xlsx files can be imported")


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise RegisterUnreadable("encoding", "not a text file (a binary file or UTF-16)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_ENCODINGS).best()
    if best is None:
        raise RegisterUnreadable("encoding", "the file's encoding is not recognised: save as UTF-8")
    return str(best), best.encoding


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    delimiter = _delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise RegisterUnreadable("format", f"the CSV cannot be read: {exc}") from exc
    headers, rows, _ = _split(
        [(number, list[Cell](record)) for number, record in enumerate(records, start=1)]
    )
    return Table(headers, rows, "csv", encoding=encoding, delimiter=delimiter)


def _cell(value: object) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_INFLATED:
                raise RegisterUnreadable("too_large", "the spreadsheet is too large once opened")
    except zipfile.BadZipFile as exc:
        raise RegisterUnreadable("format", "the .xlsx file is damaged") from exc
    from openpyxl import load_workbook

    try:
        # Not read-only: merged ranges are only known to a fully loaded sheet (5 MB at most).
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise RegisterUnreadable("format", "the .xlsx file cannot be opened") from exc
    sheet = book.worksheets[0]
    merged: dict[tuple[int, int], str] = {}
    for cells in sheet.merged_cells.ranges:
        for row in range(cells.min_row, cells.max_row + 1):
            for column in range(cells.min_col, cells.max_col + 1):
                merged[(row, column - 1)] = cells.coord
    records: list[tuple[int, list[Cell]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        records.append((number, [_cell(v) for v in values[:MAX_COLUMNS]]))
        if len(records) > MAX_ROWS + 50:
            break
    book.close()
    headers, rows, header_number = _split(records)
    if any(number == header_number for number, _ in merged):
        raise RegisterUnreadable("merged_header", "the header row has merged cells: unmerge them")
    for source in rows:
        source.merged = {c: coord for (r, c), coord in merged.items() if r == source.number}
    return Table(headers, rows, "xlsx")


def _empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _split(
    records: list[tuple[int, list[Cell]]],
) -> tuple[list[str], list[SourceRow], int]:
    """The header (the first row with two filled cells), the non-empty rows below it, and
    the header's row number."""
    start = next(
        (i for i, (_, cells) in enumerate(records) if sum(not _empty(c) for c in cells) >= 2),
        None,
    )
    if start is None:
        raise RegisterUnreadable("no_header", "no header row: the first row names the columns")
    raw = records[start][1][:MAX_COLUMNS]
    width = max(i + 1 for i, c in enumerate(raw) if not _empty(c))
    headers = [str(c).strip() if not _empty(c) else "" for c in raw[:width]]
    headers = [h or f"#{i + 1}" for i, h in enumerate(headers)]
    rows = []
    for number, cells in records[start + 1 :]:
        cells = (cells + [None] * width)[:width]
        if all(_empty(c) for c in cells):
            continue
        rows.append(SourceRow(number, cells))
    if not rows:
        raise RegisterUnreadable("no_rows", "the file has a header but no rows")
    if len(rows) > MAX_ROWS:
        raise RegisterUnreadable("too_many_rows", f"over {MAX_ROWS} rows: split the file")
    return headers, rows, records[start][0]
