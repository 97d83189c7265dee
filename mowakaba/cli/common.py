"""What every command shares: errors as exit status 2, parsing options, one transaction.

Module level imports only the standard library, typer and light core modules; a
command imports what it needs when it runs (`mowakaba --help` stays fast).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from mowakaba.errors import MowakabaError

if TYPE_CHECKING:
    from sqlmodel import Session

    from mowakaba.models import User, WorkItem

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Act as if it were this date (00:00 local) or ISO datetime."),
]


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
    except (ValueError, OverflowError) as exc:  # a date the calendars cannot reach
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


def parse_enum(enum: type[E], value: str | None, name: str) -> E | None:
    """Parse an option into an enum, listing the choices on error."""
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise fail(f"{name}: {value!r} is not one of: {choices}") from None


def apply_as_of(value: str | None) -> datetime:
    """Parse --as-of and freeze the clock there, so every 'now' in the command agrees."""
    from mowakaba import clock
    from mowakaba.settings import get_settings

    try:
        instant = clock.parse_as_of(value, get_settings().default_time_zone)
    except ValueError as exc:
        raise fail(f"--as-of: {exc}") from None
    if value:
        clock.set_now(instant)
    return instant


def require_migrated() -> None:
    """Fail clearly when the database is not at the code's schema."""
    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine

    engine = get_engine()
    if not migrations.is_current(engine):
        url = engine.url.render_as_string(hide_password=True)
        raise fail(f"the database ({url}) is not migrated: run `mowakaba db upgrade`")


def in_session(work: Callable[..., T]) -> T:
    """Run work in one transaction, errors as exit status 2."""
    from mowakaba.db import session_scope

    require_migrated()
    with errors_as_exit(), session_scope() as session:
        return work(session)


def user_named(session: Session, username: str) -> User:
    """Look a user up by name (or numeric id) for --as / --user options."""
    from mowakaba.services import users as user_service

    if username.isdigit():
        return user_service.get_user(session, int(username))
    return user_service.get_user_by_name(session, username)


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


def describe_items(item_ids: Iterable[int], prefix: str = "  ") -> None:
    """Print one line per work item, each read in its own transaction."""
    from mowakaba.models import WorkItem

    for item_id in item_ids:
        typer.echo(prefix + in_session(lambda s, i=item_id: describe_item(s.get(WorkItem, i))))


def echo_counted(lines: list[str], noun: str) -> None:
    """Print lines, then how many there were ("3 work items")."""
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} {noun}")


# ---------------------------------------------------------------- Prefect from the CLI


def prefect_reachable() -> bool:
    """Tell whether the configured Prefect server answers to us (2 s at most); refuse, in
    one line, a server that answers but not to this data directory's credentials."""
    from prefect.settings import PREFECT_API_URL

    from flows.launch import prefect_status

    status = prefect_status()
    if status == "refused":
        raise fail(
            f"the Prefect server at {PREFECT_API_URL.value()} refuses this data directory's "
            "credentials: it is another system's (point MOWAKABA_PREFECT_PORT or "
            "PREFECT_API_URL at yours)"
        )
    return status == "ok"


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
    from flows.launch import start_pathway_after_commit

    run_id = start_pathway_after_commit(youth_id, event, as_of=iso_or_none(as_of, at))
    if run_id:
        typer.echo(f"youth {youth_id}: pathway run {run_id} started")
    else:
        typer.echo(
            f"youth {youth_id}: Prefect could not be reached; flagged for the next sweep", err=True
        )


@contextmanager
def progress_bar(description: str, *, unit: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on the terminal for a long step; yields `advance(done, total)`."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def expected_failure(exc: Exception) -> str | None:
    """One line for the failures a person can meet and fix (no traceback); None for a bug."""
    kind = f"{type(exc).__module__}.{type(exc).__name__}"
    if kind.startswith("sqlalchemy.") and type(exc).__name__ in (
        "OperationalError", "InterfaceError", "ArgumentError", "NoSuchModuleError",
    ):  # fmt: skip
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"the database does not answer or cannot be used: {detail} (check DATABASE_URL)"
    if kind == "pydantic_core._pydantic_core.ValidationError":
        errors: list[Any] = getattr(exc, "errors", list)()
        first = errors[0] if errors else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"a setting is invalid: {where}: {first.get('msg', exc)} (see README, settings)"
    if isinstance(exc, PermissionError | FileNotFoundError):
        return f"{exc.strerror}: {exc.filename}"
    return None
