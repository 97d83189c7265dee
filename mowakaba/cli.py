"""The `mowakaba` command: the composition root, which may import everything."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlmodel import Session, func, select

from mowakaba import clock
from mowakaba import migrate as migrations
from mowakaba.calendar import WorkingCalendar
from mowakaba.db import get_engine, reset_engine, session_scope
from mowakaba.enums import (
    EducationLevel,
    HolidayKind,
    Language,
    Role,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemStatus,
)
from mowakaba.errors import InvalidInput, MowakabaError
from mowakaba.models import User, WorkItem, Youth
from mowakaba.notify.delivery import deliver_pending
from mowakaba.notify.render import render_text
from mowakaba.pathway import Rules
from mowakaba.schedule import format_schedule, nominal_schedule, what_comes_next
from mowakaba.schemas import PAYLOADS, YouthRegistration
from mowakaba.services import calendars as calendar_service
from mowakaba.services import escalations as escalation_service
from mowakaba.services import institutions as institution_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import sweep as sweep_service
from mowakaba.services import users as user_service
from mowakaba.services import work_items as work_service
from mowakaba.services import youths as youth_service
from mowakaba.services.work_items import Completion
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
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
youths_app = typer.Typer(help="Young people.", no_args_is_help=True)
work_app = typer.Typer(help="Work items: list, show, complete, reschedule.", no_args_is_help=True)
escalations_app = typer.Typer(help="Escalations of missed deadlines.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(youths_app, name="youths")
app.add_typer(work_app, name="work")
app.add_typer(escalations_app, name="escalations")
app.add_typer(institutions_app, name="institutions")
app.add_typer(holidays_app, name="holidays")

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


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


# ---------------------------------------------------------------- people and youths

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Act as if it were this date (00:00 local) or ISO datetime."),
]


def apply_as_of(value: str | None) -> datetime:
    """Parse --as-of and freeze the clock there, so every 'now' in the command agrees."""
    try:
        instant = clock.parse_as_of(value, get_settings().default_time_zone)
    except ValueError as exc:
        raise fail(f"--as-of: {exc}") from None
    if value:
        clock.set_now(instant)
    return instant


def user_named(session: Session, username: str) -> User:
    """Look a user up by name (or numeric id) for --as / --user options."""
    if username.isdigit():
        return user_service.get_user(session, int(username))
    return user_service.get_user_by_name(session, username)


def parse_enum(enum: type[E], value: str | None, name: str) -> E | None:
    """Parse an option into an enum, listing the choices on error."""
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise fail(f"{name}: {value!r} is not one of: {choices}") from None


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, supervisor, coordinator, mediator, partner")],
    password: Annotated[str | None, typer.Option(help="At least 8 characters.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    institution_id: Annotated[list[int] | None, typer.Option("--institution-id")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    language: Annotated[str, typer.Option(help="ar, fr or en")] = "fr",
    display_name: Annotated[str, typer.Option()] = "",
) -> None:
    """Create an account (the password is hashed with Argon2)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise fail("give --password or --password-stdin")
    role_value = parse_enum(Role, role, "--role")
    language_value = parse_enum(Language, language, "--language")
    assert role_value is not None and language_value is not None
    user = in_session(
        lambda s: user_service.create_user(
            s,
            username=username,
            password=password,
            role=role_value,
            institution_ids=institution_id or [],
            region=region,
            email=email,
            language=language_value,
            display_name=display_name,
        )
    )
    typer.echo(f"user {user.id}: {user.username} ({user.role.value})")


def ids_text(ids: list[int]) -> str:
    """Ids as "1,2", or "-" for none."""
    return ",".join(map(str, ids)) or "-"


@users_app.command("list")
def users_list() -> None:
    """List the accounts."""

    def work(session: Session) -> list[str]:
        return [
            f"{u.id:>4}  {u.username:<20} {u.role.value:<12} {u.language.value}  "
            f"institutions={ids_text(user_service.institution_ids_of(session, u.id))}"  # type: ignore[arg-type]
            f"  region={u.region or '-'}  email={u.email or '-'}"
            f"{'' if u.is_active else '  (disabled)'}"
            for u in user_service.list_users(session)
        ]

    for line in in_session(work):
        typer.echo(line)


