"""`mowakaba institutions` and `mowakaba holidays`: care homes and their calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mowakaba.cli.common import in_session, require_date

if TYPE_CHECKING:
    from sqlmodel import Session

    from mowakaba.models import Institution

institutions_app = typer.Typer(help="Care institutions.", no_args_is_help=True)
holidays_app = typer.Typer(help="An institution's holiday calendar.", no_args_is_help=True)


@institutions_app.command("add")
def institutions_add(
    name: Annotated[str, typer.Option()],
    region: Annotated[str, typer.Option()],
    time_zone: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Register an institution; its calendar is seeded from the national default."""
    from mowakaba.services import calendars as calendar_service
    from mowakaba.services import institutions as institution_service

    def work(session: Session) -> Institution:
        institution = institution_service.create_institution(
            session, name=name, region=region, time_zone=time_zone
        )
        assert institution.id is not None  # flushed
        calendar_service.seed_current_years(session, institution_id=institution.id)
        return institution

    institution = in_session(work)
    typer.echo(f"institution {institution.id}: {institution.name} ({institution.region})")


@institutions_app.command("list")
def institutions_list() -> None:
    """List the institutions."""
    from mowakaba.services import institutions as institution_service

    for i in in_session(institution_service.list_institutions):
        typer.echo(f"{i.id:>4}  {i.name}  [{i.region}, {i.time_zone}]")


@holidays_app.command("list")
def holidays_list(
    institution_id: Annotated[int, typer.Option("--institution-id")],
    year: Annotated[int, typer.Option()],
) -> None:
    """List an institution's holidays of a year (seeded from the national default)."""
    from mowakaba.services import calendars as calendar_service

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
    from mowakaba.enums import HolidayKind
    from mowakaba.services import calendars as calendar_service

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
    from mowakaba.services import calendars as calendar_service

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
    from mowakaba.services import calendars as calendar_service

    source, target = require_date(day, "--date"), require_date(to, "--to")
    holiday = in_session(
        lambda s: calendar_service.move_holiday(
            s, institution_id=institution_id, day=source, to=target
        )
    )
    typer.echo(f"moved {holiday.name} from {source} to {holiday.holiday_date}")
