"""Tasks of the retention flow: find the due youths, purge a batch (a transaction per
youth, files removed after each commit), delete the purged youths' Prefect runs, purge
the aged audit rows and notifications, remove orphan files."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from prefect import task

from mowakaba.clock import from_iso
from mowakaba.db import session_scope
from mowakaba.enums import RecordClass
from mowakaba.errors import OnLegalHold
from mowakaba.models import Youth
from mowakaba.services.documents import storage
from mowakaba.services.privacy import holds
from mowakaba.services.privacy import purge as purge_service
from mowakaba.services.privacy import retention as retention_service


@task
def find_due_batch(as_of: str, after_id: int, size: int) -> list[int]:
    """Return a batch of due youths' ids, after `after_id`."""
    today = retention_service.local_today(from_iso(as_of))
    with session_scope(write=False) as session:
        return retention_service.find_due_youths(
            session, today=today, after_id=after_id, limit=size
        )


def purge_one(youth_id: int, as_of: str, dry_run: bool) -> dict[str, Any] | None:
    """Purge the due classes of one youth in a transaction of its own; then its files."""
    today = retention_service.local_today(from_iso(as_of))
    try:
        with session_scope() as session:
            youth = session.get(Youth, youth_id)
            if youth is None:
                return None
            classes = retention_service.due_classes(youth, today)
            result = purge_service.purge_youth(
                session, youth_id=youth_id, classes=classes, actor=None, cause="retention",
                dry_run=dry_run,
            )  # fmt: skip
    except OnLegalHold:
        return None  # held since the batch was read
    for name in result.files:  # after the commit; a crash here leaves orphans for next run
        storage.discard(name)
    if not result.rows and not result.runs_pending:
        return None
    return result.to_json()


@task(task_run_name="purge-{youth_ids[0]}")
def purge_batch(youth_ids: list[int], as_of: str, dry_run: bool) -> list[dict[str, Any]]:
    """Purge a batch of youths, each in its own transaction; return what was (or, dry,
    would be) purged."""
    results = [purge_one(youth_id, as_of, dry_run) for youth_id in youth_ids]
    return [r for r in results if r is not None]


def delete_runs_tagged(tag: str, *, finished_only: bool = False) -> int:
    """Delete the Prefect flow runs with a tag; return how many. `finished_only` (a youth
    still in the programme) leaves a scheduled or running one: it carries a change still
    to process."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    tagged = finished_runs_filter() if finished_only else FlowRunFilter()
    tagged.tags = FlowRunFilterTags(all_=[tag])
    deleted = 0
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(flow_run_filter=tagged, limit=200)
            if not runs:
                return deleted
            for run in runs:
                client.delete_flow_run(UUID(str(run.id)))
                deleted += 1


def youth_tag(youth_id: int) -> str:
    """The tag of a youth's runs (flows/labels.py's format; tasks do not import flows)."""
    return f"youth:{youth_id}"


@task
def delete_pending_runs() -> dict[str, int]:
    """Delete the Prefect runs of the youths whose run history is due; a youth whose
    runs Prefect did not delete stays pending for the next run."""
    with session_scope(write=False) as session:
        held = set(holds.held_youths(session))
        youth_ids = [i for i in purge_service.pending_run_history(session) if i not in held]
        closed = purge_service.closed_among(session, youth_ids)
    done = failed = runs = 0
    for youth_id in youth_ids:
        try:
            deleted = delete_runs_tagged(youth_tag(youth_id), finished_only=youth_id not in closed)
        except Exception:  # Prefect unreachable or refusing: retried by the next run
            failed += 1
            continue
        with session_scope() as session:
            purge_service.finish_run_history(session, youth_id=youth_id, deleted=deleted)
        done, runs = done + 1, runs + deleted
    return {"youths": done, "runs": runs, "failed": failed}


TERMINAL = ("COMPLETED", "FAILED", "CANCELLED", "CRASHED")


def finished_runs_filter() -> Any:
    """Finished flow runs (never a scheduled or running one)."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    return FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(t) for t in TERMINAL]))
    )


def old_runs_filter(before: datetime) -> Any:
    """Finished flow runs expected to start before an instant."""
    from prefect.client.schemas.filters import FlowRunFilterExpectedStartTime

    runs = finished_runs_filter()
    runs.expected_start_time = FlowRunFilterExpectedStartTime(before_=before)
    return runs


@task
def delete_old_runs(as_of: str, dry_run: bool) -> int:
    """Delete (or count) the finished Prefect runs older than the run history's
    retention, of every flow; audited once with the count. -1: Prefect did not answer
    (the next run tries again)."""
    from prefect.client.orchestration import get_client

    before = retention_service.cutoffs(from_iso(as_of))[RecordClass.run_history]
    with session_scope(write=False) as session:  # a held file's runs stay
        kept = {youth_tag(youth_id) for youth_id in holds.held_youths(session)}
    runs_filter = old_runs_filter(before)
    deleted = kept_runs = due = 0
    try:
        with get_client(sync_client=True) as client:
            if dry_run and not kept:
                return int(client.count_flow_runs(flow_run_filter=runs_filter))
            # Runs left in place (held, or all when dry) are paged over, never re-read.
            while runs := client.read_flow_runs(
                flow_run_filter=runs_filter, limit=200, offset=kept_runs
            ):
                for run in runs:
                    if kept.intersection(run.tags) or dry_run:
                        kept_runs += 1
                        due += 0 if kept.intersection(run.tags) else 1
                        continue
                    client.delete_flow_run(UUID(str(run.id)))
                    deleted += 1
            if dry_run:
                return due
    except Exception:  # Prefect unreachable: what was deleted is still audited below
        if not deleted:
            return -1
    with session_scope() as session:
        purge_service.record_old_runs(session, deleted=deleted)
    return deleted


@task
def purge_aged_rows(as_of: str, dry_run: bool) -> dict[str, dict[str, int]]:
    """Purge the audit rows and notifications past their age, a batch per transaction."""
    total: dict[str, dict[str, int]] = {}
    while True:
        with session_scope() as session:
            found = retention_service.purge_aged(session, at=from_iso(as_of), dry_run=dry_run)
        for record_class, rows in found.items():
            for table, n in rows.items():
                total.setdefault(record_class, {})[table] = (
                    total.get(record_class, {}).get(table, 0) + n
                )
        if not found or dry_run:
            return total


@task
def remove_orphan_files(dry_run: bool) -> int:
    """Remove the stored files no document row names any more; return how many."""
    with session_scope(write=False) as session:
        names = retention_service.orphan_files(session)
    if not dry_run:
        for name in names:
            storage.discard(name)
    return len(names)