@youths_app.command("add")
def youths_add(
    born: Annotated[str, typer.Option(help="Date of birth, YYYY-MM-DD.")],
    sex: Annotated[str, typer.Option(help="female or male")],
    institution_id: Annotated[int, typer.Option("--institution-id")],
    admitted: Annotated[str, typer.Option(help="Admission date to the institution.")],
    first_name: Annotated[str, typer.Option()] = "",
    last_name: Annotated[str, typer.Option()] = "",
    first_name_ar: Annotated[str, typer.Option()] = "",
    last_name_ar: Annotated[str, typer.Option()] = "",
    presumed: Annotated[bool, typer.Option(help="The date of birth is presumed.")] = False,
    education: Annotated[str, typer.Option(help="none … university")] = "primary",
    vocational: Annotated[str, typer.Option(help="none … specialised_technician")] = "none",
    mediator: Annotated[str | None, typer.Option(help="The mediator's user name.")] = None,
    planned_exit: Annotated[str | None, typer.Option()] = None,
    planned_exit_reason: Annotated[str | None, typer.Option()] = None,
    exited: Annotated[str | None, typer.Option(help="Registered after leaving care.")] = None,
    as_of: AsOf = None,
) -> None:
    """Register a young person; their pathway is brought up to date at once."""
    at = apply_as_of(as_of)

    def work(session: Session) -> tuple[Youth, Any]:
        mediator_user = user_named(session, mediator) if mediator else None
        data = YouthRegistration(
            first_name=first_name,
            last_name=last_name,
            first_name_ar=first_name_ar,
            last_name_ar=last_name_ar,
            date_of_birth=require_date(born, "--born"),
            date_of_birth_presumed=presumed,
            sex=parse_enum(Sex, sex, "--sex"),
            institution_id=institution_id,
            admission_date=require_date(admitted, "--admitted"),
            education_level=parse_enum(EducationLevel, education, "--education"),
            vocational_level=parse_enum(VocationalLevel, vocational, "--vocational"),
            mediator_id=mediator_user.id if mediator_user else None,
            planned_exit_date=parse_date(planned_exit, "--planned-exit"),
            planned_exit_reason=planned_exit_reason,
            exit_date=parse_date(exited, "--exited"),
        )
        return youth_service.register_youth(session, data=data, as_of=at)

    youth, result = in_session(work)
    typer.echo(f"youth {youth.id}: code {youth.code}, stage {youth.stage.value}")
    for item_id in result.created:
        typer.echo("  " + in_session(lambda s, i=item_id: describe_item(s.get(WorkItem, i))))
    start_pathway_run(youth.id, f"registered-{youth.code}", as_of, at)  # type: ignore[arg-type]


@youths_app.command("list")
def youths_list(
    institution_id: Annotated[int | None, typer.Option("--institution-id")] = None,
    stage: Annotated[str | None, typer.Option()] = None,
    q: Annotated[str | None, typer.Option(help="Search names, Arabic or Latin.")] = None,
) -> None:
    """List young people (code, stage, date of birth)."""
    stage_value = parse_enum(Stage, stage, "--stage")
    youths, total = in_session(
        lambda s: youth_service.search_youths(
            s,
            institution_ids=[institution_id] if institution_id else None,
            stage=stage_value,
            q=q,
            limit=1000,
        )
    )
    for y in youths:
        name = " ".join(filter(None, [y.first_name, y.last_name])) or " ".join(
            [y.first_name_ar, y.last_name_ar]
        )
        presumed = " (presumed)" if y.date_of_birth_presumed else ""
        typer.echo(
            f"{y.id:>5}  {y.code}  {y.stage.value:<17} born {y.date_of_birth}{presumed}  {name}"
            f"{'  NOT IN TOUCH' if y.not_in_touch else ''}"
        )
    typer.echo(f"{total} young people")


# ---------------------------------------------------------------- Prefect from the CLI


def prefect_reachable() -> bool:
    """Tell whether the configured Prefect server answers (2 s at most)."""
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            return client.api_healthcheck() is None
    except Exception:
        return False


