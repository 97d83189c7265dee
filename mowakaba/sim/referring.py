"""Simulated referrals for `mowakaba simulate`: mediators refer their youths to partners'
services on the axes of their plan's milestones (the weak axes the plan works on), with
the youth's (or guardian's) consent — which some refuse — and simulated partners answer
with drawn delays: most in time, some late (escalated by the sweep), some never (expired
by the sweep, then re-routed by the coordinator). Every move goes through the services
and is settled at once, as the `referral` flow run would; the sweep's flow chases the
clocks.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from mowakaba import clock
from mowakaba.calendar import WorkingCalendar
from mowakaba.db import session_scope
from mowakaba.enums import (
    AnswerMethod,
    ConsentData,
    ConsentGiver,
    MilestoneStatus,
    ReferralStatus,
    Stage,
)
from mowakaba.errors import MowakabaError
from mowakaba.models import Milestone, PartnerService, Referral, User, Youth
from mowakaba.rules import age_on
from mowakaba.schemas import AnswerIn, ConsentIn, ReferralIn
from mowakaba.services import calendars as calendar_service
from mowakaba.services import consents as consent_service
from mowakaba.services import partners as partner_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import users as user_service
from mowakaba.sim.behaviour import draw_partner_answer

R = ReferralStatus
REFUSES_CONSENT = 0.15  # a share of youths (or guardians) say no to sharing
REFERRED_MILESTONES = 2  # at most, per youth
REFER_AFTER_DAYS = (3, 20)  # after the plan's approval


@dataclass
class Referrer:
    """The referring side of a simulated programme, driven by the cohort replay."""

    seed: int
    rng: random.Random = field(init=False)
    considered: set[int] = field(default_factory=set)  # youths the mediator has thought of
    planned: dict[int, date] = field(default_factory=dict)  # youth → day to refer
    moves: dict[int, list[tuple[date, str]]] = field(default_factory=dict)  # referral → moves
    expiring: dict[int, date] = field(default_factory=dict)  # never answered → expires then
    chases: set[date] = field(default_factory=set)  # days the sweep has a referral to chase
    last_milestone_id: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    _calendar: WorkingCalendar | None = None
    _calendar_years: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed * 7919 + 13)

    def calendar(self, session: Session, day: date) -> WorkingCalendar:
        if not (self._calendar_years[0] <= day.year <= self._calendar_years[1] - 1):
            self._calendar_years = (day.year - 1, day.year + 2)
            self._calendar = calendar_service.national_calendar(
                session, years=range(day.year - 1, day.year + 3)
            )
        assert self._calendar is not None
        return self._calendar

    def days(self) -> list[date]:
        """The days on which something is planned (the replay must not jump over them)."""
        planned = list(self.planned.values())
        for moves in self.moves.values():
            planned += [day for day, _ in moves[:1]]
        return planned

    def sweep_days(self, session: Session) -> list[date]:
        """The days after a referral's clock runs out while its partner keeps silent (the
        sweep escalates or expires it then, or reminds of its delivery): known when the
        partner's answer is drawn, so nothing is read."""
        return list(self.chases)

    def step(self, day: date, at: datetime) -> set[int]:
        """A day of referring: plan referrals after new plans, refer, answer, re-route;
        the youths whose work a completed referral met (to reconcile)."""
        touched: set[int] = set()
        self.chases = {d for d in self.chases if d > day}
        with clock.frozen_at(at), session_scope() as session:
            self._notice_plans(session, day)
            for youth_id, when in sorted(self.planned.items()):
                if when <= day:
                    del self.planned[youth_id]
                    self._refer(session, youth_id, day, at)
            for referral_id in sorted(self.moves):
                if self.moves[referral_id][0][0] <= day:
                    touched |= self._partner_moves(session, referral_id, day, at)
            for referral_id, expires in sorted(self.expiring.items()):
                if expires <= day:
                    del self.expiring[referral_id]
                    self._reroute_expired(session, referral_id, day, at)
        return touched

    def _notice_plans(self, session: Session, day: date) -> None:
        """Youths with an approved plan (open milestones) not considered yet."""
        newest = session.exec(select(func.max(Milestone.id))).one() or 0
        if newest == self.last_milestone_id:
            return  # no plan approved since the last look
        self.last_milestone_id = newest
        rows = session.exec(
            select(Milestone.youth_id)
            .join(Youth, col(Youth.id) == Milestone.youth_id)
            .where(
                col(Milestone.status).in_([MilestoneStatus.open, MilestoneStatus.delayed]),
                Youth.stage != Stage.closed,  # approved today: the stage moves tonight
                col(Youth.mediator_id).is_not(None),
            )
            .distinct()
            .order_by(col(Milestone.youth_id))
        ).all()
        for youth_id in rows:
            if youth_id in self.considered:
                continue
            self.considered.add(youth_id)
            self.planned[youth_id] = day + timedelta(days=self.rng.randint(*REFER_AFTER_DAYS))

    def _refer(self, session: Session, youth_id: int, day: date, at: datetime) -> None:
        youth = session.get(Youth, youth_id)
        if youth is None or youth.mediator_id is None or youth.stage == Stage.closed:
            return
        mediator = session.get(User, youth.mediator_id)
        assert mediator is not None
        milestones = session.exec(
            select(Milestone)
            .where(
                Milestone.youth_id == youth_id,
                col(Milestone.status).in_([MilestoneStatus.open, MilestoneStatus.delayed]),
            )
            .order_by(col(Milestone.id))
        ).all()
        if self.rng.random() < REFUSES_CONSENT:
            self.counts["consent_refused"] += 1
            return
        given_by = (
            ConsentGiver.youth if age_on(youth.date_of_birth, day) >= 18 else ConsentGiver.guardian
        )
        for milestone in milestones[:REFERRED_MILESTONES]:
            matches = [
                m
                for m in partner_service.match_services(
                    session, youth=youth, day=day, milestone_id=milestone.id
                )
                if m.eligible
            ]
            if not matches:
                self.counts["no_eligible_service"] += 1
                continue
            match = self.rng.choice(matches)
            try:
                with session.begin_nested():
                    consent_service.give_consent(
                        session, youth=youth, actor=mediator, today=day, at=at,
                        data=ConsentIn(partner_id=match.partner.pk,
                                       data=[ConsentData.education], given_by=given_by,
                                       given_date=day),
                    )  # fmt: skip
                    referral = referral_service.create_referral(
                        session, youth=youth, actor=mediator, at=at,
                        data=ReferralIn(service_id=match.service.pk, need=milestone.title,
                                        shared_fields=["education_level"],
                                        milestone_id=milestone.id, send=True),
                    )  # fmt: skip
                    referral_service.settle_referral(session, referral_id=referral.pk, at=at)
            except MowakabaError as exc:
                self.counts[f"refused:{exc.code}"] += 1
                continue
            self._plan_answer(session, referral, match.service, day)

    def _plan_answer(
        self, session: Session, referral: Referral, service: PartnerService, sent: date
    ) -> None:
        calendar = self.calendar(session, sent)
        answer = draw_partner_answer(self.rng, service.response_days)
        assert referral.response_due_date is not None and referral.expiry_date is not None
        if answer.answer_after is None or answer.answer_after > service.response_days:
            self.chases.add(referral.response_due_date + timedelta(days=1))  # escalated
        if answer.answer_after is None:  # never: the sweep expires it, the coordinator re-routes
            self.chases.add(referral.expiry_date + timedelta(days=1))
            self.expiring[referral.pk] = referral.expiry_date + timedelta(days=1)
            return
        answered = calendar.add_working_days(sent, answer.answer_after)
        if not answer.accepts:
            self.moves[referral.pk] = [(answered, "declined")]
            return
        delivered = answered + timedelta(
            days=max(1, service.delivery_days * answer.delivered_after // 100)
        )
        end = "completed" if answer.completes else "not_completed"
        self.moves[referral.pk] = [(answered, "accepted"), (delivered, end)]
        due = calendar.roll_forward(answered + timedelta(days=service.delivery_days))
        if delivered > due:
            self.chases.add(due + timedelta(days=1))  # the partner and mediator reminded
            self.chases.add(
                calendar.add_working_days(due, service.response_days) + timedelta(days=1)
            )

    def _partner_moves(
        self, session: Session, referral_id: int, day: date, at: datetime
    ) -> set[int]:
        """The partner's answers and reports due by today, recorded by the mediator (the
        simulated partners have no accounts: they call)."""
        touched: set[int] = set()
        moves = self.moves[referral_id]
        while moves and moves[0][0] <= day:
            _, status = moves.pop(0)
            referral = session.get(Referral, referral_id)
            assert referral is not None
            if referral.status not in (R.sent, R.accepted, R.in_progress):
                moves.clear()  # expired or cancelled meanwhile: the answer comes too late
                break
            youth = session.get(Youth, referral.youth_id)
            assert youth is not None
            actor = session.get(User, youth.mediator_id) if youth.mediator_id else None
            if actor is None:
                moves.clear()
                break
            answer = AnswerIn(
                status=status,  # type: ignore[arg-type]
                reason="Plus de place" if status == "declined" else (
                    "Ne s'est plus présenté" if status == "not_completed" else ""),
                outcome="Service rendu" if status == "completed" else "",
                answered_by="Le partenaire", method=AnswerMethod.phone,
            )  # fmt: skip
            try:
                with session.begin_nested():
                    referral_service.answer_referral(
                        session, referral_id=referral_id, actor=actor, data=answer, at=at
                    )
                    settled = referral_service.settle_referral(
                        session, referral_id=referral_id, at=at
                    )
            except MowakabaError as exc:
                self.counts[f"refused:{exc.code}"] += 1
                moves.clear()
                break
            if settled.completed_work_item_ids:
                touched.add(youth.pk)
        if not moves:
            del self.moves[referral_id]
        return touched

    def _reroute_expired(self, session: Session, referral_id: int, day: date, at: datetime) -> None:
        """The coordinator sends an expired referral to another eligible service."""
        referral = session.get(Referral, referral_id)
        assert referral is not None
        if referral.status != R.expired or referral.rerouted_to_id is not None:
            return  # the sweep has not expired it yet (a sweep day missed): left as it is
        youth = session.get(Youth, referral.youth_id)
        service = session.get(PartnerService, referral.service_id)
        assert youth is not None and service is not None
        if youth.stage == Stage.closed:
            return
        coordinators = user_service.coordinators_of(session, youth.institution_id)
        others = [
            m
            for m in partner_service.match_services(
                session, youth=youth, day=day, axis=service.axis
            )
            if m.eligible and m.service.pk != service.pk
        ]
        if not coordinators or not others:
            return
        match = self.rng.choice(others)
        try:
            with session.begin_nested():
                new = referral_service.reroute_referral(
                    session, referral_id=referral.pk, actor=coordinators[0],
                    service_id=match.service.pk, at=at,
                    reason="Le partenaire n'a jamais répondu : réorienté.",
                )  # fmt: skip
                referral_service.settle_referral(session, referral_id=new.pk, at=at)
        except MowakabaError as exc:
            self.counts[f"refused:{exc.code}"] += 1
            return
        self._plan_answer(session, new, match.service, day)
