"""The referral letter's pages: the print view and the PDF, for the staff who see the
referral only, audited."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.models import User, Youth
from mowakaba.schemas import ReferralIn
from mowakaba.services import referrals as referral_service
from tests.factories import at, give_consent, make_partner, make_service
from tests.pages.conftest import sign_in
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.world import PageWorld


def referral_for(world: PageWorld) -> int:
    """A referral of med1's youth to an Arabic-speaking association, sent today."""
    today = date.today()
    with session_scope() as s:
        youth, med1 = s.get(Youth, world.ids["late"]), s.get(User, world.ids["med1"])
        assert youth is not None and med1 is not None
        partner = make_partner(s, name="Association Al Amal", name_ar="جمعية الأمل",
                               languages=["ar", "fr"])  # fmt: skip
        service = make_service(s, partner, axis="housing", name="Logement de transition",
                               name_ar="سكن انتقالي")  # fmt: skip
        give_consent(s, youth, med1, partner=partner, data=["identity"],
                     given_date=today - timedelta(days=1))  # fmt: skip
        referral = referral_service.create_referral(
            s, youth=youth, actor=med1, at=at(today),
            data=ReferralIn(service_id=service.pk, need="سكن بعد المغادرة", send=True),
        )  # fmt: skip
        return referral.pk


def test_the_youths_mediator_prints_the_letter_and_downloads_its_pdf(world, browser_client):
    referral_id = referral_for(world)
    before = audit_mark()
    sign_in(browser_client, "med1")
    page = browser_client.get(f"/referrals/{referral_id}/letter")
    assert page.status_code == 200 and 'lang="ar" dir="rtl"' in page.text
    assert "جمعية الأمل" in page.text and "أمين" in page.text and "Benali" not in page.text
    assert "<nav" not in page.text  # a print view: no navigation
    assert "style-src 'sha256-" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    french = browser_client.get(f"/referrals/{referral_id}/letter?language=fr")
    assert 'lang="fr"' in french.text and "Association Al Amal" in french.text
    pdf = browser_client.get(f"/referrals/{referral_id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="referral-{referral_id}.pdf"'
    )
    assert pdf.content.startswith(b"%PDF-")
    rows = audit_since(before, "referrals.letter")
    assert [(r.outcome.value, r.object_id, r.youth_id) for r in rows] == [
        ("allowed", str(referral_id), world.ids["late"])
    ] * 3


def test_the_coordinator_prints_it_too_but_another_mediator_or_a_partner_cannot(world):
    referral_id = referral_for(world)
    for username, status in (("coord", 200), ("med2", 404), ("partner", 403)):
        with TestClient(create_app(), base_url="http://testserver") as client:
            sign_in(client, username)
            for path in (
                f"/referrals/{referral_id}/letter",
                f"/referrals/{referral_id}/letter.pdf",
            ):
                assert client.get(path).status_code == status, (username, path)
    before = audit_mark()
    with TestClient(create_app(), base_url="http://testserver") as client:
        sign_in(client, "med2")
        client.get(f"/referrals/{referral_id}/letter")
        client.get("/referrals/999999/letter")
    assert [r.outcome.value for r in audit_since(before, "referrals.letter")] == [
        "not_found",
        "not_found",
    ]


def test_no_letter_for_a_draft_or_a_closed_referral(world, browser_client):
    referral_id = referral_for(world)
    with session_scope() as s:
        med1 = s.get(User, world.ids["med1"])
        referral = referral_service.get_referral(s, referral_id)
        draft = referral_service.create_referral(
            s, youth=s.get(Youth, referral.youth_id), actor=med1, at=at(date.today()),
            data=ReferralIn(service_id=referral.service_id, need="x", send=False,
                            shared_fields=["health_details"], health_details="asthma"),
        )  # fmt: skip
        draft_id = draft.pk
    sign_in(browser_client, "med1")
    assert browser_client.get(f"/referrals/{draft_id}/letter").status_code == 404
    assert browser_client.get(f"/referrals/{draft_id}/letter.pdf").status_code == 404
    with session_scope() as s:
        referral_service.cancel_referral(s, referral_id=referral_id,
                                         actor=s.get(User, world.ids["med1"]), reason="moved")  # fmt: skip
    assert browser_client.get(f"/referrals/{referral_id}/letter").status_code == 404