def without_prefect(what: str) -> None:
    """Say that Prefect is down and the work runs in this process without a flow run."""
    typer.echo(
        f"note: the Prefect server does not answer; {what} runs in this process "
        "without a flow run (start `mowakaba up`, or set PREFECT_API_URL)",
        err=True,
    )


def iso_or_none(as_of: str | None, at: datetime) -> str | None:
    """The instant a flow must use: given with --as-of, else the flow's own 'now'."""
    return at.isoformat() if as_of else None


def start_pathway_run(youth_id: int, event: str, as_of: str | None, at: datetime) -> None:
    """After the commit, start the youth's pathway run; if Prefect is down, flag the youth."""
    from flows.deployments import start_pathway_after_commit

    run_id = start_pathway_after_commit(youth_id, event, as_of=iso_or_none(as_of, at))
    if run_id:
        typer.echo(f"youth {youth_id}: pathway run {run_id} started")
    else:
        typer.echo(
            f"youth {youth_id}: Prefect could not be reached; flagged for the next sweep", err=True
        )


@app.command()
def reconcile(youth_id: int, as_of: AsOf = None) -> None:
    """Bring one youth's pathway up to date: a `pathway` flow run in this process."""
    at = apply_as_of(as_of)
    require_migrated()
    with errors_as_exit(), session_scope() as session:
        youth_service.get_youth(session, youth_id)
    if not prefect_reachable():
        without_prefect("the reconciliation")
        result = in_session(lambda s: reconciliation_service.reconcile_youth(s, youth_id, at))
        print_moves(youth_id, [(m.value, str(d)) for m, d in result.moves], len(result.created))
        return
    from prefect import tags

    from flows.deployments import in_process
    from flows.labels import youth_tags
    from flows.pathway import pathway

    with errors_as_exit(), session_scope() as session:
        youth = youth_service.get_youth(session, youth_id)
        labels = youth_tags(
            youth_id=youth_id, institution_id=youth.institution_id, stage=youth.stage.value
        )
    with in_process(), tags(*labels):
        outcome = pathway(youth_id=youth_id, as_of=iso_or_none(as_of, at))
    print_moves(youth_id, outcome["moves"], outcome["created"])


def print_moves(youth_id: int, moves: list, created: int) -> None:  # type: ignore[type-arg]
    """Print what a reconciliation did."""
    if not moves and not created:
        typer.echo(f"youth {youth_id}: up to date")
    for stage, on in moves:
        typer.echo(f"youth {youth_id}: entered {stage} on {on}")
    if created:
        typer.echo(f"youth {youth_id}: {created} work items created")


@app.command("sweep")
def sweep_command(
    as_of: AsOf = None,
    batch_size: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Run the sweep (a `sweep` flow run in this process): misses, stage changes, reminders,
    escalations."""
    at = apply_as_of(as_of)
    require_migrated()
    if batch_size:
        os.environ["MOWAKABA_SWEEP_BATCH_SIZE"] = str(batch_size)
        get_settings.cache_clear()
    if prefect_reachable():
        from flows.deployments import in_process
        from flows.sweep import sweep as sweep_flow

        with in_process():
            counts: dict[str, int] = sweep_flow(as_of=iso_or_none(as_of, at), inline=True)
    else:
        without_prefect("the sweep")

        def commit(session: Session) -> None:
            session.commit()
            session.expunge_all()

        with errors_as_exit(), session_scope() as session:
            counts = sweep_service.sweep(session, at, after_batch=commit).as_dict()
    typer.echo(
        f"sweep at {at.isoformat()}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    )


@app.command()
def deliver(as_of: AsOf = None) -> None:
    """Send the outbox's pending emails (a `deliver` flow run; SMTP if set, else the console)."""
    at = apply_as_of(as_of)
    require_migrated()
    if prefect_reachable():
        from flows.deliver import deliver as deliver_flow
        from flows.deployments import in_process

        with in_process():
            counts = deliver_flow(as_of=iso_or_none(as_of, at))
    else:
        without_prefect("the delivery")

        def commit(session: Session) -> None:
            session.commit()

        with errors_as_exit(), session_scope() as session:
            result = deliver_pending(session, at, after_batch=commit)
        counts = {"sent": result.sent, "failed": result.failed, "gave_up": result.gave_up}
    typer.echo(
        "delivered: " + " ".join(f"{k}={counts.get(k, 0)}" for k in ("sent", "failed", "gave_up"))
    )


def describe_item(item: WorkItem | None) -> str:
    """One line about a work item."""
    assert item is not None
    who = f"user {item.assignee_id}" if item.assignee_id else "coordinators"
    subject = f" [{item.subject}]" if item.subject else ""
    escalated = f", escalated L{item.escalation_level}" if item.escalation_level else ""
    return (
        f"#{item.id} {item.kind.value}{subject} youth {item.youth_id} due {item.due_date} "
        f"({item.status.value}, {who}{escalated})"
    )


@work_app.command("list")
def work_list(
    user: Annotated[
        str | None, typer.Option(help="Only this user's work (and their pools').")
    ] = None,
    youth_id: Annotated[int | None, typer.Option("--youth-id")] = None,
    open_only: Annotated[bool, typer.Option("--open/--all")] = True,
) -> None:
    """List work items, soonest due first."""

    def work(session: Session) -> list[str]:
        assignee, pools = None, None
        if user:
            person = user_named(session, user)
            assignee = person.id
            if person.role == Role.coordinator:
                pools = user_service.institution_ids_of(session, person.id)  # type: ignore[arg-type]
        items = work_service.list_work_items(
            session,
            assignee_id=assignee,
            pool_institution_ids=pools,
            status=WorkItemStatus.open if open_only else None,
            youth_id=youth_id,
            limit=1000,
        )
        return [describe_item(i) for i in items]

    lines = in_session(work)
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} work items")


