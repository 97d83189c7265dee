"""The youths list and the youth file, through the TestClient: scope, roles, search,
errors kept next to their fields, audit, the flow runs when Prefect is away."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from fastapi.testclient import TestClient

from api.main import create_app
from api.pages import youth_file
from mowakaba.db import session_scope
from mowakaba.enums import EventKind, Language, Stage, WorkItemKind
from mowakaba.services import preferences as preference_service
from mowakaba.services import users as user_service
from mowakaba.services.completions import complete_work_item
from mowakaba.services.reconciliation import reconcile_youth
from tests.factories import assessment, item_of, plan
from tests.pages.conftest import sign_in
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.world import csrf_of


def shown_codes(html: str) -> list[str]:
    return re.findall(r'data-youth="([^"]+)"', html)


def speak(username: str, language: Language) -> None:
    with session_scope() as s:
        user = user_service.get_user_by_name(s, username)
        preference_service.set_language(s, user_id=user.pk, language=language)


# ---------------------------------------------------------------- the list


def test_a_mediator_lists_their_caseload_only_and_each_youth_shown_is_audited(
    world, browser_client
):
    before = audit_mark()
    sign_in(browser_client, "med1")
    page = browser_client.get("/youths")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert sorted(shown_codes(page.text)) == sorted([world.codes["late"], world.codes["soon"]])
    assert f'href="/youths/{world.ids["late"]}"' in page.text
    assert '<a href="/youths" aria-current="page">Jeunes' in page.text  # in the navigation
    shown = sorted(e.youth_id for e in audit_since(before, "youths.list"))
    assert shown == sorted([world.ids["late"], world.ids["soon"]])


def test_a_coordinator_lists_the_whole_institution(world, browser_client):
    sign_in(browser_client, "coord")
    page = browser_client.get("/youths").text
    assert sorted(shown_codes(page)) == sorted(world.codes.values())


def test_the_search_forgives_arabic_spelling_and_finds_a_code(world, browser_client):
    sign_in(browser_client, "coord")
    # سلمى الإدريسي written with a yaa for the alif maqsura and a bare alif: still Salma.
    assert shown_codes(browser_client.get("/youths", params={"q": "سلمي الادريسي"}).text) == [
        world.codes["soon"]
    ]
    assert shown_codes(browser_client.get("/youths", params={"q": "idrissi"}).text) == [
        world.codes["soon"]
    ]
    empty = browser_client.get("/youths", params={"q": "nobody"})
    assert empty.status_code == 200 and shown_codes(empty.text) == []
    assert "Aucun jeune ne correspond." in empty.text


def test_the_stage_filter_keeps_its_choice(world, browser_client):
    sign_in(browser_client, "coord")
    intake = browser_client.get("/youths", params={"stage": "intake"}).text
    assert sorted(shown_codes(intake)) == sorted(world.codes.values())
    assert '<option value="intake" selected>' in intake
    assert shown_codes(browser_client.get("/youths", params={"stage": "closed"}).text) == []


def test_a_wrong_search_is_shown_again_with_its_errors_next_to_the_fields(world, browser_client):
    sign_in(browser_client, "coord")
    before = audit_mark()
    response = browser_client.get("/youths", params={"q": "Salma\u202e", "stage": "asleep"})
    assert response.status_code == 422
    html = response.text
    assert 'aria-describedby="q-error"' in html and 'id="q-error"' in html
    assert 'aria-describedby="stage-error"' in html and 'id="stage-error"' in html
    assert "Choisissez une étape dans la liste." in html
    assert 'value="Salma\u202e"' in html  # what was typed is kept
    assert shown_codes(html) == []
    too_long = browser_client.get("/youths", params={"q": "a" * 201})
    assert too_long.status_code == 422 and 'id="q-error"' in too_long.text
    # Nothing was shown, so the audit names no youth.
    assert {e.youth_id for e in audit_since(before, "youths.list")} == {None}


def test_the_list_is_paginated(world, browser_client, monkeypatch):
    from api.pages import youths

    monkeypatch.setattr(youths, "PAGE_SIZE", 2)
    sign_in(browser_client, "coord")
    first = browser_client.get("/youths", params={"q": "", "stage": ""}).text
    assert len(shown_codes(first)) == 2 and 'rel="next"' in first
    assert 'href="/youths?q=&amp;stage=&amp;page=2"' in first
    second = browser_client.get("/youths", params={"page": 2}).text
    assert len(shown_codes(second)) == 1 and 'rel="prev"' in second


def test_a_partner_may_not_list_or_open_youths(world, browser_client):
    before = audit_mark()
    sign_in(browser_client, "partner")
    listed = browser_client.get("/youths")
    opened = browser_client.get(f"/youths/{world.ids['late']}")
    assert listed.status_code == opened.status_code == 403
    assert "Accès refusé" in opened.text and "Amine" not in opened.text
    assert [e.outcome.value for e in audit_since(before, "youths.list")] == ["denied"]
    (denied,) = audit_since(before, "youths.read")
    assert denied.outcome.value == "denied" and denied.youth_id == world.ids["late"]


# ---------------------------------------------------------------- the file


def test_a_mediator_opens_the_file_of_their_youth(world, browser_client):
    before = audit_mark()
    sign_in(browser_client, "med1")
    response = browser_client.get(f"/youths/{world.ids['late']}")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    html = unescape(response.text)
    assert "Amine Benali" in html and world.codes["late"] in html
    # The pathway bar: intake is where the youth is, the later stages are to come.
    steps = re.findall(r'<li class="step step-(\w+)" data-stage="(\w+)"', html)
    assert steps[0] == ("current", "intake")
    assert [state for state, _ in steps[1:]] == ["coming"] * 6
    assert 'aria-current="step"' in html
    # What is coming, open work linking to its page, the timeline.
    assert "Ce qui vient" in html and "Début de l'étape : Programme en cours" in html
    intake = item_id(world.ids["late"], WorkItemKind.intake_assessment)
    assert f'href="/work/{intake}"' in html and "10 jours de retard" in html
    assert 'data-kind="registered"' in html and 'data-kind="stage_entered"' in html
    assert "Aucun programme individuel d'intégration pour l'instant." in html
    (read,) = audit_since(before, "youths.read")
    assert read.outcome.value == "allowed" and read.youth_id == world.ids["late"]


def test_another_mediators_youth_is_the_same_404_as_a_missing_one(world, browser_client):
    before = audit_mark()
    sign_in(browser_client, "med1")
    theirs = browser_client.get(f"/youths/{world.ids['other']}")
    missing = browser_client.get("/youths/999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(f"/youths/{world.ids['other']}", "") == missing.text.replace(
        "/youths/999999", ""
    )
    assert "Page introuvable" in theirs.text
    assert "Omar" not in theirs.text
    outcomes = [(e.outcome.value, e.youth_id) for e in audit_since(before, "youths.read")]
    assert outcomes == [("not_found", world.ids["other"]), ("not_found", None)]
    assert browser_client.get("/youths/0").status_code == 404  # no such page
    assert browser_client.get("/youths/abc").status_code == 404


def test_the_file_shows_the_plan_and_its_milestones(world, browser_client):
    due = date.today() + timedelta(days=90)
    with session_scope() as s:
        med1 = user_service.get_user(s, world.ids["med1"])
        intake = item_id(world.ids["late"], WorkItemKind.intake_assessment, s)
        complete_work_item(s, work_item_id=intake, actor=med1, payload=assessment(3))
        reconcile_youth(s, world.ids["late"])  # what the pathway run does next
    with session_scope() as s:
        med1 = user_service.get_user(s, world.ids["med1"])
        planned = item_id(world.ids["late"], WorkItemKind.integration_plan, s, "v1")
        complete_work_item(s, work_item_id=planned, actor=med1,
                           payload=plan(("employment", due)))  # fmt: skip
    sign_in(browser_client, "med1")
    html = unescape(browser_client.get(f"/youths/{world.ids['late']}").text)
    assert "Version 1" in html and "En attente d'approbation" in html
    assert "Step on employment" in html and "Emploi" in html
    assert 'data-kind="work_item_completed"' in html


def test_the_file_speaks_arabic_right_to_left(world, browser_client):
    speak("med1", Language.ar)
    sign_in(browser_client, "med1")
    html = browser_client.get(f"/youths/{world.ids['soon']}").text
    assert '<html lang="ar" dir="rtl">' in html
    assert "سلمى الإدريسي" in html  # the Arabic names on an Arabic page
    assert "المسار" in html and "الاستقبال" in html and "ما هو قادم" in html


def test_the_file_shows_the_runs_or_a_note_when_prefect_is_away(world, browser_client, monkeypatch):
    sign_in(browser_client, "med1")

    def away_runs(labels, limit):  # type: ignore[no-untyped-def]
        raise youth_file.launch.PrefectUnavailable("the Prefect server does not answer")

    # Prefect away (whatever other tests left running): the file renders with the note.
    monkeypatch.setattr(youth_file.launch, "youth_runs", away_runs)
    away = browser_client.get(f"/youths/{world.ids['soon']}")
    assert away.status_code == 200 and 'id="runs-unavailable"' in away.text
    assert "Les exécutions ne peuvent pas être lues" in unescape(away.text)

    run = {"id": "r1", "name": f"pathway-{world.codes['soon']}", "state": "Completed",
           "tags": [], "started": None, "ended": None}  # fmt: skip
    monkeypatch.setattr(youth_file.launch, "youth_runs", lambda labels, limit: [run])
    html = browser_client.get(f"/youths/{world.ids['soon']}").text
    assert f"pathway-{world.codes['soon']}" in html and "Terminée" in html
    assert 'id="runs-unavailable"' not in html


def test_the_file_has_no_form_that_changes_anything_without_its_token(world):
    with TestClient(create_app()) as client:
        sign_in(client, "med1")
        page = client.get(f"/youths/{world.ids['soon']}").text
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, re.S)
        assert forms and all('name="csrf_token"' in form for form in forms)
        # Changing the language from the file without the token is refused.
        refused = client.post("/language", data={"language": "ar", "back": "/youths"})
        assert refused.status_code == 403
        assert csrf_of(page)


def test_every_stage_and_event_has_a_label():
    assert set(youth_file.STAGE_LABELS) == set(Stage)
    assert set(youth_file.EVENT_LABELS) == set(EventKind)


def item_id(youth_id: int, kind: WorkItemKind, s=None, subject: str = "") -> int:  # type: ignore[no-untyped-def]
    if s is None:
        with session_scope() as fresh:
            return item_of(fresh, type("Y", (), {"id": youth_id})(), kind, subject).pk
    return item_of(s, type("Y", (), {"id": youth_id})(), kind, subject).pk
