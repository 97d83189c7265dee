"""The sweep flow: everything periodic, a task per batch; pathway runs only for stage changes."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from prefect import flow

from flows import launch
from mowakaba import clock
from mowakaba.services import sweep as sweep_service
from mowakaba.settings import get_settings
from tasks.sweep import sweep_batch


@flow(name="sweep", persist_result=False)
def sweep(as_of: str | None = None, inline: bool = False) -> dict[str, Any]:
    """Mark missed checkpoints, move the youths whose stage must change, remind, escalate.

    The phases are the core's (`mowakaba.services.sweep.PHASES`), one task per batch.
    `inline` runs the pathway of each youth as a flow here (the CLI, the simulator);
    otherwise the youths go by `pathway_batch` deployment runs of
    `MOWAKABA_PATHWAY_BATCH_SIZE` youths (not a process start each on a work pool); a
    batch Prefect does not take stays due for the next sweep.
    """
    at = as_of or clock.now().isoformat()
    settings = get_settings()
    size = settings.sweep_batch_size
    counts: Counter[str] = Counter()
    for phase in sweep_service.PHASES:

        def fetch(after: int, phase: str = phase) -> sweep_service.Batch:
            return sweep_service.Batch.from_json(sweep_batch(phase, at, after, size))

        for batch in sweep_service.pages(fetch):
            counts.update(batch.counts)
            due = [launch.RunLabels(d.youth_id, d.code, d.institution_id, d.stage)
                   for d in batch.due]  # fmt: skip
            counts["pathway_runs"] += len(due)
            if inline:
                for labels in due:
                    result = launch.run_pathway_inline(labels, as_of=at)
                    counts["stage_changes"] += bool(result["moves"])
            else:
                events = {d.youth_id: d.event for d in batch.due}  # trigger or flag, and day
                for chunk in launch.in_batches(due):
                    started = launch.start_pathway_batch(
                        chunk, event=f"sweep-{at}", events=events, as_of=at
                    )
                    counts["pathway_batch_runs"] += 1
                    counts["pathway_runs_failed"] += len(chunk) if started is None else 0
            if settings.sweep_batch_pause_seconds:
                time.sleep(settings.sweep_batch_pause_seconds)
    return dict(counts)
