"""The pathway flows: youths brought up to date, at an event that matters.

`pathway` reconciles one youth (an edge's event: a registration, a completion that moves
a stage). `pathway_batch` reconciles many in one run (a sweep's stage changes, an imported
register): on a work pool each run is a process start (~2–3 s), so a national sweep
batches its youths rather than paying it per youth (docs/benchmarks.md). Both hold the
youth's concurrency slot while reconciling it when their deployment names a slot count
(`mowakaba deploy`): two runs of one youth never overlap, on however many workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from prefect import flow, get_run_logger, runtime

from flows.deployments import youth_slot_name
from flows.labels import retag_run, run_name, tag_as_youth
from mowakaba.db import session_scope
from mowakaba.services import reconciliation as reconciliation_service
from tasks.pathway import reconcile

# How long a run waits for its youths' slots: another run holding one (of the youth, or
# of a youth sharing the slot) holds it until its batch ends (~10 s for 50 youths).
SLOT_WAIT_SECONDS = 900


def pathway_run_name() -> str:
    """Name a run `pathway-<youth code>` (a code carries no name)."""
    return run_name("pathway", runtime.flow_run.parameters["youth_id"])


def batch_run_name() -> str:
    """Name a batch run `pathway-batch-<first youth's code>-<count>`."""
    ids = runtime.flow_run.parameters["youth_ids"]
    return f"{run_name('pathway-batch', ids[0])}-{len(ids)}" if ids else "pathway-batch-empty"


@contextmanager
def youth_slot(youth_ids: Sequence[int], slots: int) -> Iterator[None]:
    """Hold the youths' global concurrency slots (limit 1 each) for the block, taken in one
    call (all or none, so two runs never deadlock); `slots` 0: none (the embedded system
    and in-process runs rely on each youth's row lock alone). A slot missing on the
    server is an error: `mowakaba deploy` creates them with the deployments."""
    if not slots or not youth_ids:
        yield
        return
    from prefect.concurrency.sync import concurrency

    names = sorted({youth_slot_name(youth_id, slots) for youth_id in youth_ids})
    check_slots(names)
    with concurrency(names, occupy=1, timeout_seconds=SLOT_WAIT_SECONDS, strict=True):
        yield


def check_slots(names: list[str]) -> None:
    """Refuse slots that would not exclude: Prefect grants a set of names when only some
    exist, and passes an inactive limit without counting it."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        for name in names:
            try:
                limit = client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                limit = None
            if limit is None or not limit.active or limit.limit != 1:
                raise RuntimeError(f"the youth slot {name!r} is missing, inactive or not of "
                                   "limit 1: run `mowakaba deploy` again")  # fmt: skip


@flow(name="pathway", flow_run_name=pathway_run_name, persist_result=False)
def pathway(youth_id: int, as_of: str | None = None, youth_slots: int = 0) -> dict[str, Any]:
    """Reconcile one youth: lock, read the state and the clock, do what is due, record it."""
    run_id = str(runtime.flow_run.id) if runtime.flow_run.id else None
    if run_id:
        tag_as_youth(run_id, youth_id)  # a deployment run has its tags already: no call
    with youth_slot([youth_id], youth_slots):
        result = reconcile(youth_id, as_of, run_id)
    if run_id:
        retag_run(run_id, youth_id=youth_id, institution_id=result["institution_id"],
                  stage=result["stage_after"])  # fmt: skip
    return result


@flow(name="pathway_batch", flow_run_name=batch_run_name, persist_result=False)
def pathway_batch(
    youth_ids: list[int], as_of: str | None = None, youth_slots: int = 0
) -> dict[str, Any]:
    """Reconcile each youth in turn, each in its own transaction, holding every youth's
    slot (taken at once: one call for the batch, not two per youth — the sweep cuts its
    batches between slots, so batches running together hold disjoint slots).

    Each youth is one task run (`reconcile-youth-<id>`), one log line and one event
    (`mowakaba.youth.reconciled`, resource `mowakaba.youth.<id>`): a youth's history is
    found by its id even though the run holds many. A youth that fails is flagged for
    the next sweep and the others go on; the run then ends Failed, naming the ids.
    """
    logger = get_run_logger()
    run_id = str(runtime.flow_run.id) if runtime.flow_run.id else None
    moved: list[int] = []
    failed: list[int] = []
    with youth_slot(youth_ids, youth_slots):
        for youth_id in youth_ids:
            outcome = _reconcile_one(youth_id, as_of, run_id, logger)
            if outcome is None:
                failed.append(youth_id)
            elif outcome:
                moved.append(youth_id)
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(youth_ids)} youths not reconciled "
                           f"(flagged for the next sweep): {failed}")  # fmt: skip
    return {"youths": len(youth_ids), "moved": moved}


def _reconcile_one(
    youth_id: int, as_of: str | None, run_id: str | None, logger: Any
) -> bool | None:
    """Reconcile one youth of a batch: True if its stage moved, None if it failed (flagged
    for the next sweep: the others go on)."""
    from prefect.events import emit_event

    try:
        result = reconcile.with_options(task_run_name=f"reconcile-youth-{youth_id}")(
            youth_id, as_of, run_id
        )
    except Exception as exc:  # one youth's failure is not the batch's
        # The error's first words only: a database error goes on with the statement's
        # parameters, which may be personal data (run logs hold ids and codes only).
        reason = str(exc).split("\n", 1)[0].split("[SQL:", 1)[0][:200]
        logger.error("youth:%s not reconciled: %s: %s", youth_id, type(exc).__name__, reason)
        with session_scope() as session:
            reconciliation_service.flag_for_reconciliation(session, youth_ids=[youth_id])
        return None
    logger.info("youth:%s %s: %s → %s", youth_id, result["code"], result["stage_before"],
                result["stage_after"])  # fmt: skip
    emit_event(
        event="mowakaba.youth.reconciled",
        resource={"prefect.resource.id": f"mowakaba.youth.{youth_id}",
                  "prefect.resource.name": result["code"]},
        payload={"stage_before": result["stage_before"], "stage_after": result["stage_after"],
                 "moves": len(result["moves"]), "created": result["created"],
                 "cancelled": result["cancelled"]},
    )  # fmt: skip
    return bool(result["moves"])
