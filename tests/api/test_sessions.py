"""Tokens, throttling, idempotency, mass assignment, limits — as a client meets them."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import func, select

from mowakaba import clock
from mowakaba.db import session_scope
from mowakaba.enums import Role
from mowakaba.models import Institution, Youth
from mowakaba.services import users as user_service


def test_token_shape_me_and_logout(world):
    response = world.client.post(
        "/api/v1/auth/token", data={"username": "m1", "password": "correct horse battery"}
    )
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 1800 and body["access_token"]
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = world.client.get("/api/v1/me", headers=headers).json()
    assert me == {"id": world.ids["m1"], "username": "m1", "role": "mediator",
                  "institutions": [world.ids["inst_a"]], "region": None, "language": "fr"}  # fmt: skip
    assert world.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert world.client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_expire_idle_and_in_all(world):
    headers = world.as_("m1")
    start = clock.now()
    with clock.frozen_at(start + timedelta(minutes=29)):
        assert world.client.get("/api/v1/me", headers=headers).status_code == 200
    with clock.frozen_at(start + timedelta(minutes=29 + 31)):
        assert world.client.get("/api/v1/me", headers=headers).status_code == 401  # idle
    headers = {"Authorization": f"Bearer {world.login('m2')}"}
    t = clock.now()
    for minutes in range(25, 12 * 60, 25):  # kept busy, never idle
        with clock.frozen_at(t + timedelta(minutes=minutes)):
            assert world.client.get("/api/v1/me", headers=headers).status_code == 200
    with clock.frozen_at(t + timedelta(hours=12, minutes=1)):
        assert world.client.get("/api/v1/me", headers=headers).status_code == 401  # 12 h in all


def test_tokens_die_when_the_user_is_disabled_or_changed(world):
    m1, coord = world.as_("m1"), world.as_("coord_a")
    with session_scope() as s:
        user_service.set_active(s, user_id=world.ids["m1"], active=False)
        user_service.change_role(s, user_id=world.ids["coord_a"], role=Role.coordinator,
                                 institution_ids=[world.ids["inst_b"]])  # fmt: skip
    assert world.client.get("/api/v1/me", headers=m1).status_code == 401
    assert world.client.get("/api/v1/me", headers=coord).status_code == 401
    assert (
        world.client.post(
            "/api/v1/auth/token", data={"username": "m1", "password": "correct horse battery"}
        ).status_code
        == 401
    )


def test_logins_are_throttled_with_one_answer_for_unknown_users_and_wrong_passwords(world):
    unknown = world.client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    wrong = world.client.post("/api/v1/auth/token", data={"username": "m2", "password": "x"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    for _ in range(4):
        world.client.post("/api/v1/auth/token", data={"username": "m2", "password": "x"})
    throttled = world.client.post(
        "/api/v1/auth/token", data={"username": "m2", "password": "correct horse battery"}
    )
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert (
        world.client.post(
            "/api/v1/auth/token", data={"username": "m1", "password": "correct horse battery"}
        ).status_code
        == 200
    )
    with clock.frozen_at(clock.now() + timedelta(minutes=16)):
        assert (
            world.client.post(
                "/api/v1/auth/token", data={"username": "m2", "password": "correct horse battery"}
            ).status_code
            == 200
        )


def test_idempotent_creation_replays_and_conflicts(world):
    body = {"name": "Dar Al Atfal C", "region": "Oriental"}
    first = world.post("admin", "/institutions", json=body, headers={"Idempotency-Key": "k-1"})
    again = world.post("admin", "/institutions", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = world.post(
        "admin", "/institutions", json={**body, "name": "D"}, headers={"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Institution)).one() == 3


def test_unknown_fields_and_mass_assignment_are_refused(world):
    y1 = world.ids["y1"]
    for field, value in [("stage", "closed"), ("id", 99), ("institution_id", world.ids["inst_b"]),
                         ("code", "Y-HACKED"), ("created_at", "2020-01-01T00:00:00Z")]:  # fmt: skip
        response = world.patch("m1", f"/youths/{y1}", json={field: value})
        assert response.status_code == 422, field
        assert response.json()["error"]["code"] == "invalid_request"
    youth = world.get("m1", f"/youths/{y1}").json()
    assert youth["stage"] == "intake" and youth["institution_id"] == world.ids["inst_a"]
    assert (
        world.post(
            "admin", "/institutions", json={"name": "X", "region": "Y", "extra": 1}
        ).status_code
        == 422
    )
    changed = world.patch("m1", f"/youths/{y1}", json={"education_level": "secondary"})
    assert changed.status_code == 200 and changed.json()["education_level"] == "secondary"
    assert (
        world.patch("m1", f"/youths/{y1}", json={"mediator_id": world.ids["m2"]}).status_code == 403
    )


def test_body_size_and_page_size_are_capped(world):
    big = "x" * (1024 * 1024 + 1)
    response = world.post(
        "admin", "/institutions", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert world.get("coord_a", "/youths", params={"page_size": 101}).status_code == 422
    assert world.get("coord_a", "/youths", params={"page_size": 100}).json()["page_size"] == 100


def test_logs_carry_ids_only(world, caplog):
    caplog.set_level(logging.DEBUG)
    canary = "Zzcanaryname"
    with session_scope() as s:
        youth = s.get(Youth, world.ids["y1"])
        youth.last_name = canary
        s.add(youth)
    world.get("m1", f"/youths/{world.ids['y1']}")
    world.get("m1", "/youths", params={"q": canary})
    world.patch("m1", f"/youths/{world.ids['y1']}", json={"first_name": "Karim"})
    # The server's own logs (the test client's request lines are not the server's).
    server = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "audit action=youths.read" in server
    assert canary not in server and "Karim" not in server
