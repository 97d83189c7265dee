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
    otherwise each gets its own `pathway` deployment run.
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
            for due in batch.due:
                labels = launch.RunLabels(due.youth_id, due.code, due.institution_id, due.stage)
                counts["pathway_runs"] += 1
                if inline:
                    result = launch.run_pathway_inline(labels, as_of=at)
                    counts["stage_changes"] += bool(result["moves"])
                else:
                    started = launch.start_pathway(labels, event=due.event, as_of=at)
                    counts["pathway_runs_failed"] += started is None
            if settings.sweep_batch_pause_seconds:
                time.sleep(settings.sweep_batch_pause_seconds)
    return dict(counts)
