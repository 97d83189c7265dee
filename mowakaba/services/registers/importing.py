"""Checking and importing a register: every row through the one registration path.

Each row becomes a `YouthRegistration` (the schema of a single registration) and goes
through `youths.register_youth` (its rules: names in their script, plausible dates, the
mediator of the institution, the exit age) inside a savepoint. A check rolls every
savepoint back; an import keeps the valid rows' and, when the caller did not choose the
valid rows only, refuses the whole file if one row failed. The edge commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from mowakaba.enums import Role
from mowakaba.errors import (
    ExtensionRequired,
    ExtensionTooLate,
    ImplausibleDates,
    InvalidMediator,
    InvalidName,
    MowakabaError,
    RegisterHasErrors,
    RegisterMapping,
)
from mowakaba.labels import N_
from mowakaba.models import User, UserInstitution, Youth
from mowakaba.schemas import YouthRegistration
from mowakaba.services import youths as youth_service
from mowakaba.services.registers import fields as F
from mowakaba.services.registers.reading import Cell, SourceRow, Table
from mowakaba.text import normalise

# A cell that a spreadsheet would run as a formula (`=`, `+`, `@`): refused, never stored.
_FORMULA = ("=", "+", "@")


@dataclass
class RowError:
    """An error of a row, as the user finds it: Excel row number, column header, message."""

    row: int
    column: str
    message: str  # English, marked N_: the pages translate it
    params: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # the rule's own words (English, with dates), for the CLI and the API


@dataclass
class CheckedRow:
    number: int
    values: dict[str, str]  # field -> the cell as written, for the preview
    status: str = "valid"  # valid, invalid, registered (already), imported
    youth_id: int | None = None


@dataclass
class RegisterReport:
    """What a check or an import found, row by row."""

    rows: list[CheckedRow]
    errors: list[RowError]
    imported: list[int] = field(default_factory=list)  # youth ids, in row order

    def count(self, status: str) -> int:
        """How many rows have this status."""
        return sum(row.status == status for row in self.rows)

    @property
    def clean(self) -> bool:
        """No row has an error."""
        return not self.errors


def check_mapping(table: Table, mapping: list[str | None]) -> dict[str, int]:
    """The column of each mapped field; raise RegisterMapping when the mapping cannot work."""
    if len(mapping) != len(table.headers):
        raise RegisterMapping(f"the mapping names {len(mapping)} columns, the file has "
                              f"{len(table.headers)}")  # fmt: skip
    columns: dict[str, int] = {}
    for index, name in enumerate(mapping):
        if name is None:
            continue
        if name not in F.FIELDS:
            raise RegisterMapping(f"unknown field {name!r}")
        if name in columns:
            raise RegisterMapping(f"{name}: mapped to two columns")
        columns[name] = index
    missing = [name for name in F.REQUIRED if name not in columns]
    latin = {"first_name", "last_name"} <= columns.keys()
    arabic = {"first_name_ar", "last_name_ar"} <= columns.keys()
    if not (latin or arabic):
        missing.append("first_name, last_name (or first_name_ar, last_name_ar)")
    if missing:
        raise RegisterMapping("no column for: " + ", ".join(missing))
    return columns


def cell_text(cell: Cell) -> str:
    """A cell as text: a date as dd/mm/yyyy, as the register writes it."""
    if cell is None:
        return ""
    return cell.strftime("%d/%m/%Y") if isinstance(cell, date) else str(cell).strip()


def _mediators(session: Session, institution_id: int) -> dict[str, int]:
    """The institution's active mediators by folded user name and display name."""
    users = session.exec(
        select(User)
        .join(UserInstitution, col(UserInstitution.user_id) == col(User.id))
        .where(
            UserInstitution.institution_id == institution_id,
            User.role == Role.mediator,
            col(User.is_active).is_(True),
        )
    )
    found: dict[str, int] = {}
    for user in users:
        for name in (user.username, user.display_name):
            if name:
                found.setdefault(normalise(name), user.pk)
    return found


