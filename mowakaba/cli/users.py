"""`mowakaba users`: accounts. Every change is audited with role "cli" (no actor: whoever
runs the command on the server), in the change's own transaction."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mowakaba.cli.common import fail, in_session, parse_enum, user_named
from mowakaba.enums import Language, Role

if TYPE_CHECKING:
    from sqlmodel import Session

    from mowakaba.models import User

UserArg = Annotated[str, typer.Argument(help="A user name or id.")]
PasswordOption = Annotated[
    str | None, typer.Option(help="At least 12 characters, not common, not the user name.")
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


def read_password(password: str | None, password_stdin: bool) -> str | None:
    """The password of --password, or of the first line of stdin with --password-stdin."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return password


def audited(session: Session, action: str, user: User) -> None:
    """Record an account change made from the command line (role "cli", no actor)."""
    from mowakaba.clock import now
    from mowakaba.enums import AuditOutcome
    from mowakaba.models import AuditEvent

    session.add(
        AuditEvent(
            occurred_at=now(),
            actor_id=None,
            role="cli",
            action=action,
            object_type="user",
            object_id=str(user.id),
            outcome=AuditOutcome.allowed,
        )
    )


users_app = typer.Typer(help="Accounts.", no_args_is_help=True)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, supervisor, coordinator, mediator, partner")],
    password: PasswordOption = None,
    password_stdin: PasswordStdin = False,
    institution_id: Annotated[list[int] | None, typer.Option("--institution-id")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option(help="For urgent incidents by SMS.")] = None,
    language: Annotated[str, typer.Option(help="ar, fr or en")] = "fr",
    display_name: Annotated[str, typer.Option()] = "",
    partner_id: Annotated[
        int | None, typer.Option("--partner-id", help="A partner user's organisation (required).")
    ] = None,
) -> None:
    """Create an account (the password is hashed with Argon2); a partner user names the
    partner organisation they belong to (--partner-id)."""
    from mowakaba.services import users as user_service

    password = read_password(password, password_stdin)
    if not password:
        raise fail("give --password or --password-stdin")
    role_value = parse_enum(Role, role, "--role")
    language_value = parse_enum(Language, language, "--language")
    assert role_value is not None and language_value is not None

    def work(session: Session) -> User:
        user = user_service.create_user(
            session,
            username=username,
            password=password,
            role=role_value,
            institution_ids=institution_id or [],
            region=region,
            email=email,
            phone=phone,
            language=language_value,
            display_name=display_name,
            partner_id=partner_id,
        )
        audited(session, "users.create", user)
        return user

    user = in_session(work)
    typer.echo(f"user {user.id}: {user.username} ({user.role.value})")


def ids_text(ids: list[int]) -> str:
    """Ids as "1,2", or "-" for none."""
    return ",".join(map(str, ids)) or "-"


@users_app.command("list")
def users_list() -> None:
    """List the accounts."""
    from mowakaba.clock import now
    from mowakaba.services import users as user_service

    def work(session: Session) -> list[str]:
        return [
            f"{u.id:>4}  {u.username:<20} {u.role.value:<12} {u.language.value}  "
            f"institutions={ids_text(user_service.institution_ids_of(session, u.id))}"  # type: ignore[arg-type]
            f"  region={u.region or '-'}  email={u.email or '-'}  phone={u.phone or '-'}"
            f"{'' if u.is_active else '  (disabled)'}"
            f"{'  (locked)' if u.locked_until and u.locked_until > now() else ''}"
            f"{'  (must change password)' if u.must_change_password else ''}"
            for u in user_service.list_users(session)
        ]

    for line in in_session(work):
        typer.echo(line)


def set_active(user: str, *, active: bool) -> None:
    """Disable or enable an account, audited, and say so."""
    from mowakaba.services import users as user_service

    def work(session: Session) -> str:
        target = user_named(session, user)
        user_service.set_active(session, user_id=target.pk, active=active)
        audited(session, "users.enable" if active else "users.disable", target)
        done = "enabled (and unlocked)" if active else "disabled; their tokens are revoked"
        return f"user {target.id}: {target.username} {done}"

    typer.echo(in_session(work))


@users_app.command("disable")
def users_disable(user: UserArg) -> None:
    """Close an account: it can no longer sign in, its tokens die (not the last admin)."""
    set_active(user, active=False)


@users_app.command("enable")
def users_enable(user: UserArg) -> None:
    """Reopen an account, and lift a lock after failed sign-ins."""
    set_active(user, active=True)


@users_app.command("reset-password")
def users_reset_password(
    user: UserArg, password: PasswordOption = None, password_stdin: PasswordStdin = False
) -> None:
    """Give an account a temporary password (generated and printed once unless given);
    it must be changed at the next sign-in, and the account's tokens die."""
    from mowakaba.services import users as user_service

    given = read_password(password, password_stdin)

    def work(session: Session) -> tuple[User, str]:
        target = user_named(session, user)
        temporary = user_service.reset_password(session, user_id=target.pk, password=given)
        audited(session, "users.reset_password", target)
        return target, temporary

    target, temporary = in_session(work)
    typer.echo(f"user {target.id}: {target.username} must change their password at next sign-in")
    if not given:
        typer.echo(f"temporary password: {temporary}")


@users_app.command("set-role")
def users_set_role(
    user: UserArg,
    role: Annotated[str, typer.Option(help="admin, supervisor, coordinator, mediator, partner")],
    institution_id: Annotated[list[int] | None, typer.Option("--institution-id")] = None,
    region: Annotated[str | None, typer.Option(help="A supervisor's region.")] = None,
) -> None:
    """Give an account a role and its institutions (or region); its tokens die."""
    from mowakaba.services import users as user_service

    role_value = parse_enum(Role, role, "--role")
    assert role_value is not None

    def work(session: Session) -> str:
        target = user_named(session, user)
        user_service.change_role(
            session, user_id=target.pk, role=role_value,
            institution_ids=institution_id or [], region=region,
        )  # fmt: skip
        audited(session, "users.set_role", target)
        ids = ids_text(user_service.institution_ids_of(session, target.pk))
        return f"user {target.id}: {target.username} is {role_value.value} (institutions={ids})"

    typer.echo(in_session(work))
