"""`mowakaba users`: accounts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mowakaba.cli.common import fail, in_session, parse_enum
from mowakaba.enums import Language, Role

if TYPE_CHECKING:
    from sqlmodel import Session

users_app = typer.Typer(help="Accounts.", no_args_is_help=True)


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
    from mowakaba.services import users as user_service

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
    from mowakaba.services import users as user_service

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