def _identity(values: dict[str, Any]) -> list[tuple[str, ...]]:
    """The keys that tell one youth from another: names in a script + date of birth."""
    born = values["date_of_birth"].isoformat()
    keys: list[tuple[str, ...]] = []
    for first, last in (("first_name", "last_name"), ("first_name_ar", "last_name_ar")):
        if values.get(first) and values.get(last):
            keys.append((first, normalise(values[first]), normalise(values[last]), born))
    return keys


def _registered(session: Session, institution_id: int, born: set[date]) -> dict[tuple, int]:
    """The identity keys of the institution's youths born on these days."""
    found: dict[tuple, int] = {}
    if not born:
        return found
    query = select(Youth).where(
        Youth.institution_id == institution_id, col(Youth.date_of_birth).in_(sorted(born))
    )
    for youth in session.exec(query):
        values = {name: getattr(youth, name) for name in F.NAME_FIELDS}
        for key in _identity({**values, "date_of_birth": youth.date_of_birth}):
            found[key] = youth.pk
    return found


# Which column a rule's error is about.
_RULE_COLUMNS: dict[type[MowakabaError], tuple[tuple[str, ...], str]] = {
    InvalidName: (F.NAME_FIELDS, N_("Names: a first and last name, each in its own script.")),
    InvalidMediator: (("mediator",), N_("Not an active mediator of this institution.")),
    ImplausibleDates: (
        ("admission_date", "planned_exit_date", "date_of_birth"),
        N_("These dates cannot all be true (birth, admission, planned exit, today)."),
    ),
    ExtensionRequired: (
        ("planned_exit_date", "date_of_birth"),
        N_("Past the exit age: give a planned exit date (an approved extension)."),
    ),
    ExtensionTooLate: (
        ("planned_exit_date", "date_of_birth"),
        N_("The planned exit is past the maximum age of care."),
    ),
}


class _Row:
    """One source row read into field values, collecting its errors."""

    def __init__(self, source: SourceRow, table: Table, columns: dict[str, int]) -> None:
        self.source, self.table, self.columns = source, table, columns
        self.errors: list[RowError] = []
        self.values: dict[str, Any] = {}

    def header(self, name: str) -> str:
        return self.table.headers[self.columns[name]] if name in self.columns else ""

    def first_header(self, names: tuple[str, ...]) -> str:
        return next((self.header(n) for n in names if n in self.columns), "")

    def error(self, name: str, message: str, detail: str = "", **params: Any) -> None:
        self.errors.append(RowError(self.source.number, self.header(name), message, params, detail))

    def raw(self, name: str) -> Cell:
        return self.source.cells[self.columns[name]] if name in self.columns else None


def _read_row(row: _Row, mediators: dict[str, int]) -> None:
    for name, index in row.columns.items():
        cell = row.source.cells[index]
        text = cell_text(cell)
        if index in row.source.merged:
            row.error(name, N_("Merged cells (%(range)s): unmerge them and fill every row."),
                      range=row.source.merged[index])  # fmt: skip
            continue
        if text.startswith(_FORMULA):
            row.error(name, N_("A formula, not a value: type the value itself."))
            continue
        if not text:
            if name in F.REQUIRED:
                row.error(name, N_("Required: this cell is empty."))
            continue
        try:
            if name in F.DATE_FIELDS:
                row.values[name] = F.parse_date(cell)
            elif name == "sex":
                row.values[name] = F.parse_sex(text)
            elif name == "education_level":
                row.values[name] = F.parse_education(text)
            elif name == "vocational_level":
                row.values[name] = F.parse_vocational(text)
            elif name == "mediator":
                row.values["mediator_id"] = mediators.get(normalise(text))
                if row.values["mediator_id"] is None:
                    row.error(name, N_("No active mediator of this institution has this name."))
            else:
                row.values[name] = F.western_digits(text) if name == "code" else text
        except F.BadValue as exc:
            row.error(name, str(exc.args[0]))


