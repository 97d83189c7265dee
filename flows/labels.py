"""Names and tags of flow runs: ids and codes only, never names, notes or health data."""

from __future__ import annotations

from uuid import UUID

from mowakaba.db import session_scope
from mowakaba.models import Youth

# The one format of a youth's run tags.
TAG_PREFIXES = ("youth:", "institution:", "stage:")


def youth_tag(youth_id: int) -> str:
    """Return the tag that finds every run of one youth."""
    return f"youth:{youth_id}"


def institution_tag(institution_id: int) -> str:
    """Return the tag that finds the youths' runs of one institution."""
    return f"institution:{institution_id}"


def partner_tag(partner_id: int) -> str:
    """Return the tag that finds the referral runs of one partner."""
    return f"partner:{partner_id}"


def youth_tags(*, youth_id: int, institution_id: int, stage: str) -> list[str]:
    """Return the tags of a youth's runs (Prefect filters runs by tag, not by parameter)."""
    return [youth_tag(youth_id), institution_tag(institution_id), f"stage:{stage}"]


def youth_of_tags(tags: list[str]) -> int | None:
    """Return the youth a run's tags name (None: a run of no youth, like the sweep's)."""
    for tag in tags:
        if tag.startswith("youth:") and tag[6:].isdigit():
            return int(tag[6:])
    return None


def run_name(prefix: str, youth_id: int) -> str:
    """Return `<prefix>-<youth code>`."""
    with session_scope(write=False) as session:
        youth = session.get(Youth, youth_id)
        return f"{prefix}-{youth.code if youth else youth_id}"


def retag_run(run_id: str, *, youth_id: int, institution_id: int, stage: str) -> None:
    """Set a run's youth tags, the stage being the one the run leaves the youth in."""
    from prefect.client.orchestration import get_client
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    run = context.flow_run if context is not None else None
    if run is None or str(run.id) != run_id:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(run_id))
    others = [t for t in run.tags if not t.startswith(TAG_PREFIXES)]
    tags = others + youth_tags(youth_id=youth_id, institution_id=institution_id, stage=stage)
    if sorted(tags) != sorted(run.tags):
        with get_client(sync_client=True) as client:
            client.update_flow_run(UUID(run_id), tags=tags)
        run.tags = tags


def tag_as_youth(run_id: str, youth_id: int) -> None:
    """Tag a run with its youth's tags as they are now (a run started without them).

    Runs started in-process are not wrapped in `tags()`: their task runs would inherit
    the tags and ask the server for tag concurrency slots (~0.2 s a run).
    """
    with session_scope(write=False) as session:
        youth = session.get(Youth, youth_id)
        if youth is None:
            return
        institution_id, stage = youth.institution_id, youth.stage.value
    retag_run(run_id, youth_id=youth_id, institution_id=institution_id, stage=stage)
