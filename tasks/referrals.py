"""Tasks of the referral flow: each opens its own session, calls one service, commits."""

from __future__ import annotations

from typing import Any

from prefect import task

from mowakaba import clock
from mowakaba.db import session_scope
from mowakaba.services import referrals as referral_service


@task(retries=2, retry_delay_seconds=1)
def settle(referral_id: int, as_of: str | None = None) -> dict[str, Any]:
    """Do what follows a referral's unsettled moves; return what it did (ids and counts)."""
    with session_scope() as session:
        settled = referral_service.settle_referral(
            session, referral_id=referral_id, at=clock.from_iso(as_of)
        )
        return {
            "referral_id": referral_id,
            "youth_id": settled.youth_id,
            "moves": settled.transitions,
            "notifications": settled.notifications,
            "completed_work_item_ids": settled.completed_work_item_ids,
        }
