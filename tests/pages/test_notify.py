"""The inbox speaks the reader's language, marks everything read at once; unknown pages
answer the translated 404 page (the API's stay JSON)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from mowakaba.db import session_scope
from mowakaba.enums import Language, NotificationKind
from mowakaba.models import AuditEvent, Notification
from mowakaba.services import notifications as notification_service
from mowakaba.services import preferences as preference_service
from mowakaba.services import users as user_service
from tests.pages.conftest import sign_in
from tests.pages.world import csrf_of

SUBJECTS = {
    Language.ar: "تذكير: التشخيص الأولي للشاب",
    Language.fr: "Rappel : Diagnostic d&#39;entrée pour",  # escaped once, not twice
    Language.en: "Reminder: Intake assessment for",
}
NOT_FOUND = {Language.ar: "الصفحة غير موجودة", Language.fr: "Page introuvable",
             Language.en: "Page not found"}  # fmt: skip


def set_language(user_id: int, language: Language) -> None:
    with session_scope() as s:
        preference_service.set_language(s, user_id=user_id, language=language)


def unread_of(user_id: int) -> int:
    with session_scope() as s:
        return notification_service.page_inbox(s, user_id=user_id, unread_only=True, limit=1)[1]


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_inbox_shows_subjects_in_the_readers_language(world, browser_client, language):
    set_language(world.ids["med1"], language)
    sign_in(browser_client, "med1")
    page = browser_client.get("/inbox")
    assert page.status_code == 200 and f'lang="{language.value}"' in page.text
    assert page.text.count(SUBJECTS[language]) == 2
    assert '<span lang="en" dir="ltr">' not in page.text  # no longer English whatever the page
    assert "&amp;#39;" not in page.text


def test_mark_all_read_reads_only_mine_and_audits_each(world, browser_client):
    with session_scope() as s:
        med2 = user_service.get_user_by_name(s, "med2")
        notification_service.enqueue(
            s, key="test:med2", recipient=med2, kind=NotificationKind.not_in_touch,
            youth_id=world.ids["other"],
            context={"youth_code": world.codes["other"], "institution": "Dar",
                     "due_date": "2026-12-30", "link": "/"},
        )  # fmt: skip
    sign_in(browser_client, "med1")
    inbox = browser_client.get("/inbox").text
    assert "Tout marquer comme lu" in inbox and 'action="/inbox/read-all"' in inbox
    done = browser_client.post("/inbox/read-all", data={"csrf_token": csrf_of(inbox)},
                               follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    assert unread_of(world.ids["med1"]) == 0 and unread_of(world.ids["med2"]) == 1
    after = browser_client.get("/inbox").text
    assert "Tout marquer comme lu" not in after and 'id="unread-count">0<' in after
    with session_scope() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "notifications.read")).all()
    assert sorted(e.youth_id for e in events) == sorted([world.ids["late"], world.ids["soon"]])
    assert {e.actor_id for e in events} == {world.ids["med1"]}
    again = browser_client.post("/inbox/read-all", data={"csrf_token": csrf_of(after)},
                                follow_redirects=False)  # fmt: skip
    assert again.status_code == 303  # nothing left: nothing changes, nothing to audit


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_mark_all_read_without_the_forms_token_is_refused_and_changes_nothing(
    world, browser_client, token
):
    sign_in(browser_client, "med1")
    data = {} if token is None else {"csrf_token": token}
    refused = browser_client.post("/inbox/read-all", data=data)
    assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    assert unread_of(world.ids["med1"]) == 2


def test_mark_all_read_needs_a_session(world, browser_client):
    response = browser_client.post("/inbox/read-all", data={"csrf_token": "x"},
                                   follow_redirects=False)  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert unread_of(world.ids["med1"]) == 2


def test_anothers_notification_is_not_found_and_stays_unread(world, browser_client):
    with session_scope() as s:
        theirs = s.exec(select(Notification).order_by(col(Notification.id))).first()
    assert theirs is not None
    sign_in(browser_client, "med2")
    token = csrf_of(browser_client.get("/inbox").text)
    response = browser_client.post(f"/inbox/{theirs.id}/read", data={"csrf_token": token})
    assert response.status_code == 404 and "Page introuvable" in response.text
    assert unread_of(world.ids["med1"]) == 2


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_an_unknown_page_answers_the_translated_404_page(world, browser_client, language):
    response = browser_client.get("/nowhere", headers={"Accept-Language": language.value})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert (
        f'<html lang="{language.value}"' in response.text and NOT_FOUND[language] in response.text
    )
    assert "Content-Security-Policy" in response.headers  # the security headers too
    posted = browser_client.post("/nowhere/else", headers={"Accept-Language": language.value})
    assert posted.status_code == 404 and NOT_FOUND[language] in posted.text


def test_an_unknown_page_speaks_the_signed_in_users_language_and_keeps_the_header(
    world, browser_client
):
    set_language(world.ids["med1"], Language.ar)
    sign_in(browser_client, "med1")
    response = browser_client.get("/work/nothing-here", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and 'dir="rtl"' in response.text
    assert NOT_FOUND[Language.ar] in response.text and "Nadia Alaoui" in response.text
    assert 'id="unread-count">2<' in response.text


def test_an_unknown_api_path_stays_json(world, browser_client):
    for path in ("/api/v1/nowhere", "/api/nowhere"):
        response = browser_client.get(path)
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "not found"}}
