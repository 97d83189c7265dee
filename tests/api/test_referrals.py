"""Partners, consents and referrals through the API: who sees what (a partner's minimised
view, 404 outside it), consent, answers recorded on a partner's behalf, the lifecycle,
and the reasons a youth is not eligible in the reader's language.

The world (tests/api/conftest.py::add_referrals): partner A (user `partner`) and partner B
(user `partner_b`), an employment service each, and for y1 (m1's youth, institution A) a
consent to share education with each and a referral sent to each.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, func, select

from mowakaba import eligibility
from mowakaba.db import session_scope
from mowakaba.enums import Axis, Language, ReferralStatus
from mowakaba.models import AuditEvent, Referral, ReferralTransition, Youth
from mowakaba.services import partners as partner_service
from tests.factories import make_partner, make_service

PARTNER_VIEW = {
    "id", "status", "service_id", "service", "service_ar", "axis", "first_name",
    "first_name_ar", "age", "need", "shared", "sent_date", "response_due_date",
    "delivery_due_date",
}  # fmt: skip
# What the case file holds and a partner never sees (unless the sender shared it).
NEVER_SHARED = {"date_of_birth", "last_name", "last_name_ar", "notes", "youth_id", "code",
                "transitions", "health_details", "family_details", "institution_id"}  # fmt: skip


_START = {"id": 0}


@pytest.fixture(autouse=True)
def only_this_tests_rows(committed):
    """The audit trail is append-only and outlives each test: read this test's rows."""
    with session_scope() as s:
        _START["id"] = s.exec(select(func.max(AuditEvent.id))).one() or 0


def audit_rows(**where) -> list[AuditEvent]:
    with session_scope() as s:
        query = select(AuditEvent).where(col(AuditEvent.id) > _START["id"])
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(s.exec(query.order_by(col(AuditEvent.id))))


def referral(referral_id: int) -> Referral:
    with session_scope() as s:
        row = s.get(Referral, referral_id)
        assert row is not None
        return row


def transitions(referral_id: int) -> int:
    with session_scope() as s:
        return s.exec(
            select(func.count()).where(ReferralTransition.referral_id == referral_id)
        ).one()


def add_service(name: str, *, partner: str | None = None, **kw) -> int:
    """A service of a new partner (no consent given for it), or of a named one."""
    with session_scope() as s:
        owner = make_partner(s, name=partner or f"Partner of {name}")
        return make_service(s, owner, name=name, **kw).pk


# ---------------------------------------------------------------- the partner's view


def test_a_partner_user_sees_its_own_open_referrals_minimised(referral_world):
    w = referral_world
    listed = w.get("partner", "/referrals")
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 1 and [r["id"] for r in page["items"]] == [w.ids["ref_a"]]
    (item,) = page["items"]
    assert set(item) == PARTNER_VIEW and not NEVER_SHARED & set(item)
    assert item["first_name"] == "Amine" and item["need"] == "A first job"
    assert item["shared"] == {"education_level": "lower_secondary"}  # what m1 chose, no more
    one = w.get("partner", f"/referrals/{w.ids['ref_a']}").json()
    assert set(one) == PARTNER_VIEW and one["shared"] == item["shared"]
    # Filters never widen the view.
    assert w.get("partner", f"/referrals?partner_id={w.ids['partner_b']}").json()["total"] == 0
    assert w.get("partner", "/referrals?status=cancelled").json()["total"] == 0
    # Its own partner and services; not another's, not the directory.
    assert w.get("partner", f"/partners/{w.ids['partner_a']}").status_code == 200
    assert w.get("partner", f"/partners/{w.ids['partner_a']}/services").json()["total"] == 1
    assert w.get("partner", f"/partners/{w.ids['partner_b']}").status_code == 404
    assert w.get("partner", f"/partners/{w.ids['partner_b']}/services").status_code == 404
    assert w.get("partner", "/partners").status_code == 403