@work_app.command("show")
def work_show(work_item_id: int) -> None:
    """Show a work item and the JSON schema of the payload that completes it."""

    def work(session: Session) -> tuple[str, dict]:
        item = work_service.get_work_item(session, work_item_id)
        return describe_item(item), PAYLOADS[item.kind].model_json_schema()

    line, schema = in_session(work)
    typer.echo(line)
    typer.echo(json.dumps(schema, indent=2))


@work_app.command("complete")
def work_complete(
    work_item_id: int,
    as_user: Annotated[str, typer.Option("--as", help="Who completes it (user name).")],
    payload: Annotated[
        Path, typer.Option(help="A JSON file with the kind's payload ('-': stdin).")
    ],
    as_of: AsOf = None,
) -> None:
    """Complete a work item; the youth's pathway is then brought up to date."""
    at = apply_as_of(as_of)
    try:
        text = sys.stdin.read() if str(payload) == "-" else payload.read_text()
        data = json.loads(text)
    except OSError as exc:
        raise fail(f"--payload: {exc.strerror}: {payload}") from None
    except json.JSONDecodeError as exc:
        raise fail(f"--payload: not JSON ({exc.msg} at line {exc.lineno})") from None

    def work(session: Session) -> Completion:
        actor = user_named(session, as_user)
        return work_service.complete_work_item(
            session, work_item_id=work_item_id, actor=actor, payload=data, as_of=at
        )

    completion = in_session(work)
    typer.echo(f"work item {completion.work_item_id} done (event {completion.event.id})")
    for item_id in completion.created_ids:
        typer.echo(
            "  created " + in_session(lambda s, i=item_id: describe_item(s.get(WorkItem, i)))
        )
    # Committed: now the youth's pathway run (it creates what the completion implies).
    start_pathway_run(completion.youth_id, f"event-{completion.event.id}", as_of, at)


@work_app.command("reschedule")
def work_reschedule(
    work_item_id: int,
    as_user: Annotated[str, typer.Option("--as", help="A coordinator of the item's institution.")],
    due: Annotated[str, typer.Option(help="The new due date.")],
    reason: Annotated[str, typer.Option()],
    as_of: AsOf = None,
) -> None:
    """Grant a new due date (a coordinator): reminders and escalations count again."""
    at = apply_as_of(as_of)
    new_due = require_date(due, "--due")
    in_session(
        lambda s: work_service.reschedule_work_item(
            s, work_item_id=work_item_id, actor=user_named(s, as_user), due_date=new_due,
            reason=reason, as_of=at,
        )
    )  # fmt: skip
    typer.echo(f"work item {work_item_id} now due {new_due}")


