"""The dashboard's referrals by partner: waiting, overdue (first, linked to the referrals
list), answered, answered in time, the median answer time; per the caller's scope."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.enums import Language, Role
from mowakaba.models import User, Youth
from mowakaba.schemas import AnswerIn, ReferralIn
from mowakaba.services import referrals as referral_service
from tests.factories import at, give_consent, make_partner, make_service, make_user
from tests.pages.conftest import sign_in
from tests.pages.dashboard_world import build_dashboard_world
from tests.pages.world import PageWorld

TODAY = date.today()


def refer(session, youth: Youth, mediator: User, service, day: date):  # type: ignore[no-untyped-def]
    """A referral sent on a day by the youth's mediator (consent given at registration)."""
    data = ReferralIn(service_id=service.id, need="Un premier emploi", send=True)
    return referral_service.create_referral(
        session, youth=youth, data=data, actor=mediator, at=at(day, 10)
    )


def build_referral_world() -> PageWorld:
    """The dashboard's world (every account in English), plus two partners of the home
    institution's youth "late": ANAPEC has an unanswered referral sent 30 days ago
    (overdue), the health centre one answered the working day after it was sent."""
    world = build_dashboard_world(escalate=False)
    with session_scope() as s:
        youth, med1 = s.get(Youth, world.ids["late"]), s.get(User, world.ids["med1"])
        assert youth is not None and med1 is not None
        anapec = make_partner(s, name="ANAPEC Casablanca", name_ar="أنابيك الدار البيضاء")
        health = make_partner(s, name="Centre de santé Hay Hassani")
        health_user = make_user(s, Role.partner, partner=health)
        for partner in (anapec, health):
            give_consent(s, youth, med1, partner=partner)  # on the day of registration
        late = refer(s, youth, med1, make_service(s, anapec), TODAY - timedelta(days=30))
        sent = TODAY - timedelta(days=20)
        while sent.weekday() >= 4:  # a Monday to Thursday: the next day is a working day
            sent -= timedelta(days=1)
        answered = refer(s, youth, med1, make_service(s, health, axis="health"), sent)
        referral_service.answer_referral(
            s, referral_id=answered.pk, actor=health_user, data=AnswerIn(status="accepted"),
            at=at(sent + timedelta(days=1), 11),
        )  # fmt: skip
        for user in s.exec(select(User)):
            user.language = Language.en
        world.ids.update(anapec=anapec.pk, health=health.pk, overdue_referral=late.pk)
    return world


@pytest.fixture
def referred(committed) -> PageWorld:
    return build_referral_world()


def dashboard_of(username: str) -> str:
    with TestClient(create_app()) as client:
        assert sign_in(client, username).status_code == 303
        page = client.get("/dashboard")
        assert page.status_code == 200
        return page.text


def rows_of(html: str) -> dict[str, list[str]]:
    """Each partner's row of the section: its cells' text, by partner id."""
    table = html.split('id="referrals-by-partner"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-partner="(\d+)">(.*?)</tr>', table, re.S)
    return {
        pid: [re.sub(r"<[^>]+>|\s+", " ", c).split(" · ")[0].strip()
              for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for pid, row in rows
    }  # fmt: skip


def test_a_coordinator_sees_an_overdue_referral_counted_for_its_partner_first(referred):
    page = dashboard_of("coord")
    assert '<h2 id="referrals-title">Referrals by partner</h2>' in page
    rows = rows_of(page)
    anapec, health = str(referred.ids["anapec"]), str(referred.ids["health"])
    assert list(rows) == [anapec, health]  # overdue first
    # partner, waiting, overdue, answered, answered in time, median working days
    assert rows[anapec][1:] == ["1", "1", "0", "0", "—"]
    assert rows[health][1:] == ["0", "0", "1", "1", "1"]
    assert f'href="/referrals?partner_id={anapec}&amp;overdue=1"' in page
    assert f'href="/referrals?partner_id={health}&amp;overdue=1"' not in page


def test_the_figures_follow_the_callers_scope(referred):
    assert "No referral has been sent yet." in dashboard_of("coord_b")  # another institution
    assert list(rows_of(dashboard_of("super"))) == [  # the region's
        str(referred.ids["anapec"]),
        str(referred.ids["health"]),
    ]
    assert len(rows_of(dashboard_of("nation"))) == 2
