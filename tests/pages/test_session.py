"""The pages' session and forms, driven as a browser would, without a browser."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.models import AuditEvent, Notification
from mowakaba.services import users as user_service
from tests.pages.conftest import sign_in
from tests.pages.world import csrf_of


def test_signing_in_sets_an_httponly_lax_cookie_and_lands_on_my_work(world, browser_client):
    response = sign_in(browser_client, "med1")
    assert response.status_code == 303 and response.headers["location"] == "/work"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "mowakaba_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    page = browser_client.get("/work")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert world.codes["late"] in page.text and world.codes["other"] not in page.text


def test_the_cookie_is_secure_over_tls(world):
    with TestClient(create_app(), base_url="https://testserver") as client:
        response = sign_in(client, "med1")
    cookie = next(c for c in response.headers.get_list("set-cookie") if "mowakaba_session=" in c)
    assert "Secure" in cookie


def test_a_page_without_a_session_sends_to_sign_in_and_back(world, browser_client):
    response = browser_client.get("/work?kind=intake_assessment", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/work%3Fkind%3Dintake_assessment"
    back = sign_in(browser_client, "med1", next="/work?kind=intake_assessment")
    assert back.headers["location"] == "/work?kind=intake_assessment"
    browser_client.cookies.delete("mowakaba_session")
    elsewhere = sign_in(browser_client, "med1", next="//evil.example/")
    assert elsewhere.headers["location"] == "/work"


def test_wrong_password_answers_in_the_language_and_keeps_the_user_name(world, browser_client):
    token = csrf_of(browser_client.get("/sign-in", headers={"Accept-Language": "ar"}).text)
    response = browser_client.post(
        "/sign-in", headers={"Accept-Language": "ar"},
        data={"username": "med1", "password": "nope", "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 401
    assert 'dir="rtl"' in response.text and "كلمة المرور غير صحيحة" in response.text
    assert 'value="med1"' in response.text


def test_failed_sign_ins_are_throttled_like_the_api(world, browser_client):
    for _ in range(5):
        assert sign_in(browser_client, "med2", "wrong").status_code == 401
    throttled = sign_in(browser_client, "med2")  # the right password, too late
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Réessayez dans 15 minutes" in throttled.text  # French by default


def test_a_form_without_its_csrf_token_or_with_another_sessions_is_refused(world):
    with (
        TestClient(create_app()) as mine,
        TestClient(create_app()) as theirs,
    ):
        sign_in(mine, "med1")
        sign_in(theirs, "med1")
        inbox = mine.get("/inbox").text
        notification_id = select_first_notification(world.ids["med1"])
        for data in ({}, {"csrf_token": ""}, {"csrf_token": csrf_of(theirs.get("/inbox").text)}):
            refused = mine.post(f"/inbox/{notification_id}/read", data=data)
            assert refused.status_code == 403, data
            assert "Le formulaire a expiré" in refused.text
        accepted = mine.post(
            f"/inbox/{notification_id}/read", data={"csrf_token": csrf_of(inbox)},
            follow_redirects=False,
        )  # fmt: skip
        assert accepted.status_code == 303
        # Before signing in too: the sign-in form's token must match its cookie.
        with TestClient(create_app()) as stranger:
            refused = stranger.post("/sign-in", data={"username": "med1", "password": "x"})
            assert refused.status_code == 403


def select_first_notification(user_id: int) -> int:
    with session_scope() as s:
        return s.exec(select(Notification.id).where(Notification.recipient_id == user_id)).first()


def test_a_disabled_users_cookie_stops_working(world, browser_client):
    sign_in(browser_client, "med1")
    assert browser_client.get("/work").status_code == 200
    with session_scope() as s:
        user_service.set_active(s, user_id=world.ids["med1"], active=False)
    response = browser_client.get("/work", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_signing_out_revokes_the_session(world, browser_client):
    sign_in(browser_client, "med1")
    page = browser_client.get("/work").text
    cookie = browser_client.cookies.get("mowakaba_session")
    out = browser_client.post(
        "/sign-out", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    browser_client.cookies.set("mowakaba_session", cookie)  # a copy kept by someone
    assert browser_client.get("/work", follow_redirects=False).status_code == 303


def audit_since(before: int, action: str) -> list[AuditEvent]:
    """The audit rows of an action written after a mark (the trail is never emptied)."""
    with session_scope() as s:
        return list(
            s.exec(
                select(AuditEvent)
                .where(AuditEvent.action == action, col(AuditEvent.id) > before)
                .order_by(col(AuditEvent.id))
            )
        )  # fmt: skip  (in the order they were written)


def audit_mark() -> int:
    with session_scope() as s:
        return s.exec(select(func.coalesce(func.max(AuditEvent.id), 0))).one()


def test_a_role_without_the_page_gets_a_translated_403_and_it_is_audited(world, browser_client):
    before = audit_mark()
    sign_in(browser_client, "partner")
    response = browser_client.get("/work")
    assert response.status_code == 403 and "Accès refusé" in response.text
    assert "<html" in response.text and "application/json" not in response.headers["content-type"]
    assert 'id="unread-count">0<' in response.text  # the layout's header, as on any page
    denied = audit_since(before, "work_items.list")
    assert [e.outcome.value for e in denied] == ["denied"]


def test_someone_elses_notification_is_a_404_like_a_missing_one(world, browser_client):
    sign_in(browser_client, "med2")
    token = csrf_of(browser_client.get("/inbox").text)
    theirs = select_first_notification(world.ids["med1"])
    stranger = browser_client.post(f"/inbox/{theirs}/read", data={"csrf_token": token})
    missing = browser_client.post("/inbox/999999/read", data={"csrf_token": token})
    assert stranger.status_code == missing.status_code == 404
    assert stranger.text.replace(f"/inbox/{theirs}/", "") == missing.text.replace(
        "/inbox/999999/", ""
    )
    assert "Page introuvable" in stranger.text


def test_my_work_is_audited_per_youth_shown(world, browser_client):
    before = audit_mark()
    sign_in(browser_client, "med1")
    browser_client.get("/work")
    shown = [e.youth_id for e in audit_since(before, "work_items.list")]
    assert sorted(shown) == sorted([world.ids["late"], world.ids["soon"]])


def test_the_language_is_remembered_for_the_user(world, browser_client):
    sign_in(browser_client, "med1")
    page = browser_client.get("/work").text
    assert '<html lang="fr" dir="ltr">' in page and "Mon travail" in page
    browser_client.post("/language", data={"csrf_token": csrf_of(page), "language": "ar",
                                           "back": "/work"})  # fmt: skip
    with session_scope() as s:
        assert user_service.get_user(s, world.ids["med1"]).language.value == "ar"
    page = browser_client.get("/work").text
    assert '<html lang="ar" dir="rtl">' in page and "عملي" in page
    assert "متأخر بـ10 أيام" in page  # Western digits, the Arabic plural of 3–10


def test_bad_filters_and_unknown_pages_answer_in_html(world, browser_client):
    sign_in(browser_client, "med1")
    assert browser_client.get("/work?kind=bogus&youth=abc").status_code == 200
    bad_page = browser_client.get("/work?page=0")
    assert bad_page.status_code == 422 and "Requête invalide" in bad_page.text