@escalations_app.command("list")
def escalations_list(
    user: Annotated[str | None, typer.Option(help="Only escalations sent to this user.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include closed ones.")] = False,
) -> None:
    """List escalations, newest first."""

    def work(session: Session) -> list[str]:
        recipient = user_named(session, user).id if user else None
        rows = escalation_service.list_escalations(
            session, recipient_id=recipient, open_only=not all_, limit=1000
        )
        return [
            f"#{e.id} L{e.level} {e.reason.value} work item {e.work_item_id} "
            f"raised {e.raised_at:%Y-%m-%d %H:%M} to users {e.recipient_ids}"
            f"{' acknowledged' if e.acknowledged_at else ''}{' closed' if e.closed_at else ''}"
            for e in rows
        ]

    lines = in_session(work)
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} escalations")


@escalations_app.command("ack")
def escalations_ack(
    escalation_id: int, as_user: Annotated[str, typer.Option("--as")], as_of: AsOf = None
) -> None:
    """Acknowledge an escalation you received."""
    at = apply_as_of(as_of)
    in_session(
        lambda s: escalation_service.acknowledge(
            s, escalation_id=escalation_id, actor=user_named(s, as_user), as_of=at
        )
    )
    typer.echo(f"escalation {escalation_id} acknowledged")


@app.command()
def inbox(
    user: Annotated[str, typer.Option(help="Whose in-app notifications.")],
    unread: Annotated[bool, typer.Option("--unread")] = False,
) -> None:
    """Show a user's in-app notifications, newest first."""

    def work(session: Session) -> list[str]:
        person = user_named(session, user)
        lines = []
        for n in notification_service.inbox(
            session,
            user_id=person.id,  # type: ignore[arg-type]
            unread_only=unread,
            limit=200,  # type: ignore[arg-type]
        ):
            subject, _ = render_text(
                n.kind.value,
                person.language.value,
                {**n.context, "recipient_name": person.display_name},
            )
            email = f" [email {n.email_status.value}]" if n.email_status else ""
            lines.append(f"{n.created_at:%Y-%m-%d %H:%M}  {subject}{email}")
        return lines

    lines = in_session(work)
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} notifications")


# ---------------------------------------------------------------- demo


UpHost = Annotated[str | None, typer.Option("--host", help="Web app address (default 127.0.0.1).")]
UpPort = Annotated[int | None, typer.Option("--port", help="Web app port (default 8000).")]
UpPrefectPort = Annotated[
    int | None, typer.Option("--prefect-port", help="Prefect server port (default 4200).")
]


def embedded_system(host: str | None, port: int | None, prefect_port: int | None):  # type: ignore[no-untyped-def]
    """The embedded system on the chosen ports; the Prefect settings of this process follow it."""
    from mowakaba.embedded import System

    if prefect_port:
        os.environ["MOWAKABA_PREFECT_PORT"] = str(prefect_port)
    if port:
        os.environ["MOWAKABA_PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    system = System(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        prefect_port=prefect_port or settings.prefect_port,
    )
    return system


