"""Accounts through the API: an admin closes, reopens, resets and changes them (issue 10,
defect 6); a reset password must be changed before anything else."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from mowakaba.db import session_scope
from mowakaba.models import AuditEvent
from tests.api.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _audit_start(world):
    # The audit trail is append-only: it outlives each test's emptied tables.
    with session_scope() as s:
        world.ids["audit_start"] = s.exec(select(func.max(AuditEvent.id))).one() or 0


def audited(world, action):
    """The ids of the users an admin's action was audited on, in this test."""
    with session_scope() as s:
        return s.exec(
            select(AuditEvent.object_id).where(
                AuditEvent.action == action,
                AuditEvent.actor_id == world.ids["admin"],
                AuditEvent.id > world.ids["audit_start"],
            )
        ).all()


def test_admins_list_and_read_accounts_without_their_hashes(world):
    page = world.get("admin", "/users", params={"page_size": 3}).json()
    assert page["total"] == 8 and len(page["items"]) == 3 and page["page_size"] == 3
    one = world.get("admin", f"/users/{world.ids['m1']}").json()
    assert one["username"] == "m1" and one["institution_ids"] == [world.ids["inst_a"]]
    assert "password_hash" not in one and "credentials_version" not in one
    assert world.get("admin", "/users/999999").status_code == 404
    assert world.get("coord_a", "/users").status_code == 403


def test_creating_an_account_enforces_the_password_policy(world):
    body = {"username": "boss2", "password": "password", "role": "admin"}
    weak = world.post("admin", "/users", json=body)
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    common = world.post("admin", "/users", json={**body, "password": "password1234"})
    assert common.json()["error"]["code"] == "weak_password"
    extra = world.post("admin", "/users", json={**body, "password": PASSWORD, "is_active": False})
    assert extra.status_code == 422
    created = world.post("admin", "/users", json={**body, "password": PASSWORD})
    assert created.status_code == 201 and created.json()["role"] == "admin"
    assert audited(world, "users.create") == [str(created.json()["id"])]


def test_disabling_an_account_kills_its_tokens_and_sign_in(world):
    m1 = world.as_("m1")
    response = world.post("admin", f"/users/{world.ids['m1']}/disable")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert world.client.get("/api/v1/me", headers=m1).status_code == 401
    login = world.client.post("/api/v1/auth/token", data={"username": "m1", "password": PASSWORD})
    assert login.status_code == 401
    assert world.post("admin", f"/users/{world.ids['m1']}/enable").json()["is_active"] is True
    assert world.login("m1")
    assert (
        audited(world, "users.disable") == audited(world, "users.enable") == [str(world.ids["m1"])]
    )


def test_an_admin_cannot_disable_themself_or_demote_the_last_admin(world):
    me = world.post("admin", f"/users/{world.ids['admin']}/disable")
    assert me.status_code == 409 and me.json()["error"]["code"] == "conflict"
    demoted = world.patch("admin", f"/users/{world.ids['admin']}", json={"role": "supervisor"})
    assert demoted.status_code == 409
    assert world.get("admin", "/me").status_code == 200  # nothing changed, token alive


def test_changing_role_and_institutions_kills_the_tokens(world):
    coord = world.as_("coord_a")
    changed = world.patch(
        "admin", f"/users/{world.ids['coord_a']}",
        json={"role": "mediator", "institution_ids": [world.ids["inst_b"]], "language": "ar"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "mediator" and changed.json()["language"] == "ar"
    assert changed.json()["institution_ids"] == [world.ids["inst_b"]]
    assert world.client.get("/api/v1/me", headers=coord).status_code == 401
    bad = world.patch("admin", f"/users/{world.ids['m1']}", json={"role": "supervisor"})
    assert bad.status_code == 422  # a supervisor is not attached to institutions
    for body in ({"username": "x"}, {"password_hash": "x"}, {"is_active": False}, {}):
        assert world.patch("admin", f"/users/{world.ids['m1']}", json=body).status_code == 422
    assert audited(world, "users.update") == [str(world.ids["coord_a"])]


def test_a_reset_password_must_be_changed_before_anything_else(world):
    old = world.as_("m1")
    reset = world.post("admin", f"/users/{world.ids['m1']}/reset-password")
    temporary = reset.json()["temporary_password"]
    assert reset.status_code == 200 and len(temporary) >= 12
    assert world.client.get("/api/v1/me", headers=old).status_code == 401
    assert (
        world.client.post(
            "/api/v1/auth/token", data={"username": "m1", "password": PASSWORD}
        ).status_code
        == 401
    )
    headers = {"Authorization": f"Bearer {world.login('m1', temporary)}"}
    assert world.client.get("/api/v1/me", headers=headers).status_code == 200
    blocked = world.client.get("/api/v1/youths", headers=headers)
    assert blocked.status_code == 403
    assert blocked.json()["error"]["code"] == "password_change_required"
    url = "/api/v1/me/password"
    wrong = world.client.post(
        url, headers=headers, json={"current_password": "nope", "new_password": PASSWORD + "!"}
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"
    weak = world.client.post(
        url, headers=headers, json={"current_password": temporary, "new_password": "password1"}
    )
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    changed = world.client.post(
        url, headers=headers, json={"current_password": temporary, "new_password": "atlas cedar 77"}
    )
    assert changed.status_code == 200
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert world.client.get("/api/v1/me", headers=headers).status_code == 401  # old token died
    assert world.client.get("/api/v1/youths", headers=fresh).status_code == 200
    assert world.login("m1", "atlas cedar 77")


def test_an_admin_may_choose_the_temporary_password(world):
    weak = world.post("admin", f"/users/{world.ids['m2']}/reset-password", json={"password": "m2"})
    assert weak.status_code == 422
    chosen = world.post(
        "admin", f"/users/{world.ids['m2']}/reset-password", json={"password": "olive grove 2031"}
    )
    assert chosen.json()["temporary_password"] == "olive grove 2031"
    assert world.login("m2", "olive grove 2031")
    assert audited(world, "users.reset_password") == [str(world.ids["m2"])]


def test_an_account_has_a_mobile_phone_for_urgent_incidents(world):
    body = {"username": "coord3", "password": PASSWORD, "role": "coordinator",
            "institution_ids": [world.ids["inst_a"]], "phone": "+212 612 34 56 78"}  # fmt: skip
    created = world.post("admin", "/users", json=body)
    assert created.status_code == 201 and created.json()["phone"] == "+212 612 34 56 78"
    user_id = created.json()["id"]
    for bad in ("06 12", "call me", "0612345678901234567"):
        refused = world.patch("admin", f"/users/{user_id}", json={"phone": bad})
        assert refused.status_code == 422 and "phone" in refused.text
        assert world.get("admin", f"/users/{user_id}").json()["phone"] == "+212 612 34 56 78"
    changed = world.patch("admin", f"/users/{user_id}", json={"phone": "0661 00 00 01"})
    assert changed.status_code == 200 and changed.json()["phone"] == "0661 00 00 01"
    cleared = world.patch("admin", f"/users/{user_id}", json={"phone": None})
    assert cleared.status_code == 200 and cleared.json()["phone"] is None
    refused = world.post("admin", "/users", json={**body, "username": "coord4", "phone": "x1"})
    assert refused.status_code == 422
