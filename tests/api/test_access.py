"""Who may do what (the policy table) and see which records (IDOR), through HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from api.policy import ROUTES
from mowakaba.db import session_scope
from mowakaba.enums import WorkItemKind
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import AuditEvent, User, WorkItem, Youth
from mowakaba.services import incidents as incident_service
from tests.api.notes_world import add_note
from tests.documents_files import pdf_bytes, store_document

ROLES = ["admin", "supervisor", "coord_a", "coord_b", "m1", "m2", "partner"]
ROLE_OF = {"admin": "admin", "supervisor": "supervisor", "coord_a": "coordinator",
           "coord_b": "coordinator", "m1": "mediator", "m2": "mediator", "partner": "partner"}  # fmt: skip


def intake_of(youth_id: int) -> int:
    with session_scope() as s:
        return s.exec(
            select(WorkItem.id).where(
                WorkItem.youth_id == youth_id, WorkItem.kind == WorkItemKind.intake_assessment
            )
        ).one()


def runaway_of(w) -> int:
    """A runaway of y1 (m1's, institution A), recorded once for the world."""
    if "runaway" not in w.ids:
        with session_scope() as s:
            w.ids["runaway"] = incident_service.record_incident(
                s, youth_id=w.ids["y1"], actor=s.get(User, w.ids["m1"]),
                report=IncidentReport(kind="runaway", occurred_at=datetime.now(UTC),
                                      description="Parti la nuit"),
            ).pk  # fmt: skip
    return w.ids["runaway"]


def document_of(w) -> int:
    """A document of y1 (made once per world)."""
    if "doc" not in w.ids:
        with session_scope() as s:
            youth, m1 = s.get(Youth, w.ids["y1"]), s.get(User, w.ids["m1"])
            w.ids["doc"] = store_document(s, youth, m1, kind="other").pk
    return w.ids["doc"]


def requests(w):
    """One concrete request per route of the policy table."""
    y1, item, partner = w.ids["y1"], intake_of(w.ids["y1"]), w.ids["partner"]
    incident = runaway_of(w)
    doc = document_of(w)
    return {
        # Urgent incidents (a runaway of y1): reads, then the moves in the order they happen.
        "incidents.read": ("get", f"/youths/{y1}/incidents", {}),
        "incidents.list": ("get", "/incidents", {}),
        "incidents.create": ("post", f"/youths/{y1}/incidents", {"json": {"kind": "other", "occurred_at": "2026-01-05T10:00", "description": "A fall"}}),
        "youths.sms_agreement": ("put", f"/youths/{y1}/sms-agreement", {"json": {"agreed": True, "language": "fr"}}),
        "incidents.runaway_decision": ("post", f"/incidents/{incident}/runaway-decision", {"json": {"decision": "keep_open", "reason": "seen", "review_date": "2099-01-01"}}),
        "incidents.acknowledge": ("post", f"/incidents/{incident}/acknowledge", {"json": {}}),
        "incidents.returned": ("post", f"/incidents/{incident}/returned", {"json": {"returned_date": str(date.today())}}),
        "incidents.close": ("post", f"/incidents/{incident}/close", {"json": {"note": "back"}}),
        "me": ("get", "/me", {}),
        "institutions.list": ("get", "/institutions", {}),
        "institutions.create": ("post", "/institutions", {"json": {"name": "X", "region": "Y"}}),
        "youths.list": ("get", "/youths", {}),
        "youths.create": ("post", "/youths", {"json": {"first_name": "A", "last_name": "B", "date_of_birth": "2012-01-01", "sex": "male", "institution_id": w.ids["inst_a"], "admission_date": "2020-01-01", "education_level": "primary", "vocational_level": "none"}}),
        "youths.read": ("get", f"/youths/{y1}", {}),
        "youths.update": ("patch", f"/youths/{y1}", {"json": {"education_level": "secondary"}}),
        "youths.timeline": ("get", f"/youths/{y1}/timeline", {}),
        "youths.schedule": ("get", f"/youths/{y1}/schedule", {}),
        "youths.exit_extension": ("post", f"/youths/{y1}/exit-extension", {"json": {"until": "2031-01-01", "reason": "studies"}}),
        "work_items.list": ("get", "/work-items", {}),
        "work_items.read": ("get", f"/work-items/{item}", {}),
        "work_items.complete": ("post", f"/work-items/{item}/complete", {"json": {"axes": {}}}),
        "work_items.reschedule": ("post", f"/work-items/{item}/reschedule", {"json": {"due_date": "2099-01-01", "reason": "leave"}}),
        "escalations.list": ("get", "/escalations", {}),
        "escalations.acknowledge": ("post", "/escalations/999/acknowledge", {}),
        "notifications.list": ("get", "/notifications", {}),
        "notifications.read": ("post", "/notifications/999/read", {}),
        "audit_events.list": ("get", "/audit-events", {}),
        "auth.logout": ("post", "/auth/logout", {}),
        "me.password": ("post", "/me/password", {"json": {"current_password": "wrong", "new_password": "another long phrase"}}),
        "users.list": ("get", "/users", {}),
        "users.read": ("get", f"/users/{partner}", {}),
        "users.create": ("post", "/users", {"json": {"username": "newbie", "password": "a long enough phrase", "role": "partner"}}),
        "users.update": ("patch", f"/users/{partner}", {"json": {"display_name": "P"}}),
        "users.disable": ("post", f"/users/{partner}/disable", {}),
        "users.enable": ("post", f"/users/{partner}/enable", {}),
        "users.reset_password": ("post", f"/users/{partner}/reset-password", {}),
        # Partners and referrals (the world of conftest.add_referrals); reads before moves.
        "partners.list": ("get", "/partners", {}),
        "partners.read": ("get", f"/partners/{w.ids['partner_a']}", {}),
        "partners.manage": ("patch", f"/partners/{w.ids['partner_b']}", {"json": {"phone": "0522"}}),
        "youths.eligible_services": ("get", f"/youths/{y1}/eligible-services?axis=employment", {}),
        "youths.referrals": ("get", f"/youths/{y1}/referrals", {}),
        "consents.list": ("get", f"/youths/{y1}/consents", {}),
        "consents.manage": ("post", f"/youths/{y1}/consents", {"json": {"axis": "housing", "data": ["identity"], "given_by": "guardian", "given_date": "2026-01-05"}}),
        "referrals.list": ("get", "/referrals", {}),
        "referrals.read": ("get", f"/referrals/{w.ids['ref_a']}", {}),
        "referrals.create": ("post", f"/youths/{y1}/referrals", {"json": {"service_id": w.ids["service_a"], "need": "A job"}}),
        "referrals.move": ("post", f"/referrals/{w.ids['ref_draft']}/cancel", {"json": {"reason": "done"}}),
        "referrals.answer": ("post", f"/referrals/{w.ids['ref_a']}/answer", {"json": {"status": "accepted"}}),
        "referrals.reroute": ("post", f"/referrals/{w.ids['ref_b']}/reroute", {"json": {"service_id": w.ids["service_a"]}}),
        # The case file (tests/api/notes_world.py: a health note on y1).
        "notes.list": ("get", f"/youths/{y1}/notes", {}),
        "notes.read": ("get", f"/youths/{y1}/notes/{w.ids['note']}", {}),
        "notes.write": ("post", f"/youths/{y1}/notes", {"json": {"kind": "call", "with_whom": ["youth"], "contact_date": "2026-01-05", "text": "Called"}}),
        "contacts.list": ("get", f"/youths/{y1}/contacts", {}),
        "contacts.manage": ("put", f"/youths/{y1}/contacts", {"json": {"phone": "0612345678"}}),
        "plans.agreement": ("post", f"/youths/{y1}/plans/1/agreement", {"json": {"agreement_method": "signed_on_paper", "agreement_date": "2026-01-05"}}),
        # Caseloads and transfers (last: a reassignment moves y1 to m2).
        "caseloads.view": ("get", "/caseloads", {}),
        "indicators.read": ("get", "/indicators", {"params": {"from": "2025-01-01", "to": "2026-06-30"}}),
        "transfers.list": ("get", "/transfers", {}),
        "transfers.read": ("get", "/transfers/999", {}),
        "transfers.decide": ("post", "/transfers/999/accept", {"json": {}}),
        "transfers.cancel": ("post", "/transfers/999/cancel", {"json": {}}),
        "transfers.request": ("post", f"/youths/{y1}/transfers", {"json": {"to_institution_id": w.ids["inst_b"], "reason": "closer to family"}}),
        "caseloads.reassign": ("post", "/caseloads/reassign", {"json": {"from_mediator_id": w.ids["m1"], "to_mediator_id": w.ids["m2"]}}),
        "documents.list": ("get", f"/youths/{y1}/documents", {}),
        "documents.read": ("get", f"/youths/{y1}/documents/{doc}", {}),
        "documents.download": ("get", f"/youths/{y1}/documents/{doc}/file", {}),
        "documents.upload": ("post", f"/youths/{y1}/documents", {"files": {"file": ("a.pdf", pdf_bytes(), "application/pdf")}, "data": {"kind": "school_certificate", "issued_date": "2024-06-30"}}),
        "documents.retire": ("post", f"/youths/{y1}/documents/{doc}/retire", {"json": {"status": "withdrawn", "reason": "blurred"}}),
        "youths.access_log": ("get", f"/youths/{y1}/access-log", {}),
    }  # fmt: skip


# Routes of the policy that only pages use: their roles are checked in tests/pages/.
PAGES_ONLY = {
    "admin.index", "calendars.list", "calendars.manage", "timings.view", "dashboard.view",
    "flow_runs.monitor", "flow_runs.rerun", "partners.pages", "referrals.letter",
    "youths.print", "youths.import", "youths.subject_access", "privacy.view", "privacy.hold",
    "privacy.request", "privacy.requests", "privacy.decide",
}  # fmt: skip


@pytest.fixture
def world(referral_world):
    """The API world with partners, consents and referrals, and a note."""
    return add_note(referral_world)


def test_every_route_of_the_policy_has_a_request_here(world):
    assert set(requests(world)) | {"youths.flow_runs"} | PAGES_ONLY == set(ROUTES)


@pytest.mark.parametrize("who", [None, *ROLES])
def test_route_by_role_matrix_matches_the_policy_table(world, who):
    for route, (method, path, kw) in requests(world).items():
        if route == "auth.logout":
            continue  # checked last: it ends the session
        response = getattr(world, method)(who, path, **kw)
        if who is None:
            assert response.status_code == 401, (route, response.text)
        elif ROLE_OF[who] not in {r.value for r in ROUTES[route]}:
            assert response.status_code == 403, (who, route, response.status_code, response.text)
            assert response.json()["error"]["code"] == "not_allowed"
        else:
            # Allowed on the route; the record may still refuse (not the assignee: 403 not_assignee).
            assert response.status_code not in (401, 500), (
                who,
                route,
                response.status_code,
                response.text,
            )
            assert (
                response.status_code != 403 or response.json()["error"]["code"] != "not_allowed"
            ), (who, route)
    if who is not None:
        assert world.post(who, "/auth/logout").status_code == 204
        assert world.get(who, "/me").status_code == 401


def test_a_mediator_cannot_reach_another_caseload_or_institution(world):
    w = world
    item_y2, item_y3 = intake_of(w.ids["y2"]), intake_of(w.ids["y3"])
    missing = w.get("m1", "/youths/999999")
    for youth in ("y2", "y3"):
        yid = w.ids[youth]
        for response in (
            w.get("m1", f"/youths/{yid}"),
            w.get("m1", f"/youths/{yid}/timeline"),
            w.get("m1", f"/youths/{yid}/schedule"),
            w.patch("m1", f"/youths/{yid}", json={"education_level": "university"}),
            w.post(
                "m1", f"/youths/{yid}/exit-extension", json={"until": "2031-01-01", "reason": "x"}
            ),
            w.post(
                "m1",
                f"/youths/{yid}/plans/1/agreement",
                json={"agreement_method": "signed_on_paper", "agreement_date": "2026-01-05"},
            ),
        ):
            assert response.status_code == 404
            assert response.json() == missing.json()  # the same body as a missing id
    for item in (item_y2, item_y3):
        assert w.get("m1", f"/work-items/{item}").status_code == 404
        assert w.post("m1", f"/work-items/{item}/complete", json={"axes": {}}).status_code == 404
    listed = w.get("m1", "/youths").json()
    assert [y["id"] for y in listed["items"]] == [w.ids["y1"]] and listed["total"] == 1
    items = w.get("m1", "/work-items").json()
    assert {i["youth_id"] for i in items["items"]} == {w.ids["y1"]}
    # Nothing changed, and the denied reads were audited.
    assert w.get("m2", f"/youths/{w.ids['y2']}").json()["education_level"] == "lower_secondary"
    with session_scope() as s:
        denied = s.exec(
            select(AuditEvent).where(
                AuditEvent.outcome == "not_found", AuditEvent.actor_id == w.ids["m1"]
            )
        ).all()
    assert len(denied) >= 10


def test_coordinators_and_supervisors_see_their_scope_only(world):
    w = world
    assert {y["id"] for y in w.get("coord_a", "/youths").json()["items"]} == {
        w.ids["y1"],
        w.ids["y2"],
    }
    assert {y["id"] for y in w.get("coord_b", "/youths").json()["items"]} == {w.ids["y3"]}
    assert {y["id"] for y in w.get("supervisor", "/youths").json()["items"]} == {
        w.ids["y1"],
        w.ids["y2"],
    }
    assert w.get("coord_b", f"/youths/{w.ids['y1']}").status_code == 404
    # A coordinator registers only in their own institutions.
    body = {"first_name": "A", "last_name": "B", "date_of_birth": "2012-01-01", "sex": "male",
            "institution_id": w.ids["inst_b"], "admission_date": "2020-01-01",
            "education_level": "primary", "vocational_level": "none"}  # fmt: skip
    assert w.post("coord_a", "/youths", json=body).status_code == 404
    audit = w.get("coord_a", "/audit-events").json()["items"]
    assert audit and all(e["youth_id"] in (w.ids["y1"], w.ids["y2"]) for e in audit)


def test_search_in_both_scripts_within_scope(world):
    w = world
    assert w.get("coord_b", "/youths", params={"q": "سلمي"}).json()["total"] == 1  # ى/ي forgiven
    assert w.get("coord_a", "/youths", params={"q": "سلمى"}).json()["total"] == 0  # outside scope
    assert w.get("coord_a", "/youths", params={"q": "omar"}).json()["total"] == 1


# Exports are the lists themselves with `?format=`: the same policy route, the same roles.
EXPORTS = {
    "youths.list": "/youths", "work_items.list": "/work-items", "referrals.list": "/referrals",
    "escalations.list": "/escalations", "caseloads.view": "/caseloads",
    "incidents.list": "/incidents", "transfers.list": "/transfers",
    "partners.list": "/partners", "users.list": "/users",
}  # fmt: skip


@pytest.mark.parametrize("who", ROLES)
def test_exports_follow_the_role_matrix_of_their_list(world, who):
    for route, path in EXPORTS.items():
        for fmt in ("csv", "xlsx"):
            response = world.get(who, path, params={"format": fmt})
            if ROLE_OF[who] in {r.value for r in ROUTES[route]}:
                assert response.status_code == 200, (who, route, response.text)
                assert "attachment" in response.headers["content-disposition"]
            else:
                assert response.status_code == 403, (who, route, response.status_code)
