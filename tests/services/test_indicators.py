"""Each indicator on a small hand-built data set, its answer worked out by hand below."""

from __future__ import annotations

from datetime import date

import pytest

from mowakaba.enums import (
    ActivityOutcome,
    CheckpointStatus,
    ExtensionStatus,
    HousingOutcome,
    PlanStatus,
    ReferralStatus,
    Role,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import ImplausibleDates, NotFound
from mowakaba.models import Referral
from mowakaba.services.indicators import (
    INDICATOR_KEYS,
    IndicatorQuery,
    compute_indicator,
    compute_indicators,
)
from tests.factories import at, make_institution, make_partner, make_service, make_user
from tests.services.indicator_builders import (
    checkpoint,
    escalation,
    extension,
    item,
    plan,
    youth,
)

K = WorkItemKind
H1 = (date(2026, 1, 1), date(2026, 6, 30))  # the first half of 2026


@pytest.fixture
def homes(session):
    """Institution A (ours), B (a neighbour whose youths must never count), C (empty)."""
    return make_institution(session), make_institution(session), make_institution(session)


def compute(session, key, institutions, period=H1, cohort=None):
    ids = None if institutions is None else tuple(i.id for i in institutions)
    query = IndicatorQuery(ids, period[0], period[1], cohort)
    return compute_indicator(session, key=key, query=query)


def nd(figure):
    return figure.numerator, figure.denominator


def figure(indicator, key):
    return next(f for f in (indicator.headline, *indicator.figures) if f.key == key)


def row(indicator, *label):
    return {f.key: f for f in next(r for r in indicator.breakdown if r.label == label).figures}


def test_cohort_profile_counts_youths_due_to_leave_in_scope(session, homes):
    a, b, _ = homes
    # to = 30 Jun 2026; "within 12 months" = planned exit on or before 30 Jun 2027.
    youth(session, a, dob=date(2006, 3, 1), stage=Stage.exit_preparation)  # 20: counted
    youth(session, a, dob=date(2008, 7, 15), planned_exit_date=date(2027, 3, 1))  # 17
    youth(session, a, dob=date(2005, 1, 1), planned_exit_date=date(2028, 1, 1))  # not due
    youth(session, a, dob=date(2004, 6, 30), stage=Stage.exit_preparation)  # 22 on to: 21+
    youth(session, a, dob=date(2004, 6, 30), stage=Stage.exited)  # gone: not counted
    youth(session, b, dob=date(2004, 1, 1), stage=Stage.exit_preparation)  # B's
    profile = compute(session, "cohort_profile", [a])
    # 3 youths due to leave; older than 19 (20 and 21+): 2 of 3.
    assert nd(profile.headline) == (2, 3)
    assert profile.headline.value == pytest.approx(2 / 3)
    assert figure(profile, "youths").value == 3
    assert nd(row(profile, "age_band", "17")["count"]) == (1, 3)
    assert nd(row(profile, "age_band", "21+")["count"]) == (1, 3)
    assert nd(row(profile, "age_band", "16")["count"]) == (0, 3)
    assert nd(row(profile, "sex", "male")["count"]) == (3, 3)
    # B's coordinator sees only B's youth (22: older than 19).
    assert nd(compute(session, "cohort_profile", [b]).headline) == (1, 1)


def test_intake_coverage_counts_youths_aged_15_registered_30_days_before(session, homes):
    a, b, c = homes
    # to = 30 Jun 2026: aged 15 when born on or before 30 Jun 2011; registered by 31 May.
    y = youth(session, a, dob=date(2011, 6, 30), registered_date=date(2026, 1, 10))
    item(session, y, K.intake_assessment, due=date(2026, 2, 9), done=date(2026, 2, 1))
    youth(session, a, dob=date(2010, 1, 1), registered_date=date(2026, 5, 31))  # no intake
    youth(session, a, dob=date(2010, 1, 1), registered_date=date(2026, 6, 1))  # 29 days: out
    youth(session, a, dob=date(2011, 7, 1), registered_date=date(2025, 1, 1))  # 14: out
    late = youth(session, a, dob=date(2009, 1, 1), registered_date=date(2025, 1, 1))
    item(session, late, K.intake_assessment, due=date(2025, 2, 1), done=date(2026, 7, 2))
    other = youth(session, b, dob=date(2009, 1, 1))
    item(session, other, K.intake_assessment, due=date(2022, 2, 1), done=date(2022, 2, 1))
    # Denominator: the 15-year-old, the one registered 31 May, `late` = 3; numerator: 1
    # (late's intake was completed after `to`).
    coverage = compute(session, "intake_coverage", [a])
    assert nd(coverage.headline) == (1, 3)
    assert coverage.breakdown[0].label == ("institution", f"institution:{a.id}")
    assert nd(compute(session, "intake_coverage", [a, b]).headline) == (2, 4)
    empty = compute(session, "intake_coverage", [c])
    assert nd(empty.headline) == (0, 0) and empty.headline.value is None


def test_intake_delay_median_counts_from_the_later_of_14th_birthday_and_registration(
    session, homes
):
    a, b, _ = homes
    # Registered after the 14th birthday: 10 Jan -> 1 Feb 2026 = 22 days.
    y1 = youth(session, a, dob=date(2011, 6, 30), registered_date=date(2026, 1, 10))
    item(session, y1, K.intake_assessment, due=date(2026, 2, 9), done=date(2026, 2, 1))
    # Registered before: 14th birthday 10 Mar 2025 -> 10 Mar 2026 = 365 days.
    y2 = youth(session, a, dob=date(2011, 3, 10), registered_date=date(2025, 1, 5))
    item(session, y2, K.intake_assessment, due=date(2025, 4, 1), done=date(2026, 3, 10))
    # 1 Apr -> 11 Apr 2026 = 10 days.
    y3 = youth(session, a, dob=date(2010, 5, 1), registered_date=date(2026, 4, 1))
    item(session, y3, K.intake_assessment, due=date(2026, 5, 1), done=date(2026, 4, 11))
    # Completed after the period: not counted.
    y4 = youth(session, a, dob=date(2010, 5, 1), registered_date=date(2026, 4, 1))
    item(session, y4, K.intake_assessment, due=date(2026, 5, 1), done=date(2026, 7, 2))
    y5 = youth(session, b, dob=date(2010, 5, 1), registered_date=date(2026, 4, 1))
    item(session, y5, K.intake_assessment, due=date(2026, 5, 1), done=date(2026, 6, 1))
    delay = compute(session, "intake_delay_median", [a])
    # [10, 22, 365]: the median is 22.
    assert delay.headline.value == 22 and delay.headline.denominator == 3
    assert delay.headline.unit == "days"
    # Two values: the mean of the middle two, 22 and 61 (1 Apr -> 1 Jun) -> 41.5 over A and B.
    both = compute(session, "intake_delay_median", [a, b])
    assert both.headline.value == (22 + 61) / 2


def test_plan_coverage_counts_youths_past_planning_with_an_approved_plan(session, homes):
    a, b, _ = homes
    plan(session, youth(session, a, stage=Stage.active), PlanStatus.approved)
    plan(session, youth(session, a, stage=Stage.exit_preparation), PlanStatus.superseded)
    plan(session, youth(session, a, stage=Stage.active), PlanStatus.submitted)  # a data gap
    plan(session, youth(session, a, stage=Stage.planning), PlanStatus.approved)  # not past
    late = youth(session, a, stage=Stage.active)
    plan(session, late, PlanStatus.approved, decided=date(2026, 7, 3))  # after `to`
    youth(session, b, stage=Stage.active)
    # Past planning: 4 (active, exit preparation, active, late); approved by `to`: 2.
    assert nd(compute(session, "plan_coverage", [a]).headline) == (2, 4)
    assert nd(compute(session, "plan_coverage", [b]).headline) == (0, 1)


def test_reviews_on_time_counts_plan_reviews_due_in_the_period(session, homes):
    a, b, _ = homes
    y = youth(session, a)
    item(session, y, K.plan_review, due=date(2026, 3, 2), done=date(2026, 3, 2))  # on time
    item(session, y, K.plan_review, due=date(2026, 3, 2), done=date(2026, 3, 5))  # late
    item(session, y, K.plan_review, due=date(2026, 4, 1))  # open
    item(session, y, K.plan_review, due=date(2026, 4, 1), status=WorkItemStatus.cancelled)
    item(session, y, K.plan_review, due=date(2026, 7, 15), done=date(2026, 7, 1))  # not in P
    item(session, youth(session, b), K.plan_review, due=date(2026, 3, 2), done=date(2026, 3, 1))
    # Due in P and not cancelled: 3; done on or before the due day: 1.
    assert nd(compute(session, "reviews_on_time", [a]).headline) == (1, 3)


def test_timeliness_per_kind_and_per_mediator(session, homes):
    a, b, _ = homes
    m1 = make_user(session, Role.mediator, [a])
    m2 = make_user(session, Role.mediator, [a])
    y = youth(session, a)
    item(session, y, K.intake_assessment, due=date(2026, 3, 2), done=date(2026, 3, 1), assignee=m1)
    late = item(session, y, K.plan_review, due=date(2026, 3, 2), done=date(2026, 3, 4), assignee=m1)
    escalation(session, late, raised=date(2026, 3, 3))
    open_ = item(session, y, K.milestone_check, due=date(2026, 3, 10), assignee=m2)
    escalation(session, open_, raised=date(2026, 3, 11))
    escalation(session, open_, raised=date(2026, 3, 20), level=2)
    # Due on `to`, done the day after: not done by the end of `to`.
    item(session, y, K.plan_approval, due=date(2026, 6, 30), done=date(2026, 7, 1))
    item(session, y, K.plan_review, due=date(2026, 3, 2), status=WorkItemStatus.cancelled)
    item(session, youth(session, b), K.plan_review, due=date(2026, 3, 2))
    t = compute(session, "timeliness", [a])
    # Due: 4. On time 1, late 1, not done by `to` 2, escalated L1 2 (late, open_), L2 1.
    assert nd(t.headline) == (1, 4)
    assert [nd(f) for f in t.figures[1:]] == [(1, 4), (1, 4), (2, 4), (2, 4), (1, 4)]
    assert [f.key for f in t.figures] == [
        "due", "on_time", "late", "open_overdue", "escalated_l1", "escalated_l2"
    ]  # fmt: skip
    assert nd(row(t, "kind", "plan_review")["late"]) == (1, 1)
    assert nd(row(t, "mediator", f"mediator:{m1.id}")["on_time"]) == (1, 2)
    assert nd(row(t, "mediator", f"mediator:{m2.id}")["escalated_l2"]) == (1, 1)
    assert nd(row(t, "mediator", "pool:institution_coordinators")["open_overdue"]) == (1, 1)


def test_escalations_open_by_age_in_working_days(session, homes):
    a, b, _ = homes
    y = youth(session, a)

    def raised(day, **kw):
        return escalation(session, item(session, y, K.plan_review, due=day), raised=day, **kw)

    # to = Friday 16 Oct 2026 (no holiday in October). Age: working days after the day
    # raised, up to 16 Oct.
    raised(date(2026, 10, 14))  # Thu, Fri: 2 -> 0-2
    raised(date(2026, 10, 13))  # Wed-Fri: 3 -> 3-5
    raised(date(2026, 10, 9))  # 12-16 Oct: 5 -> 3-5
    raised(date(2026, 10, 8))  # 9, 12-16: 6 -> 6-10
    raised(date(2026, 10, 1), level=2)  # 2, 5-9, 12-16: 11 -> >10
    raised(date(2026, 10, 5), acknowledged=date(2026, 10, 10))  # acknowledged: not open
    raised(date(2026, 10, 5), acknowledged=date(2026, 10, 20))  # open at `to`: 9 -> 6-10
    raised(date(2026, 10, 5), closed=date(2026, 10, 12))  # closed (item done): not open
    raised(date(2026, 10, 17))  # after `to`
    other = youth(session, b)
    escalation(session, item(session, other, K.plan_review, due=date(2026, 10, 1)),
               raised=date(2026, 10, 1))  # fmt: skip
    e = compute(session, "escalations_open", [a], period=(date(2026, 10, 1), date(2026, 10, 16)))
    assert e.headline.value == 6
    assert {r.label[1]: r.figures[0].numerator for r in e.breakdown} == {
        "0-2": 1, "3-5": 2, "6-10": 2, ">10": 1
    }  # fmt: skip
    assert nd(figure(e, "level_2")) == (1, 6)


def test_referrals_by_axis_and_partner(session, homes):
    a, b, _ = homes
    y = youth(session, a)
    p1, p2 = make_partner(session), make_partner(session)
    s1, s2 = make_service(session, p1, axis="employment"), make_service(session, p2, axis="health")

    def referral(service, sent, due, status, answered=None, accepted=None, institution=a):
        r = Referral(
            youth_id=y.id, institution_id=institution.id, partner_id=service.partner_id,
            service_id=service.id, status=status, sent_date=sent, response_due_date=due,
            answered_at=at(answered) if answered else None, accepted_date=accepted,
        )  # fmt: skip
        session.add(r)
        session.flush()

    # October 2026 has no holiday. Response time: working days after sending to the answer.
    referral(
        s1,
        date(2026, 10, 5),
        date(2026, 10, 9),
        ReferralStatus.accepted,
        answered=date(2026, 10, 7),
        accepted=date(2026, 10, 7),
    )  # 2 days, in time
    referral(
        s1,
        date(2026, 10, 5),
        date(2026, 10, 9),
        ReferralStatus.declined,
        answered=date(2026, 10, 13),
    )  # 6-9, 12, 13: 6 days, late
    referral(
        s2,
        date(2026, 10, 12),
        date(2026, 10, 16),
        ReferralStatus.completed,
        answered=date(2026, 10, 16),
        accepted=date(2026, 10, 16),
    )  # 4 days, in time
    referral(s2, date(2026, 10, 19), date(2026, 10, 23), ReferralStatus.expired)  # no answer
    referral(s2, date(2026, 10, 28), date(2026, 11, 4), ReferralStatus.sent)  # not yet due
    referral(
        s1,
        date(2026, 9, 28),
        date(2026, 10, 2),
        ReferralStatus.declined,
        answered=date(2026, 9, 29),
    )  # sent before the period
    referral(s1, date(2026, 10, 5), date(2026, 10, 9), ReferralStatus.declined,
             answered=date(2026, 10, 6), institution=b)  # B's  # fmt: skip
    r = compute(session, "referrals", [a], period=(date(2026, 10, 1), date(2026, 10, 31)))
    counts = {f.key: f.numerator for f in r.figures if f.unit == "count"}
    assert counts == {"sent": 5, "accepted": 2, "declined": 1, "completed": 1, "expired": 1}
    # Median of [2, 4, 6] = 4; in time: 2 of the 4 answered or past their deadline.
    assert figure(r, "median_response_days").value == 4
    assert nd(r.headline) == (2, 4) and r.headline.key == "answered_in_time"
    employment = row(r, "axis", "axis:employment")
    assert employment["sent"].numerator == 2 and employment["median_response_days"].value == 4
    assert nd(row(r, "partner", f"partner:{p2.id}")["answered_in_time"]) == (1, 2)


@pytest.fixture
def leavers(session, homes):
    """Exits of the first half of 2026 in A, with their checklists and extensions."""
    a, b, _ = homes
    items = ["national_id_card", "birth_certificate", "health_coverage", "bank_account",
             "housing", "income_or_training", "support_network"]  # fmt: skip

    def tick(y, name, day, outcome="done"):
        payload = {"outcome": outcome} | ({"reason": "has one"} if outcome == "not_needed" else {})
        item(session, y, K.exit_checklist_item, due=date(2026, 1, 5), done=day, subject=name,
             payload=payload)  # fmt: skip

    # Leaves on the 18th birthday, every item done or not needed by then: complete.
    x1 = youth(session, a, dob=date(2008, 3, 31), exit_date=date(2026, 3, 31), stage=Stage.exited)
    for name in items:
        tick(x1, name, date(2026, 3, 1), "not_needed" if name == "bank_account" else "done")
    # Leaves at 19; housing ticked after the exit: incomplete.
    x2 = youth(session, a, dob=date(2007, 1, 15), exit_date=date(2026, 4, 30), stage=Stage.exited)
    for name in items:
        tick(x2, name, date(2026, 5, 5) if name == "housing" else date(2026, 4, 1))
    extension(session, x2, 1, "Finishing vocational training")
    # Leaves at 21, nothing ticked: incomplete; two approved extensions, one rejected.
    x3 = youth(session, a, dob=date(2005, 2, 1), exit_date=date(2026, 5, 15), stage=Stage.exited)
    extension(session, x3, 1, "Finishing vocational training")
    extension(session, x3, 2, "Waiting for housing")
    extension(session, x3, 3, "Other", status=ExtensionStatus.rejected)
    # Left before the period, and B's leaver: not counted.
    youth(session, a, dob=date(2005, 2, 1), exit_date=date(2025, 12, 31), stage=Stage.exited)
    youth(session, b, dob=date(2005, 2, 1), exit_date=date(2026, 2, 1), stage=Stage.exited)
    return a


def test_exit_readiness_item_by_item(session, leavers, homes):
    readiness = compute(session, "exit_readiness", [leavers])
    # Exits in P: 3; complete at the exit date: x1 only.
    assert nd(readiness.headline) == (1, 3)
    assert nd(row(readiness, "item", "national_id_card")["ready"]) == (2, 3)
    assert nd(row(readiness, "item", "housing")["ready"]) == (1, 3)
    assert nd(row(readiness, "item", "bank_account")["ready"]) == (2, 3)  # not needed counts
    none = compute(session, "exit_readiness", [homes[2]])
    assert nd(none.headline) == (0, 0) and none.headline.value is None


def test_extensions_count_exits_after_the_18th_birthday_by_reason(session, leavers):
    ext = compute(session, "extensions", [leavers])
    # x1 left on the 18th birthday (not after); x2 at 19 and x3 at 21 did: 2 of 3 exits.
    assert nd(ext.headline) == (2, 3)
    assert nd(figure(ext, "share_after_18")) == (2, 3)
    assert nd(figure(ext, "with_approved_extension")) == (2, 2)
    assert row(ext, "age_at_exit", "19")["exits"].numerator == 1
    assert row(ext, "age_at_exit", "21+")["exits"].numerator == 1
    reasons = {r.label[1]: r.figures[0].numerator for r in ext.breakdown if r.label[0] == "reason"}
    assert reasons == {"Finishing vocational training": 2, "Waiting for housing": 1}
    # The cohort limits exits to its year: nobody left in 2025 during the first half of 2026.
    assert nd(compute(session, "extensions", [leavers], cohort=2025).headline) == (0, 0)


@pytest.fixture
def followed(session, homes):
    """Leavers of A and their checkpoints, as of 31 Dec 2026."""
    a, b, _ = homes
    ok = dict(housing=HousingOutcome.own_or_rented, activity=ActivityOutcome.work,
              health_coverage=True, id_documents=True)  # fmt: skip
    contacted = CheckpointStatus.contacted
    o1 = youth(session, a, exit_date=date(2025, 3, 15), stage=Stage.follow_up)
    checkpoint(
        session, o1, 12, status=contacted, due=date(2026, 3, 16), recorded=date(2026, 3, 16), **ok
    )
    o2 = youth(session, a, exit_date=date(2025, 6, 1), stage=Stage.follow_up)
    checkpoint(session, o2, 12, status=CheckpointStatus.no_contact, due=date(2026, 6, 1),
               recorded=date(2026, 6, 1))  # fmt: skip
    youth(session, a, exit_date=date(2025, 9, 1), stage=Stage.follow_up)  # never reached
    # Its 12-month checkpoint missed; a completed one due within 45 days of 1 Oct 2026.
    o4 = youth(session, a, exit_date=date(2025, 10, 1), stage=Stage.follow_up)
    checkpoint(session, o4, 12, status=CheckpointStatus.missed, due=date(2026, 10, 1))
    checkpoint(session, o4, 11, status=contacted, due=date(2026, 9, 1), recorded=date(2026, 9, 2),
               housing=HousingOutcome.transitional, activity=ActivityOutcome.training)  # fmt: skip
    youth(session, a, exit_date=date(2026, 1, 10), stage=Stage.follow_up)  # 12 months later
    o7 = youth(session, a, exit_date=date(2024, 2, 1), stage=Stage.follow_up)
    checkpoint(session, o7, 12, status=contacted, due=date(2025, 2, 3), recorded=date(2025, 2, 3),
               housing=HousingOutcome.family, activity=ActivityOutcome.education,
               health_coverage=False, id_documents=True)  # fmt: skip
    # Recorded after `to`: not known as of 31 Dec 2026.
    o8 = youth(session, a, exit_date=date(2025, 4, 1), stage=Stage.follow_up)
    checkpoint(
        session, o8, 12, status=contacted, due=date(2026, 4, 1), recorded=date(2027, 1, 5), **ok
    )
    o9 = youth(session, b, exit_date=date(2025, 5, 1), stage=Stage.follow_up)
    checkpoint(
        session, o9, 12, status=contacted, due=date(2026, 5, 1), recorded=date(2026, 5, 1), **ok
    )
    return a


YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))


