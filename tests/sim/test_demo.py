"""The demo's seeding: its progress reaches the last day, its accounts share one password."""

from collections import Counter
from datetime import date

import pytest
from sqlmodel import Session, select

from mowakaba.enums import NotificationKind, ReferralStatus
from mowakaba.models import Notification, Partner, PartnerService, PathwayEvent, Referral, User
from mowakaba.services import users as user_service
from mowakaba.sim.demo import DEMO_PASSWORD, seed_demo


def test_seeding_reports_progress_up_to_the_last_day_and_every_account_signs_in(committed):
    """One seeding (16 youths: enough for a referral in every state) checked for all."""
    calls: list[tuple[int, int]] = []

    summary = seed_demo(date(2026, 11, 30), youths=16, progress=lambda *call: calls.append(call))

    assert sum(summary.youths_by_stage.values()) == 16
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert calls[-1][0] == calls[-1][1] > 0
    with Session(committed) as session:
        users = session.exec(select(User)).all()
    assert len(users) == len(summary.accounts) == 10  # with the two partner accounts
    assert all(user_service.verify_password(u.password_hash, DEMO_PASSWORD) for u in users)
    the_partners_and_referrals_are_there_in_every_state(committed, summary)


def the_partners_and_referrals_are_there_in_every_state(committed, summary) -> None:  # type: ignore[no-untyped-def]
    with Session(committed) as session:
        partners = session.exec(select(Partner)).all()
        axes = {s.axis for s in session.exec(select(PartnerService))}
        referrals = session.exec(select(Referral)).all()
        kinds = Counter(n.kind for n in session.exec(select(Notification)))
        events = Counter(e.kind.value for e in session.exec(select(PathwayEvent)))
        accounts = {u.username for u in session.exec(select(User)) if u.partner_id}
    assert len(partners) >= 15 and len(axes) == 8 and all(p.name_ar for p in partners)
    assert accounts == {"partner.anapec", "partner.ofppt"}
    assert set(summary.referrals_by_status) == {s.value for s in ReferralStatus}
    assert any(r.escalated_at and r.status == ReferralStatus.sent for r in referrals)
    assert any(r.rerouted_from_id for r in referrals) and any(r.milestone_id for r in referrals)
    for kind in (NotificationKind.referral_answered, NotificationKind.referral_overdue,
                 NotificationKind.referral_expired, NotificationKind.referral_received):  # fmt: skip
        assert kinds[kind] > 0, kind
    assert events["referral_sent"] > 10 and events["referral_completed"] >= 2
    assert events["consent_given"] > 10


def test_an_interrupted_seeding_is_seen_and_its_partial_demo_emptied(committed):
    from mowakaba.db import session_scope
    from mowakaba.models import Institution
    from mowakaba.sim import demo

    def interrupted(done: int, total: int) -> None:
        if done > 30:
            raise KeyboardInterrupt  # Ctrl-C a month into the history

    with pytest.raises(KeyboardInterrupt):
        demo.seed_demo(date(2026, 11, 30), youths=4, progress=interrupted)
    assert demo.was_interrupted() and demo.is_seeded()  # a partial demo is in the database
    demo.reset_partial_demo()
    assert not demo.was_interrupted() and not demo.is_seeded()
    with session_scope() as session:
        assert session.exec(select(Institution)).all() == []
    demo.seed_demo(date(2026, 11, 30), youths=4)
    assert demo.is_seeded() and not demo.was_interrupted()
