"""Changing my password through the pages (/password): a user whose password an admin set
is sent there and nowhere else until they change it; the API's service and its checks."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.models import LoginFailure, User
from mowakaba.services import users as user_service
from tests.pages.conftest import sign_in
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.world import PASSWORD, csrf_of

STRONG = "olive tree by the sea"


@pytest.fixture
def reset(world):  # type: ignore[no-untyped-def]
    """The world, med1's password reset by an admin: the temporary password."""
    with session_scope() as s:
        return user_service.reset_password(s, user_id=world.ids["med1"])


def change(client: TestClient, current: str, new: str, confirmation: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/password").text)
    data = {"csrf_token": token, "current_password": current, "new_password": new,
            "confirmation": new if confirmation is None else confirmation}  # fmt: skip
    return client.post("/password", data=data, follow_redirects=False)


def failures(username: str) -> int:
    with session_scope() as s:
        return len(s.exec(select(LoginFailure).where(LoginFailure.username == username)).all())


def error_of(html: str, field: str) -> str:
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html), field
    found = re.search(rf'<span class="field-error" id="{field}-error">([^<]+)<', html)
    assert found, f"no error next to {field}"
    return found.group(1)


def test_a_reset_user_is_sent_to_the_password_page_until_they_change_it(reset, browser_client):
    signed_in = sign_in(browser_client, "med1", reset, next="/inbox")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/password"
    page = browser_client.get("/password")
    assert page.status_code == 200 and 'id="must-change"' in page.text
    assert "mot de passe temporaire" in page.text  # French by default
    assert 'href="/work"' not in page.text  # no menu to pages that would send back here
    for path in ("/work", "/inbox", "/youths", "/dashboard", "/admin"):
        refused = browser_client.get(path, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"] == "/password", path
    token = csrf_of(page.text)
    posted = browser_client.post("/inbox/read-all", data={"csrf_token": token},
                                 follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303 and posted.headers["location"] == "/password"
    again = browser_client.get("/sign-in", follow_redirects=False)
    assert again.headers["location"] == "/password"

    done = change(browser_client, reset, STRONG)
    assert done.status_code == 303 and done.headers["location"] == "/work?password=changed"
    landed = browser_client.get(done.headers["location"])
    assert landed.status_code == 200 and 'id="password-changed"' in landed.text
    assert browser_client.get("/inbox").status_code == 200
    with session_scope() as s:
        user = s.get(User, reset_user_id(s))
        assert user is not None and not user.must_change_password


def reset_user_id(s) -> int:  # type: ignore[no-untyped-def]
    return s.exec(select(User.id).where(User.username == "med1")).one()


def test_the_language_and_sign_out_stay_open_before_the_change(reset, browser_client):
    sign_in(browser_client, "med1", reset)
    token = csrf_of(browser_client.get("/password").text)
    chosen = browser_client.post("/language", data={"csrf_token": token, "language": "ar",
                                                    "back": "/password"},
                                 follow_redirects=False)  # fmt: skip
    assert chosen.headers["location"] == "/password"
    page = browser_client.get("/password")
    assert 'dir="rtl"' in page.text
    out = browser_client.post("/sign-out", data={"csrf_token": csrf_of(page.text)},
                              follow_redirects=False)  # fmt: skip
    assert out.headers["location"] == "/sign-in"


def test_a_wrong_current_password_shows_the_form_again_and_counts_as_a_failure(
    world, browser_client
):
    before, mark = failures("med1"), audit_mark()
    sign_in(browser_client, "med1")
    refused = change(browser_client, "not my password", STRONG)
    assert refused.status_code == 422
    assert error_of(refused.text, "current_password") == "Ce n’est pas votre mot de passe actuel."
    assert STRONG not in refused.text and "not my password" not in refused.text
    assert failures("med1") == before + 1
    assert [e.outcome.value for e in audit_since(mark, "me.password")] == ["denied"]
    assert browser_client.get("/work").status_code == 200  # still signed in, nothing changed
    assert sign_in(TestClient(create_app()), "med1").status_code == 303


def test_a_weak_or_mismatched_new_password_is_refused_beside_its_field(world, browser_client):
    sign_in(browser_client, "med1")
    weak = change(browser_client, PASSWORD, "password")
    assert weak.status_code == 422 and "trop faible" in error_of(weak.text, "new_password")
    assert PASSWORD not in weak.text
    for new in ("med1med1med1med1", PASSWORD):
        assert change(browser_client, PASSWORD, new).status_code == 422, new
    same = change(browser_client, PASSWORD, PASSWORD)
    assert "différent" in error_of(same.text, "new_password")
    mismatch = change(browser_client, PASSWORD, STRONG, STRONG + "!")
    assert mismatch.status_code == 422 and error_of(mismatch.text, "confirmation")
    assert failures("med1") == 0
    with TestClient(create_app()) as other:
        assert sign_in(other, "med1").status_code == 303  # the old password still works


def test_after_the_change_the_other_sessions_are_dead_and_this_one_works(world):
    with TestClient(create_app()) as mine, TestClient(create_app()) as theirs:
        sign_in(mine, "med1")
        sign_in(theirs, "med1")
        old_cookie = mine.cookies.get("mowakaba_session")
        mark = audit_mark()
        done = change(mine, PASSWORD, STRONG)
        assert done.status_code == 303 and done.headers["location"] == "/work?password=changed"
        assert mine.cookies.get("mowakaba_session") != old_cookie
        assert mine.get("/work", follow_redirects=False).status_code == 200
        assert (
            theirs.get("/work", follow_redirects=False).headers["location"].startswith("/sign-in")
        )
        assert [e.outcome.value for e in audit_since(mark, "me.password")] == ["allowed"]
        mine.cookies.set("mowakaba_session", old_cookie)
        assert mine.get("/work", follow_redirects=False).status_code == 303
        with TestClient(create_app()) as fresh:
            assert sign_in(fresh, "med1").status_code == 401
            assert sign_in(fresh, "med1", STRONG).status_code == 303


def test_the_form_without_its_csrf_token_is_refused(world, browser_client):
    sign_in(browser_client, "med1")
    for data in ({}, {"csrf_token": "forged"}):
        refused = browser_client.post(
            "/password",
            data={**data, "current_password": PASSWORD, "new_password": STRONG,
                  "confirmation": STRONG},
        )  # fmt: skip
        assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    with TestClient(create_app()) as fresh:
        assert sign_in(fresh, "med1").status_code == 303  # unchanged


def test_without_a_session_the_page_sends_to_sign_in(world, browser_client):
    response = browser_client.get("/password", follow_redirects=False)
    assert response.headers["location"] == "/sign-in?next=/password"
    posted = browser_client.post("/password", data={}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/sign-in")


def test_every_signed_in_user_has_a_link_to_the_page(world, browser_client):
    sign_in(browser_client, "coord")
    assert 'href="/password"' in browser_client.get("/dashboard").text
    assert browser_client.get("/password").status_code == 200
