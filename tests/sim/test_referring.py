"""Simulated referrals over a replayed cohort (in process): mediators refer on their plans'
axes, partners answer in time, late or never, the sweep escalates and expires, the
coordinator re-routes; the figures add up."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import NotificationKind, ReferralStatus
from mowakaba.models import Notification, Referral
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import sweep as sweep_service
from mowakaba.sim.behaviour import Behaviour, draw_partner_answer
from mowakaba.sim.cohort import CohortReplay
from mowakaba.sim.partner_directory import seed_partners
from mowakaba.sim.referring import Referrer
from mowakaba.sim.simulation import collect_results, create_programme, draw_cohort, format_results


def replay(*, seed: int) -> tuple[CohortReplay, Referrer]:
    rng = random.Random(seed)
    with session_scope() as s:
        mediator_ids = create_programme(s, institutions=2, mediators=3, password="simulated-only")
        seed_partners(s, create_user=None, nationwide=True)
    registrations = draw_cohort(rng, youths=10, start=date(2026, 1, 1), mediator_ids=mediator_ids)

    def sweep(at):  # type: ignore[no-untyped-def]
        with session_scope() as s:
            sweep_service.sweep(s, at)

    def reconcile(youth_ids, at):  # type: ignore[no-untyped-def]
        with session_scope() as s:
            for youth_id in youth_ids:
                reconciliation_service.reconcile_youth(s, youth_id, at)

    referrer = Referrer(seed=seed)
    cohort = CohortReplay(Behaviour(seed=seed), sweep=sweep, reconcile=reconcile,
                          pending=registrations, sideline=referrer)  # fmt: skip
    # Every referral figure is final by mid-2027 (the cohort arrives over 2026): the later
    # years would replay days on which nobody refers.
    cohort.run(date(2026, 1, 1), date(2027, 7, 1))
    return cohort, referrer


def test_mediators_refer_partners_answer_late_or_never_and_the_figures_add_up(committed):
    cohort, _ = replay(seed=11)
    assert cohort.errors == []
    with session_scope() as s:
        results = collect_results(s)
        referrals = s.exec(select(Referral)).all()
        kinds = Counter(n.kind for n in s.exec(select(Notification)))
    figures = results.referrals
    assert figures["sent"] == len([r for r in referrals if r.sent_date]) > 5
    assert figures["accepted"] + figures["declined"] + figures["expired"] <= figures["sent"]
    assert figures["completed"] + figures["not_completed"] <= figures["accepted"]
    assert figures["expired"] >= 1 and figures["rerouted"] >= 1 and figures["escalated"] >= 1
    # Each overdue referral escalated once; each expired one told once.
    assert kinds[NotificationKind.referral_expired] >= figures["expired"]
    assert all(r.milestone_id for r in referrals)  # referred on the plan's milestones
    assert 1 <= figures["median_response_working_days"] <= 10
    assert all(r.status != ReferralStatus.sent or r.response_due_date for r in referrals)
    assert "Referrals: sent" in format_results(results)


def test_partners_mostly_answer_in_time():
    rng = random.Random(3)
    answers = [draw_partner_answer(rng, 5) for _ in range(1000)]
    in_time = sum(a.answer_after is not None and a.answer_after <= 5 for a in answers)
    never = sum(a.answer_after is None for a in answers)
    assert 650 < in_time < 800 and 80 < never < 160
    assert all(a.answer_after is None or 1 <= a.answer_after <= 9 for a in answers)