def _registration(row: _Row, institution_id: int) -> YouthRegistration | None:
    data = {k: v for k, v in row.values.items() if k in YouthRegistration.model_fields}
    try:
        return YouthRegistration.model_validate({**data, "institution_id": institution_id})
    except ValidationError as exc:
        for problem in exc.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            name = "mediator" if name == "mediator_id" else name
            message = N_("Not accepted: %(reason)s")
            if problem["type"] == "string_too_long":
                message = N_("Too long: at most %(max)s characters.")
            row.error(name, message, problem["msg"], reason=problem["msg"],
                      max=(problem.get("ctx") or {}).get("max_length", ""))  # fmt: skip
        return None


def _preview(row: _Row) -> dict[str, str]:
    return {name: cell_text(row.raw(name)) for name in row.columns}


def run_register(
    session: Session,
    *,
    table: Table,
    mapping: list[str | None],
    institution_id: int,
    actor: User | None = None,
    import_rows: bool = False,
    valid_only: bool = False,
    as_of: datetime | None = None,
) -> RegisterReport:
    """Check every row of a register; with `import_rows`, register the valid ones.

    Importing a register with errors raises RegisterHasErrors unless `valid_only`:
    the caller's transaction then holds nothing of it (roll it back).
    """
    columns = check_mapping(table, mapping)
    mediators = _mediators(session, institution_id)
    rows = [_Row(source, table, columns) for source in table.rows]
    for row in rows:
        _read_row(row, mediators)
    born = {row.values["date_of_birth"] for row in rows if "date_of_birth" in row.values}
    known = _registered(session, institution_id, born)
    seen: dict[tuple, int] = {}
    report = RegisterReport(rows=[], errors=[])
    for row in rows:
        checked = CheckedRow(row.source.number, _preview(row))
        report.rows.append(checked)
        keys = _identity(row.values) if "date_of_birth" in row.values else []
        code = row.values.get("code")
        existing = session.exec(
            select(Youth.id).where(Youth.code == code, Youth.institution_id == institution_id)
        ).first() if code else None  # fmt: skip
        existing = existing or next((known[k] for k in keys if k in known), None)
        if existing is not None:
            # Already in Mowakaba (a second import of the same file): skipped, not an error.
            checked.status, checked.youth_id = "registered", existing
            continue
        twin = next((seen[k] for k in keys if k in seen), None)
        for key in keys:
            seen.setdefault(key, row.source.number)
        if twin is not None:
            name = "first_name" if "first_name" in columns else "first_name_ar"
            row.error(name, N_("Same young person as row %(row)s (names and date of birth)."),
                      row=twin)  # fmt: skip
        if not row.errors and (data := _registration(row, institution_id)) is not None:
            _attempt(session, row, data, checked, actor, keep=import_rows, as_of=as_of)
        if row.errors:
            checked.status = "invalid"
            report.errors.extend(row.errors)
    if import_rows:
        if report.errors and not valid_only:
            raise RegisterHasErrors(
                f"{len(report.errors)} errors in the register: nothing imported"
            )
        report.imported = [r.youth_id for r in report.rows if r.status == "imported" and r.youth_id]
    return report


def _attempt(
    session: Session,
    row: _Row,
    data: YouthRegistration,
    checked: CheckedRow,
    actor: User | None,
    *,
    keep: bool,
    as_of: datetime | None,
) -> None:
    """Register the row's youth in a savepoint: kept for an import, rolled back for a check."""
    savepoint = session.begin_nested()
    try:
        youth, _ = youth_service.register_youth(session, data=data, actor=actor, as_of=as_of)
    except MowakabaError as exc:
        savepoint.rollback()
        names, message = _RULE_COLUMNS.get(type(exc), (("",), N_("Refused: %(reason)s")))
        column = row.first_header(names)
        row.errors.append(RowError(row.source.number, column, message, {"reason": exc.message},
                                   exc.message))  # fmt: skip
        return
    if keep:
        savepoint.commit()
        checked.status, checked.youth_id = "imported", youth.pk
    else:
        savepoint.rollback()