def test_a_partner_user_cannot_see_or_act_on_another_partners_referral(referral_world):
    w = referral_world
    ref_b, missing = w.ids["ref_b"], w.get("partner", "/referrals/999999")
    assert missing.status_code == 404
    for response in (
        w.get("partner", f"/referrals/{ref_b}"),
        w.post("partner", f"/referrals/{ref_b}/answer", json={"status": "accepted"}),
        w.post(
            "partner", f"/referrals/{ref_b}/answer", json={"status": "declined", "reason": "full"}
        ),  # fmt: skip
    ):
        assert response.status_code == 404, response.text
        assert response.json() == missing.json()  # the same body as a missing id
    assert referral(ref_b).status == ReferralStatus.sent and transitions(ref_b) == 2
    denied = audit_rows(actor_id=w.ids["partner"], object_id=str(ref_b))
    assert len(denied) == 3 and {r.outcome for r in denied} == {"not_found"}
    assert {r.youth_id for r in denied} == {w.ids["y1"]}  # who probed whom
    # Partner B's own user sees it.
    assert w.get("partner_b", f"/referrals/{ref_b}").status_code == 200


def test_a_partner_user_cannot_read_the_youths_file(referral_world):
    w = referral_world
    y1 = w.ids["y1"]
    for path in ("", "/timeline", "/schedule", "/referrals", "/consents", "/eligible-services"):
        response = w.get("partner", f"/youths/{y1}{path}")
        assert response.status_code == 403, (path, response.text)
    assert w.get("partner", "/youths").status_code == 403
    ref_a = w.ids["ref_a"]
    for move, body in (("send", {}), ("cancel", {"reason": "x"}),
                       ("reroute", {"service_id": w.ids["service_b"]})):  # fmt: skip
        assert w.post("partner", f"/referrals/{ref_a}/{move}", json=body).status_code == 403
    # The denial names the referral and its youth.
    denied = audit_rows(actor_id=w.ids["partner"], outcome="denied")
    assert [r.action for r in denied] == [
        "youths.read", "youths.timeline", "youths.schedule", "youths.referrals",
        "consents.list", "youths.eligible_services", "youths.list", "referrals.move",
        "referrals.move", "referrals.reroute",
    ]  # fmt: skip
    assert {(r.object_type, r.object_id, r.youth_id) for r in denied[-3:]} == {
        ("referral", str(ref_a), y1)
    }


def test_a_partner_loses_a_referral_when_it_closes(referral_world):
    w = referral_world
    ref_a = w.ids["ref_a"]
    for body in ({"status": "accepted"}, {"status": "in_progress"},
                 {"status": "completed", "outcome": "hired as an apprentice"}):  # fmt: skip
        response = w.post("partner", f"/referrals/{ref_a}/answer", json=body)
        assert response.status_code == 200, response.text
        assert set(response.json()) == PARTNER_VIEW | {"referral_run", "referral_run_ids"}
    assert response.json()["status"] == "completed"
    assert w.get("partner", f"/referrals/{ref_a}").status_code == 404
    assert w.get("partner", "/referrals").json()["total"] == 0
    again = w.post("partner", f"/referrals/{ref_a}/answer", json={"status": "in_progress"})
    assert again.status_code == 404
    # The sender's side still sees it, with who moved it and how.
    detail = w.get("m1", f"/referrals/{ref_a}").json()
    assert [t["target"] for t in detail["transitions"]] == [
        "draft", "sent", "accepted", "in_progress", "completed"
    ]  # fmt: skip
    assert detail["outcome"] == "hired as an apprentice"
    assert {t["method"] for t in detail["transitions"][2:]} == {"online"}


