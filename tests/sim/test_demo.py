"""The demo's seeding: its progress reaches the last day, its accounts share one password."""

from datetime import date

import pytest
from sqlmodel import Session, select

from mowakaba.models import User
from mowakaba.services import users as user_service
from mowakaba.sim.demo import DEMO_PASSWORD, seed_demo


def test_seeding_reports_progress_up_to_the_last_day_and_every_account_signs_in(committed):
    calls: list[tuple[int, int]] = []

    summary = seed_demo(date(2026, 11, 30), youths=4, progress=lambda *call: calls.append(call))

    assert sum(summary.youths_by_stage.values()) == 4
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert calls[-1][0] == calls[-1][1] > 0
    with Session(committed) as session:
        users = session.exec(select(User)).all()
    assert len(users) == len(summary.accounts) == 8
    assert all(user_service.verify_password(u.password_hash, DEMO_PASSWORD) for u in users)


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
