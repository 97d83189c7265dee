"""The one registry of deployments: their names, schedules and descriptions, as data.

`flows/serve.py` builds and serves them; `flows/launch.py` starts them by name.
Nothing here imports a flow, so any module may read the names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mowakaba.settings import Settings


@dataclass(frozen=True)
class Deployment:
    """A deployment of a flow: `<flow>/<name>`, on demand, every N minutes, or on a cron
    schedule (a cron line and its time zone)."""

    flow: str
    name: str
    description: str
    every_minutes: Callable[[Settings], int] | None = None
    cron: Callable[[Settings], tuple[str, str]] | None = None
    # At most this many runs of the deployment at once (None: no limit).
    concurrency: Callable[[Settings], int] | None = None
    # Its runs reconcile youths: each takes its youths' slots (`youth_slot_name`).
    per_youth: bool = False

    @property
    def full_name(self) -> str:
        """The name `run_deployment` takes."""
        return f"{self.flow}/{self.name}"


PATHWAY = Deployment("pathway", "pathway", "One youth brought up to date.", per_youth=True)
PATHWAY_BATCH = Deployment(
    "pathway_batch", "pathway_batch",
    "Many youths brought up to date in one run (a sweep's stage changes, a register).",
    per_youth=True,
)  # fmt: skip
SWEEP = Deployment(
    "sweep", "sweep", "Reminders, escalations, missed checkpoints, stage triggers.",
    every_minutes=lambda settings: settings.sweep_every_minutes,
)  # fmt: skip
DELIVER = Deployment(
    "deliver", "deliver", "Send the outbox's emails.",
    every_minutes=lambda settings: settings.deliver_every_minutes,
    concurrency=lambda settings: settings.deliver_concurrency,
)  # fmt: skip
REFERRAL = Deployment(
    "referral", "referral", "What follows a referral's move: notices, milestones met."
)
INDICATORS_SNAPSHOT = Deployment(
    "indicators_snapshot", "indicators_snapshot",
    "Nightly: every indicator per institution for the day, for the trends.",
    cron=lambda settings: (settings.indicators_snapshot_cron,
                           settings.indicators_snapshot_time_zone),
)  # fmt: skip
RETENTION = Deployment(
    "retention", "retention",
    "Daily: purge what has outlived its retention (docs/privacy.md); held files are kept.",
    cron=lambda settings: (settings.retention_cron, settings.retention_time_zone),
)  # fmt: skip
REGISTRY = (PATHWAY, PATHWAY_BATCH, SWEEP, DELIVER, REFERRAL, INDICATORS_SNAPSHOT, RETENTION)
PATHWAY_FLOWS = (PATHWAY.flow, PATHWAY_BATCH.flow)
"""The flows whose runs are a youth's pathway (monitoring counts both)."""

YOUTH_SLOT_PREFIX = "pathway-youth-"


def youth_slot_name(youth_id: int, slots: int) -> str:
    """The global concurrency limit (limit 1) a run holds while it reconciles this youth:
    `pathway-youth-<youth id mod slots>`, so two runs of one youth never overlap."""
    return f"{YOUTH_SLOT_PREFIX}{youth_id % slots}"


def youth_slot_names(slots: int) -> list[str]:
    """Every slot's limit name (`mowakaba deploy` creates them)."""
    return [f"{YOUTH_SLOT_PREFIX}{n}" for n in range(slots)]
