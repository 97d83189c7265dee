"""`mowakaba schedule`: a youth's nominal schedule, computed without a database."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from mowakaba.cli.common import errors_as_exit, parse_date, require_date

if TYPE_CHECKING:
    from mowakaba.rules import Rules


def national_rules(years: range) -> Rules:
    """Return the rules over the national default calendar for some years."""
    from mowakaba.calendar import WorkingCalendar
    from mowakaba.rules import Rules
    from mowakaba.settings import get_settings

    settings = get_settings()
    calendar = WorkingCalendar.national(years, hijri_offset_days=settings.hijri_offset_days)
    return Rules(timings=settings.timings, calendar=calendar)


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
    from mowakaba import clock
    from mowakaba.schedule import format_schedule, nominal_schedule, what_comes_next
    from mowakaba.settings import get_settings

    settings = get_settings()
    born_date = require_date(born, "--born")
    registered_date = parse_date(registered, "--registered") or clock.local_date(
        clock.now(), settings.default_time_zone
    )
    with errors_as_exit():
        rules = national_rules(range(registered_date.year - 1, born_date.year + 26))
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