def test_outcome_at_12_months_keeps_youths_not_in_touch_in_the_denominator(session, followed):
    o = compute(session, "outcome_12m", [followed], period=YEAR_2026)
    # Exit + 12 months <= 31 Dec 2026: o1, o2, o3, o4, o7, o8 = 6 (not o5: Jan 2026).
    # In touch: o1, o4 (its 11-month checkpoint), o7 = 3. Housed: o1, o7 (o4 transitional).
    # EET: o1, o4, o7. Health: o1. ID: o1, o7. Integrated: o1, o7 = 2 of 6.
    assert o.headline.key == "integrated" and nd(o.headline) == (2, 6)
    assert {f.key: nd(f) for f in o.figures} == {
        "in_touch": (3, 6), "housed": (2, 6), "eet": (3, 6),
        "health_covered": (1, 6), "id_documents": (2, 6),
    }  # fmt: skip
    # By exit cohort: 2024 = o7 (integrated); 2025 = the five others, o1 integrated.
    assert nd(row(o, "cohort", "2024")["integrated"]) == (1, 1)
    assert nd(row(o, "cohort", "2025")["integrated"]) == (1, 5)
    assert nd(compute(session, "outcome_12m", [followed], YEAR_2026, cohort=2025).headline) == (
        1,
        5,
    )


