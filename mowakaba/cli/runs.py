"""`mowakaba reconcile`, `sweep`, `deliver`: a flow run in this process, or the service without.

When the Prefect server does not answer, the work still runs here, through the
same services, without a flow run (and says so).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from mowakaba.cli.common import (
    AsOf,
    apply_as_of,
    errors_as_exit,
    in_session,
    iso_or_none,
    prefect_reachable,
    require_migrated,
    without_prefect,
)

if TYPE_CHECKING:
    from sqlmodel import Session


def reconcile(youth_id: int, as_of: AsOf = None) -> None:
    """Bring one youth's pathway up to date: a `pathway` flow run in this process."""
    from mowakaba.db import session_scope
    from mowakaba.services import reconciliation as reconciliation_service
    from mowakaba.services import youths as youth_service

    at = apply_as_of(as_of)
    require_migrated()
    with errors_as_exit(), session_scope() as session:
        youth_service.get_youth(session, youth_id)
    if not prefect_reachable():
        without_prefect("the reconciliation")
        result = in_session(lambda s: reconciliation_service.reconcile_youth(s, youth_id, at))
        print_moves(youth_id, [(m.value, str(d)) for m, d in result.moves], len(result.created))
        return
    from flows.launch import labels_of, run_pathway_inline

    labels = labels_of(youth_id)
    assert labels is not None  # checked above
    outcome = run_pathway_inline(labels, as_of=iso_or_none(as_of, at))
    print_moves(youth_id, outcome["moves"], outcome["created"])


def print_moves(youth_id: int, moves: list, created: int) -> None:  # type: ignore[type-arg]
    """Print what a reconciliation did."""
    if not moves and not created:
        typer.echo(f"youth {youth_id}: up to date")
    for stage, on in moves:
        typer.echo(f"youth {youth_id}: entered {stage} on {on}")
    if created:
        typer.echo(f"youth {youth_id}: {created} work items created")


def sweep(
    as_of: AsOf = None,
    batch_size: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Run the sweep (a `sweep` flow run in this process): misses, stage changes, reminders,
    escalations."""
    from mowakaba.db import session_scope
    from mowakaba.services import sweep as sweep_service
    from mowakaba.settings import get_settings

    at = apply_as_of(as_of)
    require_migrated()
    if batch_size:
        os.environ["MOWAKABA_SWEEP_BATCH_SIZE"] = str(batch_size)
        get_settings.cache_clear()
    if prefect_reachable():
        from flows.launch import in_process
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


def deliver(as_of: AsOf = None) -> None:
    """Send the outbox's pending emails (a `deliver` flow run; SMTP if set, else the console)."""
    from mowakaba.db import session_scope
    from mowakaba.notify.delivery import deliver_pending, deliver_pending_sms

    at = apply_as_of(as_of)
    require_migrated()
    if prefect_reachable():
        from flows.deliver import deliver as deliver_flow
        from flows.launch import in_process

        with in_process():
            counts = deliver_flow(as_of=iso_or_none(as_of, at))
    else:
        without_prefect("the delivery")

        def commit(session: Session) -> None:
            session.commit()

        with errors_as_exit(), session_scope() as session:
            result = deliver_pending(session, at, after_batch=commit)
            sms = deliver_pending_sms(session, at, after_batch=commit)
        counts = {
            "sent": result.sent, "failed": result.failed, "gave_up": result.gave_up,
            "sms_sent": sms.sent, "sms_failed": sms.failed, "sms_gave_up": sms.gave_up,
        }  # fmt: skip
    names = ("sent", "failed", "gave_up", "sms_sent", "sms_failed", "sms_gave_up")
    typer.echo("delivered: " + " ".join(f"{k}={counts.get(k, 0)}" for k in names))
