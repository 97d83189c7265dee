"""The `mowakaba` command: the composition root, which may import everything."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, TypeVar

import typer

from mowakaba import clock
from mowakaba import migrate as migrations
from mowakaba.calendar import WorkingCalendar
from mowakaba.db import get_engine, session_scope
from mowakaba.enums import HolidayKind
from mowakaba.errors import InvalidInput, MowakabaError
from mowakaba.pathway import Rules
from mowakaba.schedule import format_schedule, nominal_schedule, what_comes_next
from mowakaba.services import calendars as calendar_service
from mowakaba.services import institutions as institution_service
from mowakaba.settings import get_settings

app = typer.Typer(
    help="Mowakaba: the pathway of young people leaving residential care.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The database: migrations and checks.", no_args_is_help=True)
institutions_app = typer.Typer(help="Care institutions.", no_args_is_help=True)
holidays_app = typer.Typer(help="An institution's holiday calendar.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(institutions_app, name="institutions")
app.add_typer(holidays_app, name="holidays")

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    """Print a one-line error and return the exit to raise (status 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@contextmanager
def errors_as_exit() -> Iterator[None]:
    """Turn a broken rule into a one-line error and exit status 2 (nothing was committed)."""
    try:
        yield
    except MowakabaError as exc:
        raise fail(f"{exc.message} [{exc.code}]") from None
    except ValueError as exc:
        raise fail(str(exc)) from None


def parse_date(value: str | None, name: str) -> date | None:
    """Parse a YYYY-MM-DD option, or fail with a clear message."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def require_date(value: str, name: str) -> date:
    """Parse a required YYYY-MM-DD option."""
    parsed = parse_date(value, name)
    assert parsed is not None
    return parsed


def national_rules(years: range) -> Rules:
    """Return the rules over the national default calendar for some years."""
    settings = get_settings()
    calendar = WorkingCalendar.national(years, hijri_offset_days=settings.hijri_offset_days)
    return Rules(timings=settings.timings, calendar=calendar)


def require_migrated() -> None:
    """Fail clearly when the database is not at the code's schema."""
    engine = get_engine()
    if not migrations.is_current(engine):
        url = engine.url.render_as_string(hide_password=True)
        raise fail(f"the database ({url}) is not migrated: run `mowakaba db upgrade`")


def in_session(work: Callable[..., T]) -> T:
    """Run work in one transaction, errors as exit status 2."""
    require_migrated()
    with errors_as_exit(), session_scope() as session:
        return work(session)


# ---------------------------------------------------------------- schedule


@app.command()
def schedule(
    born: Annotated[str, typer.Option(help="Date of birth, YYYY-MM-DD.")],
    registered: Annotated[
        str | None, typer.Option(help="Registration date (default: today).")
    ] = None,
    planned_exit: Annotated[
        str | None, typer.Option(help="Planned exit (default: the 18th birthday).")
    ] = None,
    exited: Annotated[
        str | None, typer.Option(help="Registering after leaving care: the exit date.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print a youth's nominal schedule: every stage and work item, all done on time."""
    settings = get_settings()
    born_date = require_date(born, "--born")
    registered_date = parse_date(registered, "--registered") or clock.local_date(
        clock.now(), settings.default_time_zone
    )
    rules = national_rules(range(registered_date.year - 1, born_date.year + 26))
    with errors_as_exit():
        entries = nominal_schedule(
            rules,
            date_of_birth=born_date,
            registered=registered_date,
            planned_exit=parse_date(planned_exit, "--planned-exit"),
            exit_date=parse_date(exited, "--exited"),
        )
    if as_json:
        typer.echo(json.dumps([e.to_json() for e in entries], indent=2))
        return
    typer.echo(
        f"Nominal schedule: born {born_date}, registered {registered_date} "
        "(every work item done on its due date; national default holidays)\n"
    )
    typer.echo(format_schedule(entries))
    upcoming = what_comes_next(entries, registered_date)[:3]
    if upcoming:
        typer.echo("\nWhat comes next:")
        for entry in upcoming:
            assert entry.kind is not None
            typer.echo(f"  {entry.date}  {entry.kind.value.replace('_', ' ')}")


# ---------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations (creates the SQLite file under MOWAKABA_HOME if needed)."""
    engine = get_engine()
    before = migrations.current(engine)
    migrations.upgrade(engine, revision)
    after = migrations.current(engine)
    typer.echo(f"database at {after} (was {before or 'empty'})")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to a revision ('base' empties the database)."""
    migrations.downgrade(get_engine(), revision)
    typer.echo(f"database at {migrations.current(get_engine()) or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and where it lives."""
    engine = get_engine()
    typer.echo(f"{engine.url.render_as_string(hide_password=True)}: {migrations.current(engine)}")


@db_app.command("check")
def db_check() -> None:
    """Exit 1 if the models and the migrations disagree."""
    diffs = migrations.differences(get_engine())
    if diffs:
        for diff in diffs:
            typer.echo(str(diff))
        raise typer.Exit(code=1)
    typer.echo("models and migrations agree")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Autogenerate a migration from the models (the database must be at head)."""
    migrations.revision(get_engine(), message)


# ---------------------------------------------------------------- institutions and holidays


@institutions_app.command("add")
def institutions_add(
    name: Annotated[str, typer.Option()],
    region: Annotated[str, typer.Option()],
    time_zone: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Register an institution; its calendar is seeded from the national default."""

    def work(session):  # type: ignore[no-untyped-def]
        institution = institution_service.create_institution(
            session, name=name, region=region, time_zone=time_zone
        )
        year = clock.local_date(clock.now(), institution.time_zone).year
        for y in (year, year + 1):
            calendar_service.seed_calendar_year(session, institution_id=institution.id, year=y)
        return institution

    institution = in_session(work)
    typer.echo(f"institution {institution.id}: {institution.name} ({institution.region})")


@institutions_app.command("list")
def institutions_list() -> None:
    """List the institutions."""
    for i in in_session(institution_service.list_institutions):
        typer.echo(f"{i.id:>4}  {i.name}  [{i.region}, {i.time_zone}]")


@holidays_app.command("list")
def holidays_list(
    institution_id: Annotated[int, typer.Option("--institution-id")],
    year: Annotated[int, typer.Option()],
) -> None:
    """List an institution's holidays of a year (seeded from the national default)."""
    holidays = in_session(
        lambda s: calendar_service.list_holidays(s, institution_id=institution_id, year=year)
    )
    for h in holidays:
        typer.echo(f"{h.holiday_date}  {h.holiday_date:%a}  {h.name}  [{h.kind.value}]")


@holidays_app.command("add")
def holidays_add(
    institution_id: Annotated[int, typer.Option("--institution-id")],
    day: Annotated[str, typer.Option("--date")],
    name: Annotated[str, typer.Option()],
) -> None:
    """Add a day off to an institution's calendar."""
    when = require_date(day, "--date")
    holiday = in_session(
        lambda s: calendar_service.add_holiday(
            s, institution_id=institution_id, day=when, name=name, kind=HolidayKind.local
        )
    )
    typer.echo(f"added {holiday.holiday_date} {holiday.name}")


@holidays_app.command("remove")
def holidays_remove(
    institution_id: Annotated[int, typer.Option("--institution-id")],
    day: Annotated[str, typer.Option("--date")],
) -> None:
    """Make a holiday a working day again."""
    when = require_date(day, "--date")
    in_session(
        lambda s: calendar_service.remove_holiday(s, institution_id=institution_id, day=when)
    )
    typer.echo(f"removed {when}")


@holidays_app.command("move")
def holidays_move(
    institution_id: Annotated[int, typer.Option("--institution-id")],
    day: Annotated[str, typer.Option("--date")],
    to: Annotated[str, typer.Option("--to")],
) -> None:
    """Move a holiday (a religious day fixed by moon sighting)."""
    source, target = require_date(day, "--date"), require_date(to, "--to")
    holiday = in_session(
        lambda s: calendar_service.move_holiday(
            s, institution_id=institution_id, day=source, to=target
        )
    )
    typer.echo(f"moved {holiday.name} from {source} to {holiday.holiday_date}")


# ---------------------------------------------------------------- demo


@app.command()
def demo() -> None:
    """Show what Mowakaba does: a 14-year-old's pathway, registered today."""
    settings = get_settings()
    today = clock.local_date(clock.now(), settings.default_time_zone)
    born = date(today.year - 14, 3, 15)
    typer.echo(f"A young person born {born}, registered today ({today}):\n")
    schedule(born=born.isoformat(), registered=today.isoformat())


def main() -> None:
    """Entry point of the `mowakaba` console script."""
    try:
        app()
    except InvalidInput as exc:  # pragma: no cover - commands catch their own
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
