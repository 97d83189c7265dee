"""The retention flow: every day, purge what has outlived its retention (docs/privacy.md).

Batched like the sweep: a task finds a batch of due youths, a task purges them (a
transaction per youth, so a run killed half-way loses nothing and the next run finishes
the rest, once); then the purged youths' Prefect runs, the aged audit rows and
notifications, and files left without a row. `dry_run` lists what would go and changes
nothing. Finished runs of every flow older than the run history's retention go too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow

from mowakaba import clock
from mowakaba.errors import InvalidInput
from mowakaba.settings import get_settings
from tasks.retention import (
    delete_old_runs,
    delete_pending_runs,
    find_due_batch,
    purge_aged_rows,
    purge_batch,
    remove_orphan_files,
)


@flow(name="retention", persist_result=False)
def retention(as_of: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Purge (or, `dry_run`, list) every due record class: youths' files by batch, their
    runs, aged audit rows and notifications, orphan files."""
    return run_steps(as_of or clock.now().isoformat(), dry_run)


def run_steps(at: str, dry_run: bool, *, plain: bool = False) -> dict[str, Any]:
    """The flow's steps; `plain` calls the tasks' functions without Prefect (the CLI when
    the server does not answer: the runs to delete then stay pending)."""

    def step(task: Any) -> Any:
        return task.fn if plain else task

    check_not_ahead(at, dry_run)
    size = get_settings().retention_batch_size
    youths: list[dict[str, Any]] = []
    after = 0
    while ids := step(find_due_batch)(at, after, size):
        youths += step(purge_batch)(ids, at, dry_run)
        after = ids[-1]
    if dry_run:
        runs = {"youths": 0, "runs": 0, "failed": 0}
    elif plain:
        runs = {"youths": 0, "runs": 0, "failed": -1}  # Prefect down: left pending
    else:
        runs = delete_pending_runs()
    runs["old_runs"] = -1 if plain else delete_old_runs(at, dry_run)
    return {
        "dry_run": dry_run,
        "youths": youths,
        "runs": runs,
        "aged": step(purge_aged_rows)(at, dry_run),
        "orphan_files": step(remove_orphan_files)(dry_run),
    }


def check_not_ahead(at: str, dry_run: bool) -> None:
    """A purge cannot be undone: it never runs at an instant later than the real one (a
    later `as_of` only shows, dry, what would go then)."""
    if not dry_run and clock.from_iso(at) > datetime.now(UTC) + timedelta(minutes=5):
        raise InvalidInput(
            f"a purge as of {at} would run ahead of today and cannot be undone: "
            "a later date is for a dry run (--dry-run)"
        )
