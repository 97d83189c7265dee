"""The referral flow: started after the commit by deployment, tagged with its youth and
partner, doing what follows a move once; the sweep settles what a run never did."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from flows import launch
from flows.referral import referral
from mowakaba.db import session_scope
from mowakaba.enums import NotificationKind, ReferralStatus, Role
from mowakaba.models import Notification, Referral, ReferralTransition, User
from mowakaba.schemas import AnswerIn, ReferralIn
from mowakaba.services import referrals as referral_service
from mowakaba.services import sweep as sweep_service
from tests.factories import at, give_consent, make_partner, make_service, make_user, make_world
from tests.prefect_helpers import runs_tagged

DAY = date(2026, 11, 5)


def _world():
    with session_scope() as s:
        w = make_world(s, as_of=at(date(2026, 9, 1)))
        partner = make_partner(s, name="OFPPT Hay Hassani", languages=["ar"])
        service = make_service(s, partner, axis="education_training")
        partner_user = make_user(s, Role.partner, partner=partner)
        give_consent(s, w["youth"], w["mediator"], partner=partner, given_date=date(2026, 9, 1))
        referral_row = referral_service.create_referral(
            s, youth=w["youth"], actor=w["mediator"], at=at(DAY),
            data=ReferralIn(service_id=service.id, need="A training place", send=True),
        )  # fmt: skip
        return dict(referral_id=referral_row.id, youth_id=w["youth"].id, partner_id=partner.id,
                    institution_id=w["institution"].id, partner_user_id=partner_user.id,
                    mediator_id=w["mediator"].id)  # fmt: skip


def _received(referral_id: int) -> int:
    with session_scope() as s:
        return len(
            s.exec(
                select(Notification).where(Notification.kind == NotificationKind.referral_received)
            ).all()
        )


def test_a_referral_run_is_tagged_with_its_youth_and_partner_and_settles_once(committed, deployed):
    ids = _world()
    run_id = launch.start_referral(
        referral_id=ids["referral_id"], youth_id=ids["youth_id"],
        institution_id=ids["institution_id"], partner_id=ids["partner_id"], event="t2",
    )  # fmt: skip
    assert run_id is not None
    again = launch.start_referral(
        referral_id=ids["referral_id"], youth_id=ids["youth_id"],
        institution_id=ids["institution_id"], partner_id=ids["partner_id"], event="t2",
    )  # fmt: skip
    assert again == run_id  # one run per move (idempotency key)
    # Ids restart with each test's tables: other tests' runs may carry the same tags.
    runs = runs_tagged(f"youth:{ids['youth_id']}", f"partner:{ids['partner_id']}")
    (run,) = [r for r in runs if str(r.id) == run_id]
    assert run.name == f"referral-{ids['referral_id']}"
    result = referral(referral_id=ids["referral_id"])  # what the served deployment runs
    assert result["moves"] == 2 and result["notifications"] == 1
    assert referral(referral_id=ids["referral_id"])["moves"] == 0  # twice: nothing twice
    assert _received(ids["referral_id"]) == 1


def test_a_move_whose_run_never_started_is_settled_by_the_sweep(committed):
    ids = _world()
    with session_scope() as s:
        partner_user = s.get(User, ids["partner_user_id"])
        referral_service.answer_referral(
            s, referral_id=ids["referral_id"], actor=partner_user,
            data=AnswerIn(status="accepted"), at=at(DAY, 15),
        )  # fmt: skip
    with session_scope() as s:
        counts = sweep_service.sweep(s, at(DAY, 20))
    assert counts.referral_moves_settled == 3
    with session_scope() as s:
        pending = s.exec(
            select(ReferralTransition).where(ReferralTransition.settled_at.is_(None))  # type: ignore[union-attr]
        ).all()
        assert pending == []
        assert s.get(Referral, ids["referral_id"]).status == ReferralStatus.accepted
        answered = s.exec(
            select(Notification).where(Notification.kind == NotificationKind.referral_answered)
        ).all()
        assert [n.recipient_id for n in answered] == [ids["mediator_id"]]
    with session_scope() as s:
        assert sweep_service.sweep(s, at(DAY, 21)).referral_moves_settled == 0
