"""The demo's seeding: its progress reaches the last day, its accounts share one password."""

from datetime import date

from sqlmodel import Session, select

from mowakaba.demo import DEMO_PASSWORD, seed_demo
from mowakaba.models import User
from mowakaba.services import users as user_service


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
