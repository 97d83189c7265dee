"""The referral flow: what follows a referral's move, run after the commit that made it."""

from __future__ import annotations

from typing import Any

from prefect import flow, runtime

from flows.pathway import pathway
from tasks.referrals import settle


def referral_run_name() -> str:
    """Name a run `referral-<referral id>` (ids only)."""
    return f"referral-{runtime.flow_run.parameters['referral_id']}"


@flow(name="referral", flow_run_name=referral_run_name, persist_result=False)
def referral(referral_id: int, as_of: str | None = None) -> dict[str, Any]:
    """Tell the partner of a new referral and the mediator of an answer; when the service
    was delivered, meet the plan milestone and checklist item it stands for, and bring the
    youth's pathway up to date."""
    result = settle(referral_id, as_of)
    if result["completed_work_item_ids"]:
        pathway(youth_id=result["youth_id"], as_of=as_of)
    return result