def test_outcome_at_6_and_24_months(session, followed):
    # 24 months: only o7 (Feb 2024) has had them; no checkpoint near Feb 2026: not in touch.
    o24 = compute(session, "outcome_24m", [followed], period=YEAR_2026)
    assert nd(o24.headline) == (0, 1) and nd(o24.figures[0]) == (0, 1)
    # 6 months: o5 too (Jan 2026 + 6 <= Dec 2026): 7 leavers; no 6-month checkpoints and
    # none within 45 days (o4's 11-month one is 5 months off): none in touch.
    o6 = compute(session, "outcome_6m", [followed], period=YEAR_2026)
    assert nd(o6.headline) == (0, 7)


def test_an_institution_with_no_leavers_has_no_data(session, followed, homes):
    for indicator in compute_indicators(
        session, query=IndicatorQuery((homes[2].id,), date(2026, 1, 1), date(2026, 12, 31))
    ):
        if indicator.headline.unit == "share":
            assert indicator.headline.denominator == 0 and indicator.headline.value is None
        for f in indicator.figures:
            assert f.value is None or f.value == 0


def test_every_indicator_is_computed_nationally(session, followed):
    query = IndicatorQuery(None, date(2026, 1, 1), date(2026, 12, 31))
    indicators = compute_indicators(session, query=query)
    assert [i.key for i in indicators] == list(INDICATOR_KEYS)
    national = next(i for i in indicators if i.key == "outcome_12m")
    assert national.headline.denominator >= 7  # A's six and B's one (and any other)


def test_unknown_indicator_and_backwards_period_are_refused(session):
    with pytest.raises(NotFound):
        compute(session, "nonsense", None)
    with pytest.raises(ImplausibleDates):
        compute(session, "timeliness", None, period=(date(2026, 2, 1), date(2026, 1, 1)))


def test_a_planning_item_is_not_counted_as_review(session, homes):
    # A sanity guard on the kinds: an integration plan item is not a plan review.
    y = youth(session, homes[0])
    item(session, y, K.integration_plan, due=date(2026, 3, 2), done=date(2026, 3, 1))
    assert nd(compute(session, "reviews_on_time", [homes[0]]).headline) == (0, 0)
