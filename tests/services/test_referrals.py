"""Referrals: the lifecycle, consent, the partner's answer on its behalf, the clocks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from mowakaba.enums import (
    AnswerMethod,
    EventKind,
    MilestoneStatus,
    NotificationKind,
    ReferralStatus,
    Role,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import (
    ConsentRequired,
    InvalidInput,
    InvalidReferralTransition,
    NotAllowed,
    NotEligible,
    NotFound,
)
from mowakaba.models import Notification, PathwayEvent, ReferralTransition
from mowakaba.referral_rules import CLOSED, TRANSITIONS
from mowakaba.schemas import AnswerIn, ReferralIn
from mowakaba.services import consents as consent_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import sweep as sweep_service
from mowakaba.services.calendars import national_calendar
from tests.factories import at, give_consent, make_partner, make_service, make_user, make_world

R = ReferralStatus
# Thursday 5 November 2026: Friday 6 is Green March, then a weekend; Wednesday 18 is
# Independence Day.
THURSDAY = date(2026, 11, 5)


@pytest.fixture
def w(session):
    world = make_world(session, as_of=at(date(2026, 9, 1)))
    partner = make_partner(session, name="ANAPEC Casablanca")
    world["partner"] = partner
    world["service"] = make_service(session, partner, axis="employment", response_days=5,
                                    delivery_days=20)  # fmt: skip
    world["partner_user"] = make_user(session, Role.partner, partner=partner)
    give_consent(session, world["youth"], world["mediator"], partner=partner,
                 data=["education"], given_date=date(2026, 9, 1))  # fmt: skip
    return world


def refer(session, w, *, send=True, when=THURSDAY, **kw):
    data = ReferralIn(service_id=w["service"].id, need="A first job", send=send, **kw)
    return referral_service.create_referral(
        session, youth=w["youth"], data=data, actor=w["mediator"], at=at(when)
    )


def answer(session, w, referral, status, *, who="partner_user", when=THURSDAY, **kw):
    return referral_service.answer_referral(
        session, referral_id=referral.id, actor=w[who], data=AnswerIn(status=status, **kw),
        at=at(when, 15),
    )  # fmt: skip


def test_sent_on_a_thursday_before_a_holiday_weekend_counts_from_monday(session, w):
    referral = refer(session, w)
    assert referral.status == R.sent and referral.sent_date == THURSDAY
    assert referral.response_due_date == date(2026, 11, 13)  # working days 9–13 Nov
    assert referral.expiry_date == date(2026, 11, 23)  # 16, 17, 19, 20, 23 (18th: holiday)


def sweep_on(session, day):
    return sweep_service.sweep(session, at(day, 1))


def test_an_unanswered_referral_escalates_the_day_after_working_day_n_once(session, w):
    referral = refer(session, w)
    assert sweep_on(session, date(2026, 11, 13)).referrals_escalated == 0
    assert sweep_on(session, date(2026, 11, 14)).referrals_escalated == 1
    assert sweep_on(session, date(2026, 11, 16)).referrals_escalated == 0
    notes = session.exec(
        select(Notification).where(Notification.kind == NotificationKind.referral_overdue)
    ).all()
    assert [n.recipient_id for n in notes] == [w["coordinator"].id]
    assert referral.status == R.sent  # it can still be answered
    answer(session, w, referral, "accepted", when=date(2026, 11, 16))
    assert referral.status == R.accepted


def test_an_unanswered_referral_expires_after_working_day_2n(session, w):
    referral = refer(session, w)
    sweep_on(session, date(2026, 11, 23))
    assert referral.status == R.sent
    assert sweep_on(session, date(2026, 11, 24)).referrals_expired == 1
    assert referral.status == R.expired and referral.closed_at is not None


def test_rerouting_closes_the_old_referral_and_starts_a_new_clock(session, w):
    other = make_service(session, w["partner"], axis="employment", name="Job club")
    old = refer(session, w)
    new = referral_service.reroute_referral(
        session, referral_id=old.id, actor=w["coordinator"], service_id=other.id,
        reason="ANAPEC does not answer", at=at(date(2026, 11, 16)),
    )  # fmt: skip
    assert old.status == R.rerouted and old.rerouted_to_id == new.id
    assert new.status == R.sent and new.rerouted_from_id == old.id
    assert new.sent_date == date(2026, 11, 16)
    assert new.response_due_date == date(2026, 11, 24)  # 17, 19, 20, 23, 24 (18th: holiday)
    with pytest.raises(InvalidReferralTransition):
        referral_service.reroute_referral(
            session, referral_id=old.id, actor=w["coordinator"], service_id=other.id
        )


def test_sending_without_consent_is_refused_and_changes_nothing(session, w):
    withdrawn = consent_service.list_consents(session, youth_id=w["youth"].id)[0]
    consent_service.withdraw_consent(session, youth=w["youth"], consent_id=withdrawn.id,
                                     actor=w["mediator"], today=THURSDAY)  # fmt: skip
    referral = refer(session, w, send=False)
    with pytest.raises(ConsentRequired):
        referral_service.send_referral(session, referral_id=referral.id, actor=w["mediator"],
                                       at=at(THURSDAY))  # fmt: skip
    assert referral.status == R.draft
    with pytest.raises(ConsentRequired):  # a mediator cannot override
        referral_service.send_referral(session, referral_id=referral.id, actor=w["mediator"],
                                       override_reason="urgent", at=at(THURSDAY))  # fmt: skip
    referral_service.send_referral(session, referral_id=referral.id, actor=w["coordinator"],
                                   override_reason="urgent: the job starts Monday",
                                   at=at(THURSDAY))  # fmt: skip
    assert referral.status == R.sent and referral.override_by_id == w["coordinator"].id


def test_sharing_health_details_needs_a_consent_that_covers_health(session, w):
    with pytest.raises(ConsentRequired):
        refer(session, w, shared_fields=["health_details"], health_details="asthma")
    referral = refer(session, w, shared_fields=["education_level"])
    assert referral.shared == {"education_level": "lower_secondary"}


def test_a_guardian_consent_lapses_at_18(session, w):
    youth = w["youth"]  # born 15 March 2012
    consent = consent_service.list_consents(session, youth_id=youth.id)[0]
    assert consent_service.is_valid(consent, youth, date(2030, 3, 14))
    assert not consent_service.is_valid(consent, youth, date(2030, 3, 15))
    with pytest.raises(InvalidInput):
        give_consent(session, youth, w["mediator"], partner=w["partner"], given_by="guardian",
                     given_date=date(2030, 3, 15))  # fmt: skip


def test_an_ineligible_youth_cannot_be_referred(session, w):
    w["service"] = make_service(session, w["partner"], eligibility=[{"kind": "age", "min": 16}])
    with pytest.raises(NotEligible, match="from age 16"):
        refer(session, w)


def test_every_forbidden_move_is_refused_and_changes_nothing(session, w):
    referral = refer(session, w)
    answer(session, w, referral, "accepted")
    answer(session, w, referral, "completed", outcome="Placed in a bakery")
    with pytest.raises(NotFound):  # closed: the partner's access has ended
        answer(session, w, referral, "in_progress")
    for status in ("accepted", "declined", "in_progress", "not_completed"):
        with pytest.raises(InvalidReferralTransition):
            answer(session, w, referral, status, reason="x", who="mediator", answered_by="X",
                   method=AnswerMethod.phone)  # fmt: skip
    assert referral.status == R.completed
    assert set(TRANSITIONS[R.completed]) == set() and R.completed in CLOSED


def test_an_answer_recorded_on_behalf_names_the_recorder_who_and_how(session, w):
    referral = refer(session, w)
    with pytest.raises(InvalidInput):
        answer(session, w, referral, "accepted", who="mediator")
    answer(session, w, referral, "accepted", who="mediator", answered_by="Mme Idrissi",
           method=AnswerMethod.phone)  # fmt: skip
    move = session.exec(
        select(ReferralTransition).where(ReferralTransition.target == R.accepted)
    ).one()
    assert (move.actor_id, move.on_behalf, move.answered_by, move.method) == (
        w["mediator"].id,
        True,
        "Mme Idrissi",
        AnswerMethod.phone,
    )


def test_another_mediator_cannot_refer_or_cancel(session, w):
    referral = refer(session, w)
    with pytest.raises(NotAllowed):
        referral_service.cancel_referral(session, referral_id=referral.id,
                                         actor=w["other_mediator"], reason="x")  # fmt: skip


def test_a_completed_referral_meets_its_milestone_and_tells_the_mediator(session, w):
    from mowakaba.models import Milestone, Plan

    youth = w["youth"]
    plan = Plan(youth_id=youth.id, version=1)
    session.add(plan)
    session.flush()
    milestone = Milestone(
        plan_id=plan.id,
        youth_id=youth.id,
        axis="employment",
        title="First job",
        owner="mediator",
        due_date=date(2026, 12, 31),
    )
    session.add(milestone)
    session.flush()
    from mowakaba.rules import WorkItemSpec
    from mowakaba.services.work_items import create_work_item

    item = create_work_item(
        session,
        youth=youth,
        on=THURSDAY,
        spec=WorkItemSpec(
            kind=WorkItemKind.milestone_check,
            subject=f"m{milestone.id}.1",
            due_date=date(2026, 12, 31),
        ),
    )
    referral = refer(session, w, milestone_id=milestone.id)
    answer(session, w, referral, "accepted")
    answer(session, w, referral, "completed", outcome="Hired")
    settled = referral_service.settle_referral(session, referral_id=referral.id, at=at(THURSDAY))
    assert settled.transitions == 4 and settled.completed_work_item_ids == [item.id]
    assert item.status == WorkItemStatus.done and milestone.status == MilestoneStatus.done
    assert referral_service.settle_referral(session, referral_id=referral.id).transitions == 0
    kinds = [n.kind for n in session.exec(select(Notification).order_by(Notification.id))]
    assert kinds.count(NotificationKind.referral_received) == 1
    assert kinds.count(NotificationKind.referral_answered) == 2
    timeline = session.exec(
        select(PathwayEvent.kind).where(PathwayEvent.youth_id == youth.id)
    ).all()
    for kind in ("referral_drafted", "referral_sent", "referral_accepted", "referral_completed"):
        assert EventKind(kind) in timeline


def test_at_18_the_partner_loses_access_until_the_youth_consents_again(session, w):
    youth = w["youth"]  # 18 on 15 March 2030
    referral = refer(session, w, when=date(2030, 3, 1))
    assert referral_service.partner_can_see(session, referral, date(2030, 3, 14))
    assert not referral_service.partner_can_see(session, referral, date(2030, 3, 15))
    give_consent(session, youth, w["mediator"], partner=w["partner"], data=["education"],
                 given_by="youth", given_date=date(2030, 3, 16))  # fmt: skip
    assert referral_service.partner_can_see(session, referral, date(2030, 3, 16))


def test_withdrawing_consent_ends_the_partners_access_at_once(session, w):
    referral = refer(session, w)
    assert referral_service.partner_can_see(session, referral, THURSDAY)
    consent = consent_service.list_consents(session, youth_id=w["youth"].id)[0]
    consent_service.withdraw_consent(session, youth=w["youth"], consent_id=consent.id,
                                     actor=w["mediator"], today=THURSDAY)  # fmt: skip
    assert not referral_service.partner_can_see(session, referral, THURSDAY)


def test_a_completed_referral_meets_the_exit_checklist_item_its_service_meets(session, w):
    from mowakaba.rules import WorkItemSpec
    from mowakaba.services.work_items import create_work_item

    youth = w["youth"]
    housing = create_work_item(session, youth=youth, on=THURSDAY, spec=WorkItemSpec(
        kind=WorkItemKind.exit_checklist_item, subject="housing", due_date=date(2027, 1, 15)))  # fmt: skip
    id_card = create_work_item(session, youth=youth, on=THURSDAY, spec=WorkItemSpec(
        kind=WorkItemKind.exit_checklist_item, subject="national_id_card",
        due_date=date(2027, 1, 15)))  # fmt: skip
    w["service"] = make_service(session, w["partner"], axis="housing", checklist_item="housing")
    give_consent(session, youth, w["mediator"], axis="housing", given_date=date(2026, 9, 1))
    referral = refer(session, w)
    answer(session, w, referral, "accepted")
    answer(session, w, referral, "completed", outcome="A room in a shared flat")
    settled = referral_service.settle_referral(session, referral_id=referral.id, at=at(THURSDAY))
    assert settled.completed_work_item_ids == [housing.id]
    assert housing.status == WorkItemStatus.done and housing.payload["outcome"] == "done"
    assert id_card.status == WorkItemStatus.open


# How to bring a referral to each status, from draft, through the services.
PATH_TO = {
    R.draft: [],
    R.sent: [R.sent],
    R.accepted: [R.sent, R.accepted],
    R.in_progress: [R.sent, R.accepted, R.in_progress],
    R.declined: [R.sent, R.declined],
    R.completed: [R.sent, R.accepted, R.completed],
    R.not_completed: [R.sent, R.accepted, R.not_completed],
    R.cancelled: [R.cancelled],
    R.rerouted: [R.sent, R.rerouted],
    R.expired: [R.sent, R.expired],
}


def _move(session, w, referral, target, other_service):
    """Ask for one move as its actor would (the partner's answers recorded on its behalf)."""
    if target == R.sent:
        return referral_service.send_referral(session, referral_id=referral.id,
                                              actor=w["mediator"], at=at(THURSDAY))  # fmt: skip
    if target == R.cancelled:
        return referral_service.cancel_referral(session, referral_id=referral.id,
                                                actor=w["mediator"], reason="moved away")  # fmt: skip
    if target == R.rerouted:
        return referral_service.reroute_referral(session, referral_id=referral.id,
                                                 actor=w["coordinator"],
                                                 service_id=other_service.id)  # fmt: skip
    if target == R.expired:  # the sweep's move: it expires a sent referral, nothing else
        before = referral.status
        day = referral.expiry_date or THURSDAY
        referral_service.chase_referral(session, referral, today=day + timedelta(days=1),
                                        at=at(day + timedelta(days=1)),
                                        calendar_of=lambda year: national_calendar(session, years=(year, year + 1)))  # fmt: skip
        if before == R.expired or referral.status != R.expired:
            raise InvalidReferralTransition(referral.id, before.value, "expired")
        return referral
    return answer(session, w, referral, target.value, who="coordinator", reason="r",
                  outcome="o", answered_by="Mme Idrissi", method=AnswerMethod.phone)  # fmt: skip


@pytest.mark.parametrize("source", list(R))
def test_every_move_the_table_allows_works_and_every_other_is_refused(session, w, source):
    other = make_service(session, w["partner"], name="Job club")
    for target in R:
        if target == R.draft:
            continue
        referral = refer(session, w, send=False)
        for step in PATH_TO[source]:
            _move(session, w, referral, step, other)
        assert referral.status == source
        moves = len(referral_service.transitions_of(session, referral_id=referral.id))
        if target == R.rerouted and source in (R.declined, R.expired):
            # Sent elsewhere: the old one keeps the status that says why, and names the new.
            new = _move(session, w, referral, target, other)
            assert referral.status == source and referral.rerouted_to_id == new.id
        elif target in TRANSITIONS[source]:
            _move(session, w, referral, target, other)
            assert referral.status == target, (source, target)
        else:
            with pytest.raises(InvalidReferralTransition):
                _move(session, w, referral, target, other)
            assert referral.status == source, (source, target)
            after = referral_service.transitions_of(session, referral_id=referral.id)
            assert len(after) == moves  # nothing written


def test_a_withdrawal_for_the_partner_ends_even_an_overridden_referral(session, w):
    consent = consent_service.list_consents(session, youth_id=w["youth"].id)[0]
    consent_service.withdraw_consent(session, youth=w["youth"], consent_id=consent.id,
                                     actor=w["mediator"], today=THURSDAY,
                                     at=at(THURSDAY, 8))  # fmt: skip
    referral = refer(session, w, send=False)
    referral_service.send_referral(session, referral_id=referral.id, actor=w["coordinator"],
                                   override_reason="urgent", at=at(THURSDAY, 9))  # fmt: skip
    assert referral_service.partner_can_see(session, referral, THURSDAY)
    again = give_consent(session, w["youth"], w["mediator"], partner=w["partner"],
                         given_date=THURSDAY)  # fmt: skip
    consent_service.withdraw_consent(session, youth=w["youth"], consent_id=again.id,
                                     actor=w["mediator"], today=THURSDAY)  # fmt: skip
    assert not referral_service.partner_can_see(session, referral, THURSDAY)


def test_the_partners_users_are_told_without_the_youths_id_or_code(session, w):
    referral = refer(session, w)
    referral_service.settle_referral(session, referral_id=referral.id, at=at(THURSDAY))
    (note,) = session.exec(
        select(Notification).where(Notification.kind == NotificationKind.referral_received)
    ).all()
    assert note.recipient_id == w["partner_user"].id
    assert note.youth_id is None and "youth_code" not in note.context
