"""The referral pages through the TestClient: finding services and referring, consents on
the file, a referral's page and its moves, the partner's pages and their scope, bad
input that changes nothing, CSRF."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import col, func, select

from mowakaba.db import session_scope
from mowakaba.enums import Language, ReferralStatus
from mowakaba.models import Consent, Referral, ReferralTransition
from mowakaba.services import referrals as referral_service
from tests.pages.conftest import sign_in
from tests.pages.referral_world import build_referral_world
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.test_youths import speak
from tests.pages.world import PageWorld, csrf_of

R = ReferralStatus


@pytest.fixture
def world(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    return build_referral_world()


def post(client, path: str, data: dict, page: str | None = None):  # type: ignore[no-untyped-def]
    """Post a form with the CSRF token of the page it sits on."""
    token = csrf_of(client.get(page or path).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def counts() -> tuple[int, int, int]:
    with session_scope(write=False) as s:
        return (
            s.exec(select(func.count()).select_from(Referral)).one(),
            s.exec(select(func.count()).select_from(ReferralTransition)).one(),
            s.exec(select(func.count()).select_from(Consent)).one(),
        )


def referral(referral_id: int) -> Referral:
    with session_scope(write=False) as s:
        found = s.get(Referral, referral_id)
        assert found is not None
        return found


def latest_referral() -> Referral:
    with session_scope(write=False) as s:
        return s.exec(select(Referral).order_by(col(Referral.id).desc())).first()  # type: ignore[return-value]


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# ---------------------------------------------------------------- finding services


def test_the_refer_page_lists_eligible_services_first_and_why_not_the_others(world, browser_client):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    page = browser_client.get(f"/youths/{world.ids['soon']}/refer", params={"axis": "employment"})
    assert page.status_code == 200
    eligible, others = page.text.split('id="others-title"')
    assert "Orientation and first job search" in eligible and "ANAPEC Ain Chock" in eligible
    assert "Answers within 5 working days" in eligible
    assert "Qualifying training" in others
    assert "needs secondary level" in others and "from age 15" in others
    # In Arabic: the partners' and services' Arabic names, the reasons in Arabic.
    speak("med1", Language.ar)
    arabic = browser_client.get(f"/youths/{world.ids['soon']}/refer?axis=employment").text
    assert "أنابيك عين الشق" in arabic and "تكوين تأهيلي" in arabic
    assert "needs secondary level" not in arabic


def test_a_milestone_chooses_the_axis_and_is_linked_in_the_form(world, browser_client):
    sign_in(browser_client, "med1")
    page = browser_client.get(
        f"/youths/{world.ids['soon']}/refer",
        params={"milestone_id": world.ids["milestone"], "service_id": world.ids["job"]},
    ).text
    assert 'id="for-milestone"' in page and 'id="referral-form"' in page
    assert f'<option value="{world.ids["milestone"]}" selected>' in page
    assert '<option value="employment" selected>' in page


def test_without_consent_the_form_says_so_and_sending_is_refused_with_nothing_changed(
    world, browser_client
):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    form_page = f"/youths/{world.ids['soon']}/refer?service_id={world.ids['job']}"
    shown = browser_client.get(form_page).text
    assert "No consent covers this partner yet." in shown
    assert (
        f"/youths/{world.ids['soon']}/consents/new?partner_id={world.ids['anapec_partner']}"
        in shown
    )
    assert "override_reason" not in shown  # a mediator cannot override
    before = counts()
    refused = post(browser_client, f"/youths/{world.ids['soon']}/refer",
                   {"service_id": world.ids["job"], "need": "A first job", "send": "1"},
                   form_page)  # fmt: skip
    assert refused.status_code == 409
    assert "No valid consent covers this partner" in text_of(refused.text)
    assert 'value="A first job"' not in refused.text and "A first job</textarea>" in refused.text
    assert counts() == before


def test_bad_input_is_shown_next_to_its_field_and_changes_nothing(world, browser_client):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    form_page = f"/youths/{world.ids['soon']}/refer?service_id={world.ids['job']}"
    before = counts()
    empty = post(browser_client, f"/youths/{world.ids['soon']}/refer",
                 {"service_id": world.ids["job"], "need": " ", "send": "0",
                  "shared_fields": ["health_details", "bogus"]}, form_page)  # fmt: skip
    assert empty.status_code == 422
    assert 'id="need-error"' in empty.text and 'aria-invalid="true"' in empty.text
    assert 'id="shared_fields-error"' in empty.text
    sensitive = post(browser_client, f"/youths/{world.ids['soon']}/refer",
                     {"service_id": world.ids["job"], "need": "Work", "send": "0",
                      "shared_fields": ["health_details"]}, form_page)  # fmt: skip
    assert sensitive.status_code == 422 and 'id="health_details-error"' in sensitive.text
    assert counts() == before


def test_a_mediator_records_a_consent_then_refers_and_the_partner_is_told(world, browser_client):
    sign_in(browser_client, "med1")
    soon = world.ids["soon"]
    back = f"/youths/{soon}/refer?service_id={world.ids['job']}"
    done = post(browser_client, f"/youths/{soon}/consents",
                {"covers": f"p:{world.ids['anapec_partner']}", "data": ["education"],
                 "given_by": "guardian", "given_by_name": "Dar Al Atfal director",
                 "given_date": "2026-01-01", "back": back},
                f"/youths/{soon}/consents/new?partner_id={world.ids['anapec_partner']}")  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == back
    assert "Un consentement valide couvre ce partenaire" in text_of(browser_client.get(back).text)
    sent = post(browser_client, f"/youths/{soon}/refer",
                {"service_id": world.ids["job"], "need": "A first job",
                 "shared_fields": ["education_level"], "milestone_id": world.ids["milestone"],
                 "send": "1"}, back)  # fmt: skip
    assert sent.status_code == 303
    made = latest_referral()
    assert sent.headers["location"] == f"/referrals/{made.id}?done=sent"
    assert made.status == R.sent and made.milestone_id == world.ids["milestone"]
    assert made.shared == {"education_level": "lower_secondary"}
    page = browser_client.get(sent.headers["location"]).text
    assert 'id="done"' in page and "Orientation and first job search" in page
    file = browser_client.get(f"/youths/{soon}").text
    assert f'href="/referrals/{made.id}"' in file and 'data-kind="referral_sent"' in file


def test_a_consent_given_by_the_guardian_of_an_adult_is_refused_next_to_its_field(
    world, browser_client
):
    speak("med1", Language.en)
    sign_in(browser_client, "med1")
    soon = world.ids["soon"]
    before = counts()
    wrong = post(browser_client, f"/youths/{soon}/consents",
                 {"covers": "a:employment", "given_by": "youth", "given_date": "2026-01-01"},
                 f"/youths/{soon}")  # fmt: skip
    assert wrong.status_code == 422 and 'id="given_by-error"' in wrong.text
    neither = post(browser_client, f"/youths/{soon}/consents",
                   {"covers": "", "given_by": "guardian", "given_date": "not a date"},
                   f"/youths/{soon}")  # fmt: skip
    assert neither.status_code == 422
    assert 'id="covers-error"' in neither.text and 'id="given_date-error"' in neither.text
    assert counts() == before


def test_withdrawing_a_consent_ends_the_partners_access_at_once(world, browser_client):
    sign_in(browser_client, "med2")
    omar = world.ids["other"]
    with session_scope(write=False) as s:
        consent_id = s.exec(select(Consent.id).where(Consent.youth_id == omar)).one()
    file = browser_client.get(f"/youths/{omar}").text
    assert f"/consents/{consent_id}/withdraw" in file
    done = post(browser_client, f"/youths/{omar}/consents/{consent_id}/withdraw", {},
                f"/youths/{omar}")  # fmt: skip
    assert done.headers["location"] == f"/youths/{omar}?done=withdrawn#consents"
    assert "consent-withdrawn" in browser_client.get(f"/youths/{omar}").text
    browser_client.cookies.clear()
    sign_in(browser_client, "bayti")
    assert browser_client.get(f"/referrals/{world.ids['bayti_referral']}").status_code == 404
    assert f"/referrals/{world.ids['bayti_referral']}" not in browser_client.get("/referrals").text


def test_a_supervisor_reads_the_file_but_records_nothing(world, browser_client):
    from tests.factories import make_user

    with session_scope() as s:
        from mowakaba.enums import Role

        make_user(s, Role.supervisor, username="watcher")
    sign_in(browser_client, "watcher")
    file = browser_client.get(f"/youths/{world.ids['other']}").text
    omar = world.ids["other"]
    assert 'id="consents-title"' in file and f"/youths/{omar}/consents" not in file
    assert f"/youths/{omar}/refer" not in file
    page = browser_client.get(f"/referrals/{world.ids['bayti_referral']}")
    assert page.status_code == 200 and 'id="actions"' not in page.text
    assert browser_client.get(f"/youths/{world.ids['other']}/refer").status_code == 403


# ---------------------------------------------------------------- the sender's side


def test_a_coordinator_records_an_answer_on_behalf_and_the_history_names_who(world, browser_client):
    speak("coord", Language.en)
    sign_in(browser_client, "coord")
    page = f"/referrals/{world.ids['bayti_referral']}"
    before = counts()
    missing = post(browser_client, f"{page}/answer", {"status": "accepted"}, page)
    assert missing.status_code == 422
    assert 'id="answer-answered_by-error"' in missing.text
    assert 'id="answer-method-error"' in missing.text
    assert counts() == before
    done = post(browser_client, f"{page}/answer",
                {"status": "accepted", "answered_by": "Mme Alami, educator",
                 "method": "phone"}, page)  # fmt: skip
    assert done.headers["location"] == f"{page}?done=accepted"
    shown = text_of(browser_client.get(page).text)
    assert "Recorded on behalf of the partner by" in shown
    assert "By phone, answered by Mme Alami, educator" in shown
    assert referral(world.ids["bayti_referral"]).status == R.accepted


def test_a_move_the_table_refuses_changes_nothing(world, browser_client):
    sign_in(browser_client, "coord")
    page = f"/referrals/{world.ids['bayti_referral']}"
    before = counts()
    refused = post(browser_client, f"{page}/answer",
                   {"status": "completed", "outcome": "Done", "answered_by": "X",
                    "method": "phone"}, page)  # fmt: skip
    assert refused.status_code == 409 and 'id="form-errors"' in refused.text
    assert counts() == before and referral(world.ids["bayti_referral"]).status == R.sent
    no_reason = post(browser_client, f"{page}/cancel", {"reason": ""}, page)
    assert no_reason.status_code == 422 and 'id="cancelled-reason-error"' in no_reason.text
    assert counts() == before


def test_a_coordinator_reroutes_to_another_eligible_service(world, browser_client):
    with session_scope() as s:
        from mowakaba.models import Partner
        from tests.factories import make_service

        bayti = s.get(Partner, world.ids["bayti_partner"])
        other = make_service(s, bayti, name="Night shelter", axis="employment")
        other_id = other.pk
    sign_in(browser_client, "coord")
    page = f"/referrals/{world.ids['bayti_referral']}"
    shown = browser_client.get(page).text
    assert f'name="service_id" value="{other_id}"' in shown
    assert f'name="service_id" value="{world.ids["listen"]}"' not in shown  # its own
    done = post(browser_client, f"{page}/reroute", {"service_id": other_id, "reason": "Full"},
                page)  # fmt: skip
    new = latest_referral()
    assert done.headers["location"] == f"/referrals/{new.id}?done=rerouted"
    assert new.service_id == other_id and new.status == R.sent
    assert referral(world.ids["bayti_referral"]).status == R.rerouted
    browser_client.cookies.clear()
    sign_in(browser_client, "med2")  # a mediator cannot re-route
    assert post(browser_client, f"/referrals/{new.id}/reroute", {"service_id": 1},
                f"/referrals/{new.id}").status_code == 403  # fmt: skip


def test_a_draft_is_sent_or_cancelled_from_its_page(world, browser_client):
    sign_in(browser_client, "med2")
    omar = world.ids["other"]
    drafted = post(browser_client, f"/youths/{omar}/refer",
                   {"service_id": world.ids["listen"], "need": "Talk", "send": "0"},
                   f"/youths/{omar}/refer?service_id={world.ids['listen']}")  # fmt: skip
    draft = latest_referral()
    assert drafted.headers["location"] == f"/referrals/{draft.id}?done=drafted"
    assert draft.status == R.draft
    page = f"/referrals/{draft.id}"
    assert post(browser_client, f"{page}/send", {}, page).headers["location"] == (
        f"{page}?done=sent"
    )
    assert referral(draft.id).status == R.sent
    cancelled = post(browser_client, f"{page}/cancel", {"reason": "Not needed now"}, page)
    assert cancelled.headers["location"] == f"{page}?done=cancelled"
    assert referral(draft.id).status == R.cancelled


def test_the_staff_list_filters_by_status_partner_and_overdue(world, browser_client):
    sign_in(browser_client, "coord")
    everything = browser_client.get("/referrals").text
    for name in ("bayti_referral", "closed_referral"):
        assert f'data-referral="{world.ids[name]}"' in everything
    sent = browser_client.get("/referrals", params={"status": "sent"}).text
    assert f'data-referral="{world.ids["closed_referral"]}"' not in sent
    by_partner = browser_client.get(
        "/referrals", params={"partner_id": world.ids["anapec_partner"]}
    ).text
    assert f'data-referral="{world.ids["bayti_referral"]}"' not in by_partner
    overdue = browser_client.get(
        "/referrals", params={"partner_id": world.ids["bayti_partner"], "overdue": "1"}
    )
    assert overdue.status_code == 200 and 'data-referral="' not in overdue.text
    browser_client.cookies.clear()
    sign_in(browser_client, "med1")  # a mediator: their caseload's only
    mine = browser_client.get("/referrals").text
    assert f'data-referral="{world.ids["bayti_referral"]}"' not in mine
    assert f'data-referral="{world.ids["closed_referral"]}"' in mine


# ---------------------------------------------------------------- the partner's side


def test_a_partner_lands_on_its_referrals_and_sees_only_the_minimised_view(world, browser_client):
    landed = sign_in(browser_client, "bayti")
    assert landed.headers["location"] == "/referrals"
    listing = browser_client.get("/referrals").text
    assert f'href="/referrals/{world.ids["bayti_referral"]}"' in listing
    assert 'href="/referrals" aria-current="page"' in listing
    before = audit_mark()
    page = browser_client.get(f"/referrals/{world.ids['bayti_referral']}").text
    assert "Omar" in page and "Someone to talk to" in page
    assert "Tazi" not in page and world.codes["other"] not in page  # no last name, no code
    assert f"/youths/{world.ids['other']}" not in page
    assert [e.youth_id for e in audit_since(before, "referrals.read")] == [world.ids["other"]]


def test_a_partner_cannot_see_another_partners_referral_a_closed_one_or_a_file(
    world, browser_client
):
    sign_in(browser_client, "anapec")
    assert browser_client.get(f"/referrals/{world.ids['bayti_referral']}").status_code == 404
    assert browser_client.get(f"/referrals/{world.ids['closed_referral']}").status_code == 404
    assert browser_client.get("/referrals/999999").status_code == 404
    assert browser_client.get(f"/youths/{world.ids['late']}").status_code == 403
    assert browser_client.get(f"/youths/{world.ids['late']}/refer").status_code == 403
    token = csrf_of(browser_client.get("/referrals").text)
    answer = browser_client.post(f"/referrals/{world.ids['bayti_referral']}/answer",
                                 data={"csrf_token": token, "status": "accepted"})  # fmt: skip
    assert answer.status_code == 404
    assert referral(world.ids["bayti_referral"]).status == R.sent
    assert "data-referral=" not in browser_client.get("/referrals").text


def test_a_partner_accepts_then_completes_and_loses_access_once_closed(world, browser_client):
    sign_in(browser_client, "bayti")
    page = f"/referrals/{world.ids['bayti_referral']}"
    accepted = post(browser_client, f"{page}/answer", {"status": "accepted"}, page)
    assert accepted.headers["location"] == f"{page}?done=accepted"
    before = counts()
    empty = post(browser_client, f"{page}/answer", {"status": "completed", "outcome": ""}, page)
    assert empty.status_code == 422 and 'id="answer-outcome-completed-error"' in empty.text
    assert counts() == before
    done = post(browser_client, f"{page}/answer",
                {"status": "completed", "outcome": "Weekly sessions held"}, page)  # fmt: skip
    assert done.headers["location"] == "/referrals?done=completed"
    assert browser_client.get(page).status_code == 404
    with session_scope(write=False) as s:
        moves = referral_service.transitions_of(s, referral_id=world.ids["bayti_referral"])
        assert [m.method.value for m in moves if m.target in (R.accepted, R.completed)] == [
            "online", "online"
        ]  # fmt: skip


def test_every_referral_form_needs_its_csrf_token(world, browser_client):
    sign_in(browser_client, "coord")
    page = f"/referrals/{world.ids['bayti_referral']}"
    browser_client.get(page)
    before = counts()
    for path, data in (
        (f"{page}/answer", {"status": "accepted", "answered_by": "X", "method": "phone"}),
        (f"{page}/cancel", {"reason": "x"}),
        (f"{page}/reroute", {"service_id": world.ids["job"]}),
        (f"/youths/{world.ids['other']}/refer", {"service_id": world.ids["listen"], "need": "x"}),
        (f"/youths/{world.ids['other']}/consents", {"covers": "a:health", "given_by": "guardian",
                                                    "given_date": "2026-01-01"}),
    ):  # fmt: skip
        refused = browser_client.post(path, data={"csrf_token": "forged", **data})
        assert refused.status_code == 403, path
    assert counts() == before


def test_a_back_address_never_leaves_the_site():
    from api.pages.common import local_path

    for target in ("/\t/evil.example", "//evil.example", "/\\evil", "https://evil.example",
                   "/ok\n/x", "javascript:alert(1)"):  # fmt: skip
        assert local_path(target, "/home") == "/home", target
    assert local_path("/youths/3?tab=plan", "/home") == "/youths/3?tab=plan"
