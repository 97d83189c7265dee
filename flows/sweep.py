"""The sweep flow: everything periodic, a task per batch; pathway runs only for stage changes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from prefect import flow, tags

from flows.labels import youth_tags
from flows.pathway import pathway
from mowakaba import clock
from mowakaba.settings import get_settings
from tasks.sweep import find_due_youths, mark_missed_checkpoints, raise_escalations, send_reminders


@flow(name="sweep", persist_result=False)
def sweep(as_of: str | None = None, inline: bool = False) -> dict[str, Any]:
    """Mark missed checkpoints, move the youths whose stage must change, remind, escalate.

    `inline` runs the pathway of each youth as a subflow here (the CLI, the
    simulator); otherwise each gets its own `pathway` deployment run.
    """
    at = as_of or clock.now().isoformat()
    settings = get_settings()
    size = settings.sweep_batch_size
    counts: Counter[str] = Counter()

    def batches(task: Any) -> Iterator[dict[str, Any]]:
        """Run a batch task from the first row on until it reports no more."""
        after, more = 0, True
        while more:
            batch = task(at, after, size)
            yield batch
            after, more = batch["last"], batch["more"]
            if settings.sweep_batch_pause_seconds:
                time.sleep(settings.sweep_batch_pause_seconds)

    for batch in batches(mark_missed_checkpoints):
        counts["checkpoints_missed"] += batch["missed"]
        counts["marked_not_in_touch"] += batch["marked"]

    for batch in batches(find_due_youths):
        for youth in batch["youths"]:
            counts["pathway_runs"] += 1
            if inline:
                labels = youth_tags(
                    youth_id=youth["youth_id"], institution_id=youth["institution_id"],
                    stage=youth["stage"],
                )  # fmt: skip
                with tags(*labels):
                    result = pathway(youth_id=youth["youth_id"], as_of=at)
                counts["stage_changes"] += bool(result["moves"])
            else:
                from flows.deployments import start_pathway

                started = start_pathway(
                    youth_id=youth["youth_id"], code=youth["code"],
                    institution_id=youth["institution_id"], stage=youth["stage"],
                    event=youth["event"], as_of=at,
                )  # fmt: skip
                counts["pathway_runs_failed"] += started is None

    for batch in batches(send_reminders):
        counts["reminders"] += batch["sent"]

    for batch in batches(raise_escalations):
        counts["escalations_level_1"] += batch["level_1"]
        counts["escalations_level_2"] += batch["level_2"]
    return dict(counts)
