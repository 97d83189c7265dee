"""An API world: two institutions, every role, three youths; a client per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.enums import Role
from mowakaba.models import Partner, User, Youth
from mowakaba.schemas import ReferralIn
from mowakaba.services import referrals as referral_service
from tests.factories import (
    at,
    give_consent,
    make_institution,
    make_partner,
    make_service,
    make_user,
    make_youth,
)

PASSWORD = "correct horse battery"


@dataclass
class World:
    client: TestClient
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str, password: str = PASSWORD) -> str:
        response = self.client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def as_(self, who: str | None) -> dict[str, str]:
        if who is None:
            return {}
        if who not in self.tokens:
            self.tokens[who] = self.login(who)
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who, path, **kw):
        headers = {**self.as_(who), **kw.pop("headers", {})}
        return self.client.get(f"/api/v1{path}", headers=headers, **kw)

    def post(self, who, path, **kw):
        headers = {**self.as_(who), **kw.pop("headers", {})}
        return self.client.post(f"/api/v1{path}", headers=headers, **kw)

    def patch(self, who, path, **kw):
        return self.client.patch(f"/api/v1{path}", headers=self.as_(who), **kw)

    def put(self, who, path, **kw):
        return self.client.put(f"/api/v1{path}", headers=self.as_(who), **kw)


@pytest.fixture
def world(committed) -> World:
    return build_world()


def build_world(**y1: object) -> World:
    """Two institutions, every role, three youths (in empty tables), and a client; `y1`:
    registration fields of the first youth other than the defaults (tests/factories.py)."""
    with session_scope() as s:
        a = make_institution(s, name="Dar Al Atfal A", region="Casablanca-Settat")
        b = make_institution(s, name="Dar Al Atfal B", region="Fès-Meknès")
        users = {
            "admin": make_user(s, Role.admin, username="admin"),
            "supervisor": make_user(
                s, Role.supervisor, region="Casablanca-Settat", username="supervisor"
            ),
            "coord_a": make_user(s, Role.coordinator, [a], username="coord_a"),
            "coord_b": make_user(s, Role.coordinator, [b], username="coord_b"),
            "m1": make_user(s, Role.mediator, [a], username="m1"),
            "m2": make_user(s, Role.mediator, [a], username="m2"),
            "mb": make_user(s, Role.mediator, [b], username="mb"),
            "partner": make_user(s, Role.partner, username="partner"),
        }
        today = at(date.today())
        y1 = make_youth(s, a, users["m1"], as_of=today, **({"first_name": "Amine"} | y1))
        y2 = make_youth(s, a, users["m2"], first_name="Omar", first_name_ar="عمر", as_of=today)
        y3 = make_youth(s, b, users["mb"], first_name="Salma", first_name_ar="سلمى", as_of=today)
        ids = {name: u.id for name, u in users.items()}
        ids.update(inst_a=a.id, inst_b=b.id, y1=y1.id, y2=y2.id, y3=y3.id)
    return World(client=TestClient(create_app()), ids=ids)


@pytest.fixture
def referral_world(committed) -> World:
    return add_referrals(build_world())


def add_referrals(w: World) -> World:
    """Partners and referrals: the `partner` user's organisation (A) and another (B) with a
    user `partner_b`, an employment service each, and for y1 (m1's) a consent to share
    education with each and a referral sent to each, and a draft to B's."""
    with session_scope() as s:
        youth, m1 = s.get(Youth, w.ids["y1"]), s.get(User, w.ids["m1"])
        partner_user = s.get(User, w.ids["partner"])
        assert youth is not None and m1 is not None and partner_user is not None
        a = s.get(Partner, partner_user.partner_id)
        assert a is not None
        b = make_partner(s, name="Partner B")
        user_b = make_user(s, Role.partner, partner=b, username="partner_b")
        for name, partner in (("a", a), ("b", b)):
            service = make_service(s, partner, axis="employment", name=f"First job {name}")
            consent = give_consent(s, youth, m1, partner=partner, data=["education"])
            referral = referral_service.create_referral(
                s, youth=youth, actor=m1,
                data=ReferralIn(service_id=service.pk, need="A first job", send=True,
                                shared_fields=["education_level"]),
            )  # fmt: skip
            w.ids.update({f"partner_{name}": partner.pk, f"service_{name}": service.pk,
                          f"consent_{name}": consent.pk, f"ref_{name}": referral.pk})  # fmt: skip
        draft = referral_service.create_referral(
            s, youth=youth, actor=m1, data=ReferralIn(service_id=service.pk, need="An internship")
        )
        w.ids["partner_b_user"], w.ids["ref_draft"] = user_b.pk, draft.pk
    return w