def test_a_partner_loses_a_referral_at_once_when_consent_is_withdrawn(referral_world):
    w = referral_world
    ref_a, y1 = w.ids["ref_a"], w.ids["y1"]
    assert w.get("partner", f"/referrals/{ref_a}").status_code == 200
    withdrawn = w.post("m1", f"/youths/{y1}/consents/{w.ids['consent_a']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["valid"] is False and withdrawn.json()["withdrawn_at"]
    assert w.get("partner", f"/referrals/{ref_a}").status_code == 404
    assert w.get("partner", "/referrals").json()["total"] == 0
    answered = w.post("partner", f"/referrals/{ref_a}/answer", json={"status": "accepted"})
    assert answered.status_code == 404 and referral(ref_a).status == ReferralStatus.sent
    again = w.post("m1", f"/youths/{y1}/consents/{w.ids['consent_a']}/withdraw")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_closed"
    # Partner B's consent still holds.
    assert w.get("partner_b", f"/referrals/{w.ids['ref_b']}").status_code == 200


# ---------------------------------------------------------------- answers on behalf


def test_an_answer_recorded_on_a_partners_behalf_is_audited_with_the_recorder(referral_world):
    w = referral_world
    ref_b = w.ids["ref_b"]
    incomplete = w.post("m1", f"/referrals/{ref_b}/answer", json={"status": "accepted"})
    assert incomplete.status_code == 422, incomplete.text  # who answered, and how?
    assert referral(ref_b).status == ReferralStatus.sent and transitions(ref_b) == 2
    body = {"status": "accepted", "answered_by": "Mme Idrissi", "method": "phone"}
    response = w.post("m1", f"/referrals/{ref_b}/answer", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "accepted" and answer["youth_id"] == w.ids["y1"]  # whole
    assert answer["referral_run"] in ("started", "deferred")
    rows = audit_rows(action="referrals.answer_on_behalf", object_id=str(ref_b))
    assert [(r.actor_id, r.role, r.youth_id, r.outcome) for r in rows] == [
        (w.ids["m1"], "mediator", w.ids["y1"], "allowed")
    ] * 2  # the incomplete attempt, then the answer: the recorder both times
    last = w.get("coord_a", f"/referrals/{ref_b}").json()["transitions"][-1]
    assert last["on_behalf"] is True and last["actor_id"] == w.ids["m1"]
    assert (last["answered_by"], last["method"]) == ("Mme Idrissi", "phone")
    # Another caseload's mediator may not record it (404: not theirs to see).
    assert w.post("m2", f"/referrals/{ref_b}/answer", json=body).status_code == 404


# ---------------------------------------------------------------- consent


def test_sending_without_consent_is_refused_and_changes_nothing(referral_world):
    w = referral_world
    y1 = w.ids["y1"]
    service = add_service("Housing help", axis="housing")
    draft = w.post("m1", f"/youths/{y1}/referrals", json={"service_id": service, "need": "a room"})
    assert draft.status_code == 201, draft.text
    assert draft.json()["status"] == "draft" and draft.json()["sent_at"] is None
    draft_id = draft.json()["id"]
    with session_scope() as s:
        count = s.exec(select(func.count()).select_from(Referral)).one()
    for who, body in (("m1", {}), ("m1", {"override_reason": "urgent"}), ("coord_a", {})):
        refused = w.post(who, f"/referrals/{draft_id}/send", json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "consent_required"
    at_once = w.post("m1", f"/youths/{y1}/referrals",
                     json={"service_id": service, "need": "a room", "send": True})  # fmt: skip
    assert at_once.status_code == 409 and at_once.json()["error"]["code"] == "consent_required"
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Referral)).one() == count
    assert referral(draft_id).status == ReferralStatus.draft and transitions(draft_id) == 1
    # A coordinator overrides with a reason: sent, and audited as such.
    sent = w.post("coord_a", f"/referrals/{draft_id}/send",
                  json={"override_reason": "no guardian reachable; urgent housing"})  # fmt: skip
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["override_by_id"] == w.ids["coord_a"]
    (row,) = audit_rows(action="referrals.consent_override")
    assert (row.actor_id, row.object_id, row.youth_id) == (w.ids["coord_a"], str(draft_id), y1)


def test_consents_are_given_listed_and_checked(referral_world):
    w = referral_world
    y1 = w.ids["y1"]
    listed = w.get("m1", f"/youths/{y1}/consents").json()
    assert listed["total"] == 2 and all(c["valid"] for c in listed["items"])
    assert listed["items"][0]["lapses_on"] == "2030-03-15"  # a guardian's: the 18th birthday
    body = {"axis": "housing", "data": ["identity", "contact"], "given_by": "guardian",
            "given_by_name": "Mme Benali", "given_date": str(date.today())}  # fmt: skip
    given = w.post("m1", f"/youths/{y1}/consents", json=body, headers={"Idempotency-Key": "c1"})
    assert given.status_code == 201, given.text
    replay = w.post("m1", f"/youths/{y1}/consents", json=body, headers={"Idempotency-Key": "c1"})
    assert replay.json() == given.json()
    assert w.get("m1", f"/youths/{y1}/consents").json()["total"] == 3
    # The same key and body on another route is not a replay of the first: refused.
    first = w.post("coord_a", f"/youths/{y1}/consents", json=body,
                   headers={"Idempotency-Key": "c2"})  # fmt: skip
    assert first.status_code == 201
    elsewhere = w.post("coord_a", f"/youths/{w.ids['y2']}/consents", json=body,
                       headers={"Idempotency-Key": "c2"})  # fmt: skip
    assert elsewhere.status_code == 409 and elsewhere.json()["error"]["code"] == "conflict"
    youth_too = w.post("m1", f"/youths/{y1}/consents", json={**body, "given_by": "youth"})
    assert youth_too.status_code == 422  # a minor's consent is the guardian's
    both = w.post("m1", f"/youths/{y1}/consents", json={**body, "partner_id": w.ids["partner_a"]})
    assert both.status_code == 422  # a partner or an axis, not both
    assert w.post("m2", f"/youths/{y1}/consents", json=body).status_code == 404
    assert w.post("supervisor", f"/youths/{y1}/consents", json=body).status_code == 403
    assert w.get("supervisor", f"/youths/{y1}/consents").status_code == 200


# ---------------------------------------------------------------- the lifecycle


def test_the_full_lifecycle_through_the_api(referral_world, deployed):
    w = referral_world
    y1 = w.ids["y1"]
    created = w.post("m1", f"/youths/{y1}/referrals",
                     json={"service_id": w.ids["service_a"], "need": "An apprenticeship",
                           "shared_fields": ["education_level", "last_name"]},
                     headers={"Idempotency-Key": "ref-1"})  # fmt: skip
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft" and draft["referral_run"] == "started"
    replay = w.post("m1", f"/youths/{y1}/referrals",
                    json={"service_id": w.ids["service_a"], "need": "An apprenticeship",
                          "shared_fields": ["education_level", "last_name"]},
                    headers={"Idempotency-Key": "ref-1"})  # fmt: skip
    assert replay.json()["id"] == draft["id"]
    ref = draft["id"]
    # The consent covers education, not identity (the last name): refused, then narrowed.
    assert w.post("m1", f"/referrals/{ref}/send", json={}).status_code == 409
    assert w.post("m1", f"/referrals/{ref}/cancel", json={"reason": "wrong fields"}).json()[
        "status"
    ] == "cancelled"  # fmt: skip
    created = w.post("m1", f"/youths/{y1}/referrals",
                     json={"service_id": w.ids["service_a"], "need": "An apprenticeship",
                           "shared_fields": ["education_level"], "send": True})  # fmt: skip
    assert created.status_code == 201 and created.json()["status"] == "sent", created.text
    ref = created.json()["id"]
    assert created.json()["response_due_date"] and created.json()["expiry_date"]
    # The partner sees it, answers: a wrong move is a 409 and changes nothing.
    assert ref in {r["id"] for r in w.get("partner", "/referrals").json()["items"]}
    wrong = w.post("partner", f"/referrals/{ref}/answer",
                   json={"status": "completed", "outcome": "done"})  # fmt: skip
    assert wrong.status_code == 409, wrong.text
    assert wrong.json()["error"]["code"] == "invalid_referral_transition"
    assert transitions(ref) == 2
    for body in ({"status": "accepted"}, {"status": "in_progress"},
                 {"status": "completed", "outcome": "a place from January"}):  # fmt: skip
        moved = w.post("partner", f"/referrals/{ref}/answer", json=body)
        assert moved.status_code == 200, moved.text
        assert moved.json()["referral_run"] == "started" and moved.json()["referral_run_ids"]
    detail = w.get("m1", f"/referrals/{ref}").json()
    assert detail["status"] == "completed" and detail["closed_at"]
    assert detail["accepted_date"] and detail["delivery_due_date"]
    assert [t["target"] for t in detail["transitions"]] == [
        "draft", "sent", "accepted", "in_progress", "completed"
    ]  # fmt: skip
    timeline = w.get("m1", f"/youths/{y1}/timeline?page_size=100").json()["items"]
    kinds = {e["kind"] for e in timeline if e["data"].get("referral_id") == ref}
    assert {"referral_sent", "referral_accepted", "referral_completed"} <= kinds
    mine = w.get("m1", f"/youths/{y1}/referrals").json()
    assert ref in {r["id"] for r in mine["items"]}
    # The coordinator re-routes the other (still waiting) referral: one action, a new clock.
    rerouted = w.post("coord_a", f"/referrals/{w.ids['ref_b']}/reroute",
                      json={"service_id": w.ids["service_a"], "reason": "no answer"})  # fmt: skip
    assert rerouted.status_code == 201, rerouted.text
    new = rerouted.json()
    assert new["status"] == "sent" and new["rerouted_from_id"] == w.ids["ref_b"]
    assert new["referral_run"] == "started" and len(new["referral_run_ids"]) == 2
    old = w.get("coord_a", f"/referrals/{w.ids['ref_b']}").json()
    assert old["status"] == "rerouted" and old["rerouted_to_id"] == new["id"]
    assert w.get("partner_b", f"/referrals/{w.ids['ref_b']}").status_code == 404
    assert w.post("m1", f"/referrals/{new['id']}/reroute",
                  json={"service_id": w.ids["service_b"]}).status_code == 403  # fmt: skip


def test_lists_hold_the_callers_scope_only(referral_world):
    w = referral_world
    all_three = {w.ids["ref_a"], w.ids["ref_b"], w.ids["ref_draft"]}
    for who in ("m1", "coord_a", "supervisor"):
        page = w.get(who, "/referrals").json()
        assert {r["id"] for r in page["items"]} == all_three and page["total"] == 3, who
        assert "youth_id" in page["items"][0]
    for who in ("m2", "coord_b", "mb"):
        assert w.get(who, "/referrals").json()["total"] == 0, who
        assert w.get(who, f"/referrals/{w.ids['ref_a']}").status_code == 404, who
    assert w.get("admin", "/referrals").status_code == 403
    only_b = w.get("m1", f"/referrals?partner_id={w.ids['partner_b']}").json()
    assert [r["id"] for r in only_b["items"]] == [w.ids["ref_draft"], w.ids["ref_b"]]
    drafts = w.get("m1", "/referrals?status=draft").json()
    assert [r["id"] for r in drafts["items"]] == [w.ids["ref_draft"]]
    assert w.get("partner_b", "/referrals?status=draft").json()["total"] == 0  # not sent
    assert w.get("m1", "/referrals?overdue=true").json()["total"] == 0  # sent today
    assert w.get("m1", "/referrals?status=completed").json()["total"] == 0
    shown = audit_rows(action="referrals.list", actor_id=w.ids["m1"])
    assert {r.youth_id for r in shown} == {w.ids["y1"], None}  # None: a page that showed none


# ---------------------------------------------------------------- eligibility


@pytest.fixture
def marked_languages(monkeypatch):
    """Reasons translated by a catalog that marks each text with its language: what the
    API answers shows which language it asked for, whatever the catalogs hold today."""
    monkeypatch.setattr(
        eligibility, "translate", lambda message, language: f"[{language}] {message}"
    )


def driving_licence() -> None:
    add_service("Driving licence", axis="employment",
                eligibility=[{"kind": "age", "min": 18, "max": 25},
                             {"kind": "education_level", "min": "secondary"}])  # fmt: skip


def reasons_of(w, language: str = "") -> list[dict]:
    query = f"&lang={language}" if language else ""
    response = w.get("m1", f"/youths/{w.ids['y1']}/eligible-services?axis=employment{query}")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["eligible"] for i in items] == [True, True, False]  # the eligible first
    assert {i["service"]["id"] for i in items[:2]} == {w.ids["service_a"], w.ids["service_b"]}
    assert items[2]["partner"]["name"] == "Partner of Driving licence"
    return items[2]["reasons"]


