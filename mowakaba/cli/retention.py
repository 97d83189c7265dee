"""`mowakaba retention run [--dry-run]`: the retention flow in this process (docs/privacy.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mowakaba.cli.common import (
    AsOf,
    apply_as_of,
    fail,
    iso_or_none,
    prefect_reachable,
    require_migrated,
)

retention_app = typer.Typer(help="Retention: purge what has outlived its retention period.")


@retention_app.command("run")
def run(
    as_of: AsOf = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be purged; change nothing.")
    ] = False,
) -> None:
    """Purge what is due (a `retention` flow run in this process); held files are kept."""
    at = apply_as_of(as_of)
    require_migrated()
    from flows.retention import check_not_ahead
    from mowakaba.errors import InvalidInput

    try:
        check_not_ahead(at.isoformat(), dry_run)
    except InvalidInput as exc:
        raise fail(str(exc)) from None
    if prefect_reachable():
        from flows.launch import in_process
        from flows.retention import retention

        with in_process():
            report: dict[str, Any] = retention(as_of=iso_or_none(as_of, at), dry_run=dry_run)
    else:
        from flows.retention import run_steps

        typer.echo(
            "note: the Prefect server does not answer; the retention runs in this process "
            "without a flow run, and the youths' Prefect runs are deleted by the next run",
            err=True,
        )
        report = run_steps(at.isoformat(), dry_run, plain=True)
    print_report(report)


def print_report(report: dict[str, Any]) -> None:
    """Print one line per youth and class (code, class, rows), then the totals."""
    verb = "would purge" if report["dry_run"] else "purged"
    for youth in report["youths"]:
        for record_class, rows in sorted(youth["rows"].items()):
            counts = ", ".join(f"{table}={n}" for table, n in sorted(rows.items()))
            typer.echo(f"{youth['code']} {record_class}: {verb} {counts}")
        if youth["runs_pending"]:
            typer.echo(f"{youth['code']} run_history: {verb} the youth's Prefect runs")
    for record_class, rows in sorted(report["aged"].items()):
        counts = ", ".join(f"{table}={n}" for table, n in sorted(rows.items()))
        typer.echo(f"{record_class}: {verb} {counts}")
    runs = report["runs"]
    old = runs.get("old_runs", 0)
    old_note = "old Prefect runs: Prefect did not answer" if old < 0 else f"{old} old Prefect runs"
    typer.echo(
        f"retention: {len(report['youths'])} youths, {runs['runs']} of their Prefect runs "
        f"{verb}, {old_note} {verb}, "
        f"{report['orphan_files']} orphan files"
        + (" (dry run: nothing changed)" if report["dry_run"] else "")
    )