def print_addresses(system, accounts: list[tuple[str, str, str]] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Tell the person where everything is."""
    user, password = system.credentials.split(":", 1)
    typer.echo("")
    typer.echo(f"  Web app:    {system.web_url}   (health: {system.web_url}/api/v1/healthz)")
    typer.echo(f"  Prefect UI: {system.prefect_url}")
    if system.new_credentials:
        typer.echo(f"              log in with {user}:{password}  (shown once; kept in "
                   f"{system.settings.prefect_auth_file})")  # fmt: skip
    else:
        typer.echo(f"              credentials in {system.settings.prefect_auth_file}")
    if accounts:
        from mowakaba.demo import DEMO_PASSWORD

        typer.echo(f"  Demo accounts (password {DEMO_PASSWORD!r}):")
        for username, role, where in accounts:
            typer.echo(f"    {username:<14} {role:<12} {where}")
    typer.echo(f"  Logs:       {system.settings.home / 'logs'}")
    typer.echo("  Ctrl-C stops everything.")


def run_system(system, on_ready=None, echo: Callable[[str], Any] = typer.echo) -> None:  # type: ignore[no-untyped-def]
    """Start the system, call `on_ready`, then watch it until Ctrl-C or a crash."""
    from mowakaba.embedded import StartupFailed

    started = time.monotonic()
    try:
        system.start(echo)
    except StartupFailed as exc:
        system.stop(echo)
        raise fail(f"could not start: {exc}") from None
    # This process talks to the server it started, and links to the web app it started.
    for name, value in system.env.items():
        if name.startswith(("PREFECT_", "MOWAKABA_")):
            os.environ[name] = value
    get_settings.cache_clear()
    accounts = on_ready(system) if on_ready else None
    print_addresses(system, accounts)
    typer.echo(f"  Ready in {time.monotonic() - started:.0f} s.")
    raise typer.Exit(code=system.watch(typer.echo))


@app.command()
def up(host: UpHost = None, port: UpPort = None, prefect_port: UpPrefectPort = None) -> None:
    """Start everything on this machine: Prefect server and UI, the deployments, the web app."""
    run_system(embedded_system(host, port, prefect_port))


@app.command()
def demo(
    host: UpHost = None,
    port: UpPort = None,
    prefect_port: UpPrefectPort = None,
    youths: Annotated[int, typer.Option(min=1, max=2000)] = 60,
) -> None:
    """Seed a demo programme (first time), then start everything with its flow runs."""
    import threading

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from mowakaba.demo import demo_accounts, is_seeded, seed_demo

    system = embedded_system(host, port, prefect_port)
    today = clock.local_date(clock.now(), get_settings().default_time_zone)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("days"), TimeElapsedColumn(),
    )  # fmt: skip
    seeded: dict[str, Any] = {}
    stop = threading.Event()

    class Stopped(Exception):
        """The command is stopping: the seeding ends between two days of history."""

    def advance(done: int, total: int) -> None:
        if stop.is_set():
            raise Stopped
        progress.update(task, completed=done, total=total)

    def seed() -> None:
        # The seeding needs only the app database: it runs while the Prefect server
        # starts (~15 s), from the moment the system has migrated and started its first child.
        try:
            while not system.children:
                if stop.wait(0.05):
                    return
            if is_seeded():
                echo("demo data present: not seeding again")
                return
            echo(f"seeding the demo: {youths} young people, histories replayed to {today}")
            started = time.monotonic()
            with progress:
                seeded["summary"] = seed_demo(today, youths=youths, progress=advance)
            seeded["seconds"] = time.monotonic() - started
        except BaseException as exc:  # handed to the main thread
            seeded["error"] = exc

    task = progress.add_task("seeding", total=None)
    seeding = threading.Thread(target=seed, name="demo-seed", daemon=True)

    def seed_and_run(system):  # type: ignore[no-untyped-def]
        seeding.join()
        if "error" in seeded:
            raise seeded["error"]
        summary = seeded.get("summary")
        if summary is None:
            return demo_accounts()
        typer.echo(
            f"seeded in {seeded['seconds']:.0f} s: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.youths_by_stage.items()))
            + f"; {summary.open_escalations} open escalations; "
            f"{summary.not_in_touch} not in touch"
        )
        started = time.monotonic()
        count = run_demo_pathways()
        typer.echo(
            f"{count} pathway flow runs, one per young person, "
            f"in {time.monotonic() - started:.0f} s"
        )
        return summary.accounts

    def echo(line: str) -> None:
        # Through the progress bar's console: a line printed meanwhile goes above the bar
        # (click's echo would write past rich's redirection, on the bar's line).
        progress.console.print(line, markup=False, highlight=False, soft_wrap=True)

    seeding.start()
    try:
        run_system(system, seed_and_run, echo=echo)
    finally:
        stop.set()
        seeding.join(timeout=10)


def run_demo_pathways() -> int:
    """One real `pathway` flow run per youth, tagged, recorded on the embedded server."""
    from prefect.context import SyncClientContext

    from flows.deployments import in_process
    from flows.pathway import pathway

    with session_scope() as session:
        youth_ids = [
            y.id for y in youth_service.search_youths(session, limit=100_000)[0] if y.id is not None
        ]
    # One client for all the runs (a new one per run cost ~0.08 s), and no `tags()` around
    # them: the run's task would inherit the tags and lease tag concurrency slots from the
    # server (~0.18 s a run). The flow tags its own run with the youth's tags as it ends.
    with in_process(), SyncClientContext.get_or_create():
        for youth_id in youth_ids:
            pathway(youth_id=youth_id)
    return len(youth_ids)


@app.command()
def simulate(
    youths: Annotated[int, typer.Option(min=1, max=5000, help="How many young people.")] = 200,
    years: Annotated[float, typer.Option(min=0.1, max=12, help="How long to replay.")] = 6,
    start: Annotated[
        str | None, typer.Option(help="First day (default: 1 Jan of this year).")
    ] = None,
    seed: Annotated[int, typer.Option(help="The same seed gives the same table.")] = 7,
    institutions: Annotated[int, typer.Option(min=1, max=200)] = 4,
    mediators: Annotated[int, typer.Option(min=1, max=2000)] = 8,
    home: Annotated[
        Path | None, typer.Option(help="Keep the data here (default: a temporary directory).")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the table as JSON.")
    ] = None,
) -> None:
    """Replay a cohort for years through the real sweep and pathway flows, and tabulate it."""
    import shutil
    import tempfile

    from mowakaba.embedded import StartupFailed, answers, free_port, prefect_server, wait_until

    first_day = parse_date(start, "--start") or date(clock.now().year, 1, 1)
    last_day = first_day + timedelta(days=round(years * 365.25))
    data_dir = home or Path(tempfile.mkdtemp(prefix="mowakaba-simulate-"))
    if home is not None and (home / "mowakaba.db").exists():
        raise fail(f"--home {home}: a simulation needs a fresh data directory")
    os.environ["MOWAKABA_HOME"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    get_settings.cache_clear()
    reset_engine()
    settings = get_settings()
    migrations.upgrade(get_engine())
    port = free_port()
    os.environ.update(settings.prefect_environment())
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    # A private server on a loopback port for the run's length: no basic auth.
    os.environ.pop("PREFECT_API_AUTH_STRING", None)
    os.environ.pop("PREFECT_SERVER_API_AUTH_STRING", None)
    server = prefect_server(port, data_dir / "logs" / "prefect-server.log")
    # The replay needs flow runs, states and logs; the server's background services
    # (scheduler, automations, event storage...) only cost it time: ~25 % measured.
    quiet = {
        f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
        for name in (
            "EVENT_PERSISTER", "TRIGGERS", "SCHEDULER", "LATE_RUNS", "FOREMAN",
            "CANCELLATION_CLEANUP", "PAUSE_EXPIRATIONS", "REPOSSESSOR", "EVENT_LOGGER",
        )
    }  # fmt: skip
    server.start({**os.environ, **quiet})
    try:
        wait_until(
            lambda: answers(f"http://127.0.0.1:{port}/api/health"), seconds=120, children=[server]
        )
        results = run_simulation(
            youths=youths, first_day=first_day, last_day=last_day, seed=seed,
            institutions=institutions, mediators=mediators,
        )  # fmt: skip
    except StartupFailed as exc:
        raise fail(f"the Prefect server did not start: {exc}") from None
    finally:
        server.stop()
        if server.process is not None:
            server.process.wait(timeout=30)
        server.kill()
        if home is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    from mowakaba.simulation import format_results

    typer.echo(format_results(results))
    if json_path is not None:
        json_path.write_text(json.dumps(results.as_dict(), indent=2, default=str))
        typer.echo(f"written to {json_path}")


def run_simulation(
    *, youths: int, first_day: date, last_day: date, seed: int, institutions: int, mediators: int
):  # type: ignore[no-untyped-def]
    """Register the cohort, replay it through the flows, return the results."""
    import random

    from prefect import tags
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.deployments import in_process
    from flows.labels import youth_tags
    from flows.pathway import pathway
    from flows.sweep import sweep as sweep_flow
    from mowakaba.behaviour import Behaviour
    from mowakaba.cohort import CohortReplay
    from mowakaba.models import Youth
    from mowakaba.simulation import collect_results, create_programme, draw_cohort

    rng = random.Random(seed)
    with session_scope() as session:
        mediator_ids = create_programme(
            session, institutions=institutions, mediators=mediators, password="simulated-only"
        )
    registrations = draw_cohort(rng, youths=youths, start=first_day, mediator_ids=mediator_ids)
    counts = {"sweep runs": 0, "pathway runs": 0}

    def sweep(at: datetime) -> None:
        result = sweep_flow(as_of=at.isoformat(), inline=True)
        counts["sweep runs"] += 1
        counts["pathway runs"] += result.get("pathway_runs", 0)

    def reconcile(youth_ids: list[int], at: datetime) -> None:
        for youth_id in youth_ids:
            with session_scope() as session:
                if not reconciliation_service.stage_change_due(session, youth_id, at):
                    continue  # every flow run must count: only stage changes get one
                youth = session.get(Youth, youth_id)
                assert youth is not None
                labels = youth_tags(
                    youth_id=youth_id, institution_id=youth.institution_id, stage=youth.stage.value
                )
            with tags(*labels):
                pathway(youth_id=youth_id, as_of=at.isoformat())
            counts["pathway runs"] += 1

    replay = CohortReplay(
        Behaviour(seed=seed), sweep=sweep, reconcile=reconcile, pending=registrations
    )
    started = time.monotonic()
    total_days = (last_day - first_day).days
    from prefect.context import SyncClientContext

    # One API client for the whole replay instead of one per flow run (~30 ms each).
    with (
        in_process(),
        SyncClientContext.get_or_create(),
        Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=False
        ) as progress,
    ):
        task = progress.add_task("", total=total_days)

        def show(day: date) -> None:
            with session_scope() as session:
                stages = dict(
                    session.exec(select(Youth.stage, func.count()).group_by(Youth.stage)).all()
                )
            runs = counts["sweep runs"] + counts["pathway runs"]
            rate = runs / max(time.monotonic() - started, 0.001)
            progress.update(
                task,
                completed=(day - first_day).days,
                description=f"{day}  "
                + " ".join(f"{Stage(k).value[:4]}:{v}" for k, v in sorted(stages.items()))
                + f"  {rate:.1f} runs/s",
            )

        replay.run(first_day, last_day, progress=show)
    with session_scope() as session:
        results = collect_results(session)
    wall = time.monotonic() - started
    runs = counts["sweep runs"] + counts["pathway runs"]
    results.run = {
        "wall_seconds": round(wall, 1),
        "event_days": replay.steps,
        "sweep_runs": counts["sweep runs"],
        "pathway_runs": counts["pathway runs"],
        "flow_runs_per_second": round(runs / wall, 2) if wall else 0,
        "refused_actions": len(replay.errors),
    }
    return results


bench_app = typer.Typer(help="Benchmarks of speed and memory targets.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("sweep")
def bench_sweep(
    youths: Annotated[
        list[int] | None, typer.Option("--youths", help="Cohort sizes to compare.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 200,
    max_growth: Annotated[
        float, typer.Option(help="Allowed peak-memory growth, as a ratio.")
    ] = 1.5,
) -> None:
    """Memory stays flat however many rows: one sweep over N and 4N youths, peak compared."""
    from mowakaba.bench import sweep_once

    sizes = sorted(youths or [250, 1000])
    figures = []
    for size in sizes:
        figure = sweep_once(size, batch_size=batch_size)
        figures.append(figure)
        typer.echo(
            f"sweep over {figure.youths:>6} youths: {figure.rows_written:>6} notifications in "
            f"{figure.seconds:6.2f} s ({figure.rows_written / figure.seconds:,.0f}/s), "
            f"peak Python memory {figure.peak_mib:6.2f} MiB"
        )
    growth = figures[-1].peak_mib / figures[0].peak_mib
    verdict = "flat" if growth <= max_growth else "GROWS"
    typer.echo(f"peak memory x{growth:.2f} for x{sizes[-1] / sizes[0]:.0f} rows: {verdict}")
    if growth > max_growth:
        raise typer.Exit(code=1)


def main() -> None:
    """Entry point of the `mowakaba` console script."""
    # Before Prefect is imported: our server, our state directory, telemetry off.
    for name, value in get_settings().prefect_environment().items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    try:
        app()
    except InvalidInput as exc:  # pragma: no cover - commands catch their own
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
