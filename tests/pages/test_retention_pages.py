"""The privacy pages: a youth's retention and hold, requests recorded by a coordinator and
decided by an admin (the purge at once), refused input changing nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import func, select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.models import AuditEvent, Document, LegalHold, PrivacyRequest, User, Youth
from mowakaba.settings import get_settings
from tests.pages.conftest import sign_in
from tests.pages.world import csrf_of
from tests.services.retention_world import build, texts_of


def last_audit() -> int:
    """The newest audit row's id (the trail is never emptied between tests)."""
    with session_scope() as s:
        return s.exec(select(func.max(AuditEvent.id))).one() or 0


def world() -> dict[str, object]:
    start = last_audit()
    with session_scope() as s:
        w = build(s)
        for name, user_id in (("coordp", w.coordinator_id), ("adminp", w.admin_id),
                              ("medp", w.mediator_id)):  # fmt: skip
            s.get(User, user_id).username = name
    return {"youth": w.youth_id, "files": w.files, "audit": start}


def client_of(username: str) -> TestClient:
    client = TestClient(create_app(), base_url="http://testserver")
    assert sign_in(client, username).status_code == 303
    return client


def post(client: TestClient, path: str, page: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def holds() -> list[tuple[str, bool]]:
    with session_scope() as s:
        return [(h.reason, h.lifted_at is not None) for h in s.exec(select(LegalHold))]


def test_a_coordinator_sees_the_dates_and_places_then_lifts_a_hold(committed):
    w = world()
    youth = w["youth"]
    coord = client_of("coordp")
    page = coord.get(f"/youths/{youth}/privacy")
    assert page.status_code == 200
    assert "30 juin 2015" in page.text or "Jun 30, 2015" in page.text or "2015" in page.text
    bad = post(coord, f"/youths/{youth}/privacy/hold", f"/youths/{youth}/privacy",
               {"reason": "  "})  # fmt: skip
    assert bad.status_code == 422 and holds() == []
    unsafe = post(coord, f"/youths/{youth}/privacy/hold", f"/youths/{youth}/privacy",
                  {"reason": "Court\u202ecase"})  # fmt: skip
    assert unsafe.status_code == 422 and holds() == []
    placed = post(coord, f"/youths/{youth}/privacy/hold", f"/youths/{youth}/privacy",
                  {"reason": "Court case 114\nfiled in Casablanca"})  # fmt: skip
    assert placed.status_code == 303, placed.text
    assert "Court case 114" in coord.get(placed.headers["location"]).text
    again = post(coord, f"/youths/{youth}/privacy/hold", f"/youths/{youth}/privacy",
                 {"reason": "another"})  # fmt: skip
    assert again.status_code == 409 and len(holds()) == 1
    lifted = post(coord, f"/youths/{youth}/privacy/hold/lift", f"/youths/{youth}/privacy",
                  {"reason": "Judgment given"})  # fmt: skip
    assert lifted.status_code == 303 and holds() == [("Court case 114\nfiled in Casablanca", True)]
    # A mediator neither sees the page nor places a hold.
    med = client_of("medp")
    assert med.get(f"/youths/{youth}/privacy").status_code == 403


def test_an_admin_approves_a_deletion_request_and_the_file_is_purged_at_once(committed):
    w = world()
    youth = w["youth"]
    coord, admin = client_of("coordp"), client_of("adminp")
    page = f"/youths/{youth}/privacy"
    missing = post(coord, f"{page}/requests", page, {"reason": "asks", "kind": "objection"})
    assert missing.status_code == 422  # an objection names what it covers
    recorded = post(coord, f"{page}/requests", page, {"kind": "deletion", "reason": "He asks"})
    assert recorded.status_code == 303, recorded.text
    with session_scope() as s:
        (request,) = s.exec(select(PrivacyRequest)).all()
        code = s.get(Youth, youth).code
    listing = admin.get("/admin/privacy-requests").text
    assert code in listing and "Karim" not in listing  # admins see cases through codes only
    # A coordinator cannot decide.
    refused = post(coord, f"/admin/privacy-requests/{request.id}/approve", page, {"note": ""})
    assert refused.status_code == 403
    approved = post(admin, f"/admin/privacy-requests/{request.id}/approve",
                    "/admin/privacy-requests", {"note": "Law 09-08"})  # fmt: skip
    assert approved.status_code == 303, approved.text
    with session_scope() as s:
        assert "Karim" not in texts_of(s, youth)
        assert s.exec(select(func.count()).where(Document.youth_id == youth)).one() == 0
        purges = s.exec(select(AuditEvent.object_type).where(
            AuditEvent.action == "purge", AuditEvent.id > w["audit"])).all()  # fmt: skip
        assert s.get(PrivacyRequest, request.id).status == "done"
    assert sorted(purges) == ["case_file", "documents", "sensitive_notes"]
    left = {p.name for p in get_settings().documents_dir.iterdir()}
    assert not set(w["files"]) & left  # the files went after the commit


def test_a_rejected_request_and_a_held_file_change_nothing(committed):
    w = world()
    youth = w["youth"]
    coord, admin = client_of("coordp"), client_of("adminp")
    page = f"/youths/{youth}/privacy"
    for _ in range(2):
        post(coord, f"{page}/requests", page,
             {"kind": "objection", "classes": ["documents"], "reason": "scans"})  # fmt: skip
    with session_scope() as s:
        first, second = s.exec(select(PrivacyRequest.id).order_by(PrivacyRequest.id)).all()
    empty = post(admin, f"/admin/privacy-requests/{first}/reject", "/admin/privacy-requests",
                 {"note": ""})  # fmt: skip
    assert empty.status_code == 422
    rejected = post(admin, f"/admin/privacy-requests/{first}/reject", "/admin/privacy-requests",
                    {"note": "Needed for the court"})  # fmt: skip
    assert rejected.status_code == 303
    post(coord, f"{page}/hold", page, {"reason": "Inquiry 7"})
    held = post(admin, f"/admin/privacy-requests/{second}/approve", "/admin/privacy-requests",
                {"note": ""})  # fmt: skip
    # Refused; the hold's reason is case data, kept off the admins' page.
    assert held.status_code == 409 and "Inquiry 7" not in held.text
    with session_scope() as s:
        assert s.exec(select(func.count()).where(Document.youth_id == youth)).one() == 2
        assert s.get(PrivacyRequest, second).status == "pending"
        assert s.exec(select(AuditEvent).where(
            AuditEvent.action == "purge", AuditEvent.id > w["audit"])).all() == []  # fmt: skip
    missing = post(admin, "/admin/privacy-requests/999999/approve", "/admin/privacy-requests",
                   {"note": ""})  # fmt: skip
    assert missing.status_code == 404


def test_the_youth_file_links_to_its_privacy_page_for_coordinators_only(world):
    late = world.ids["late"]
    file = client_of("coord").get(f"/youths/{late}").text
    assert f'href="/youths/{late}/privacy"' in file
    assert f'href="/youths/{late}/privacy"' not in client_of("med1").get(f"/youths/{late}").text
