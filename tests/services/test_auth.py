"""The login throttle and the account lock (issue 10, defect 5), on the service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from mowakaba.clock import now
from mowakaba.enums import NotificationKind, Role
from mowakaba.errors import Throttled, Unauthenticated
from mowakaba.models import Notification
from mowakaba.notify.render import render_text
from mowakaba.services import auth as auth_service
from mowakaba.services import users as user_service
from tests.factories import make_user

RIGHT = "correct horse battery"


def attempt(session, username, password, client, at):
    try:
        auth_service.issue_token(
            session, username=username, password=password, client=client, at=at
        )
    except Throttled:
        return 429
    except Unauthenticated:
        return 401
    return 200


def test_a_guesser_at_one_address_does_not_lock_the_real_user_out(session):
    make_user(session, Role.admin, username="amina")
    t = now()
    for _ in range(5):
        assert attempt(session, "amina", "wrong", "10.0.0.66", t) == 401
    assert attempt(session, "amina", RIGHT, "10.0.0.66", t) == 429  # that client waits
    assert attempt(session, "amina", RIGHT, "10.0.0.7", t) == 200  # the real user does not


def test_many_failures_from_many_clients_lock_the_account_and_tell_its_owner(session):
    user = make_user(session, Role.admin, username="karim", email="karim@example.ma")
    t = now()
    for i in range(auth_service.LOCK_AFTER):
        assert attempt(session, "karim", "wrong", f"10.0.{i}.1", t + timedelta(seconds=i)) == 401
    session.refresh(user)
    assert user.locked_until is not None and user.locked_until > t + timedelta(minutes=14)
    # Locked: the same answer whatever the password, from any client.
    later = t + timedelta(minutes=1)
    with pytest.raises(Throttled) as locked:
        auth_service.issue_token(
            session, username="karim", password=RIGHT, client="10.9.9.9", at=later
        )
    assert 0 < locked.value.retry_after <= 15 * 60
    assert attempt(session, "karim", "wrong", "10.9.9.9", later) == 429
    notes = session.exec(select(Notification).where(Notification.recipient_id == user.id)).all()
    assert [n.kind for n in notes] == [NotificationKind.account_locked]
    assert notes[0].email_status is not None  # emailed too, the address being known
    for language in ("ar", "fr", "en"):
        subject, body = render_text("account_locked", language, {**notes[0].context,
                                                                 "recipient_name": "Karim"})  # fmt: skip
        assert "20" in subject and "15" in body
    # An admin's enable lifts the lock at once.
    user_service.set_active(session, user_id=user.pk, active=True)
    assert attempt(session, "karim", RIGHT, "10.9.9.9", later) == 200


def test_a_lock_ends_by_itself_after_fifteen_minutes(session):
    make_user(session, Role.admin, username="salma")
    t = now()
    for i in range(auth_service.LOCK_AFTER):
        attempt(session, "salma", "wrong", f"10.1.{i}.1", t)
    assert attempt(session, "salma", RIGHT, "10.2.0.1", t + timedelta(minutes=14)) == 429
    assert attempt(session, "salma", RIGHT, "10.2.0.1", t + timedelta(minutes=16)) == 200


def test_an_unknown_user_name_gets_the_same_answers_as_a_locked_account(session):
    t = now()
    answers = [attempt(session, "nobody", "x", f"10.3.{i}.1", t) for i in range(21)]
    assert answers == [401] * 20 + [429]