@pytest.mark.parametrize("language", list(Language))
def test_eligible_services_say_why_not_in_the_readers_language(referral_world, language):
    w = referral_world
    driving_licence()
    reasons = reasons_of(w, language)
    with session_scope() as s:
        youth = s.get(Youth, w.ids["y1"])
        assert youth is not None
        (*_, match) = partner_service.match_services(s, youth=youth, day=date.today(),
                                                     axis=Axis.employment)  # fmt: skip
    assert [r["code"] for r in reasons] == ["age", "education_level"]
    assert [r["text"] for r in reasons] == [r.text(language) for r in match.reasons]
    assert "18" in reasons[0]["text"] and "25" in reasons[0]["text"]


@pytest.mark.parametrize("language", list(Language))
def test_the_reasons_language_is_the_one_asked(referral_world, marked_languages, language):
    w = referral_world
    driving_licence()
    texts = [r["text"] for r in reasons_of(w, language)]
    assert texts == [f"[{language}] ages 18–25", f"[{language}] needs [{language}] secondary level"]


def test_the_reasons_language_is_the_callers_by_default(referral_world, marked_languages):
    w = referral_world
    driving_licence()
    assert reasons_of(w)[0]["text"].startswith("[fr] ")  # m1 reads French
    path = f"/youths/{w.ids['y1']}/eligible-services?axis=employment"
    assert w.get("m2", path).status_code == 404  # not m2's youth
    assert w.get("m1", f"{path}&milestone_id=999999").status_code == 404
    assert w.get("m1", f"{path}&lang=de").status_code == 422


