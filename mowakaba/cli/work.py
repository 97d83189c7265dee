"""`mowakaba work`, `mowakaba escalations`, `mowakaba inbox`: a person's work and messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mowakaba.cli.common import (
    AsOf,
    apply_as_of,
    describe_item,
    describe_items,
    echo_counted,
    fail,
    in_session,
    require_date,
    start_pathway_run,
    user_named,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from mowakaba.services.completions import Completion

work_app = typer.Typer(help="Work items: list, show, complete, reschedule.", no_args_is_help=True)
escalations_app = typer.Typer(help="Escalations of missed deadlines.", no_args_is_help=True)


@work_app.command("list")
def work_list(
    user: Annotated[
        str | None, typer.Option(help="Only this user's work (and their pools').")
    ] = None,
    youth_id: Annotated[int | None, typer.Option("--youth-id")] = None,
    open_only: Annotated[bool, typer.Option("--open/--all")] = True,
) -> None:
    """List work items, soonest due first."""
    from mowakaba.enums import Role, WorkItemStatus
    from mowakaba.services import users as user_service
    from mowakaba.services import work_items as work_service

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

    echo_counted(in_session(work), "work items")


@work_app.command("show")
def work_show(work_item_id: int) -> None:
    """Show a work item and the JSON schema of the payload that completes it."""
    from mowakaba.schemas import PAYLOADS
    from mowakaba.services import work_items as work_service

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
    from mowakaba.services import completions as completion_service

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
        return completion_service.complete_work_item(
            session, work_item_id=work_item_id, actor=actor, payload=data, as_of=at
        )

    completion = in_session(work)
    typer.echo(f"work item {completion.work_item_id} done (event {completion.event.id})")
    describe_items(completion.created_ids, prefix="  created ")
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
    from mowakaba.services import work_items as work_service

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
    from mowakaba.services import escalations as escalation_service

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

    echo_counted(in_session(work), "escalations")


@escalations_app.command("ack")
def escalations_ack(
    escalation_id: int, as_user: Annotated[str, typer.Option("--as")], as_of: AsOf = None
) -> None:
    """Acknowledge an escalation you received."""
    from mowakaba.services import escalations as escalation_service

    at = apply_as_of(as_of)
    in_session(
        lambda s: escalation_service.acknowledge(
            s, escalation_id=escalation_id, actor=user_named(s, as_user), as_of=at
        )
    )
    typer.echo(f"escalation {escalation_id} acknowledged")


def inbox(
    user: Annotated[str, typer.Option(help="Whose in-app notifications.")],
    unread: Annotated[bool, typer.Option("--unread")] = False,
) -> None:
    """Show a user's in-app notifications, newest first."""
    from mowakaba.notify.render import render_plain
    from mowakaba.services import notifications as notification_service

    def work(session: Session) -> list[str]:
        person = user_named(session, user)
        lines = []
        for n in notification_service.inbox(
            session,
            user_id=person.id,  # type: ignore[arg-type]
            unread_only=unread,
            limit=200,  # type: ignore[arg-type]
        ):
            subject, _ = render_plain(
                n.kind.value,
                person.language.value,
                {**n.context, "recipient_name": person.display_name},
            )
            email = f" [email {n.email_status.value}]" if n.email_status else ""
            lines.append(f"{n.created_at:%Y-%m-%d %H:%M}  {subject}{email}")
        return lines

    echo_counted(in_session(work), "notifications")