def test_a_referral_to_a_service_the_youth_is_not_eligible_for_is_refused(referral_world):
    w = referral_world
    service = add_service("Driving licence", eligibility=[{"kind": "age", "min": 18}])
    response = w.post("m1", f"/youths/{w.ids['y1']}/referrals",
                      json={"service_id": service, "need": "a licence"})  # fmt: skip
    assert response.status_code == 422 and response.json()["error"]["code"] == "not_eligible"


# ---------------------------------------------------------------- the directory


def test_admins_and_coordinators_manage_the_directory(referral_world):
    w = referral_world
    body = {"name": "ANAPEC Casablanca", "name_ar": "أنابيك الدار البيضاء", "kind": "public_body",
            "regions": ["Casablanca-Settat"], "languages": ["ar", "fr"]}  # fmt: skip
    created = w.post("coord_a", "/partners", json=body, headers={"Idempotency-Key": "p1"})
    assert created.status_code == 201, created.text
    partner = created.json()["id"]
    assert w.post("coord_a", "/partners", json=body).status_code == 409  # names are unique
    assert w.post("m1", "/partners", json=body).status_code == 403
    service = w.post("admin", f"/partners/{partner}/services",
                     json={"axis": "employment", "name": "Job club", "response_days": 3,
                           "eligibility": [{"kind": "age", "min": 16}]})  # fmt: skip
    assert service.status_code == 201, service.text
    assert service.json()["eligibility"] == [{"kind": "age", "min": 16}]
    bad = w.post("admin", f"/partners/{partner}/services",
                 json={"axis": "employment", "name": "Other", "eligibility": [{"kind": "zodiac"}]})  # fmt: skip
    assert bad.status_code == 422 and "eligibility" in bad.json()["error"]["message"]
    changed = w.patch("coord_a", f"/services/{service.json()['id']}", json={"is_active": False})
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    renamed = w.patch("admin", f"/partners/{partner}", json={"phone": "0522 00 00 00"})
    assert renamed.status_code == 200 and renamed.json()["phone"] == "0522 00 00 00"
    assert w.patch("supervisor", f"/partners/{partner}", json={"phone": "1"}).status_code == 403
    found = w.get("m1", "/partners", params={"q": "anapec", "region": "Casablanca-Settat"})
    assert [p["id"] for p in found.json()["items"]] == [partner]
    assert w.get("m1", "/partners", params={"region": "Oriental"}).json()["total"] == 2
    assert w.get("m1", "/partners", params={"axis": "employment"}).json()["total"] == 2
    assert {a.action for a in audit_rows(object_type="partner")} >= {
        "partners.create", "partners.update"
    }  # fmt: skip


# ---------------------------------------------------------------- partner accounts


def test_a_partner_user_belongs_to_a_partner(referral_world):
    w = referral_world
    body = {"username": "anapec1", "password": "a long enough phrase 9", "role": "partner"}
    missing = w.post("admin", "/users", json=body)
    assert missing.status_code == 422 and "partner" in missing.json()["error"]["message"]
    created = w.post("admin", "/users", json={**body, "partner_id": w.ids["partner_b"]})
    assert created.status_code == 201 and created.json()["partner_id"] == w.ids["partner_b"]
    user_id = created.json()["id"]
    wrong = w.post("admin", "/users", json={**body, "username": "m9", "role": "mediator",
                                            "institution_ids": [w.ids["inst_a"]],
                                            "partner_id": w.ids["partner_b"]})  # fmt: skip
    assert wrong.status_code == 422
    moved = w.patch("admin", f"/users/{user_id}", json={"partner_id": w.ids["partner_a"]})
    assert moved.status_code == 200 and moved.json()["partner_id"] == w.ids["partner_a"]
    gone = w.patch("admin", f"/users/{user_id}", json={"partner_id": 999999})
    assert gone.status_code == 404
    cleared = w.patch("admin", f"/users/{user_id}",
                      json={"role": "mediator", "institution_ids": [w.ids["inst_a"]]})  # fmt: skip
    assert cleared.status_code == 200 and cleared.json()["partner_id"] is None
