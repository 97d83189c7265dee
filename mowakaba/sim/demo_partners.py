"""The demo's consents and referrals in every state (its partners are
`mowakaba.sim.partner_directory`'s) — made through the services at the demo's dates and
settled, so that timelines, clocks and notifications are the real ones.

Run after the cohort's history is replayed (`mowakaba.sim.demo.seed_demo`): the referrals
are told as stories ("sent five weeks ago, accepted two working days later, completed
today") on youths eligible for them; a story finds no youth in a small demo is left out.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from mowakaba import clock
from mowakaba.calendar import WorkingCalendar
from mowakaba.enums import (
    AnswerMethod,
    Axis,
    ChecklistItem,
    ConsentData,
    ConsentGiver,
    MilestoneStatus,
    SharedField,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import MowakabaError
from mowakaba.models import Milestone, Partner, PartnerService, Referral, User, WorkItem, Youth
from mowakaba.referral_rules import response_clock
from mowakaba.rules import age_on, birthday
from mowakaba.schemas import AnswerIn, ConsentIn, ReferralIn
from mowakaba.services import calendars as calendar_service
from mowakaba.services import consents as consent_service
from mowakaba.services import partners as partner_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import users as user_service
from mowakaba.sim.cohort import morning
from mowakaba.sim.partner_directory import PARTNERS, A, E, H, S

log = logging.getLogger("mowakaba.demo")

# ---------------------------------------------------------------- the referrals' stories


@dataclass(frozen=True)
class Story:
    """One referral's life: on which axes, sent when, and what happened after (each step
    is (working days after sending, action); "today" steps happen this afternoon)."""

    name: str
    axes: tuple[Axis, ...]
    sent: str  # "days:N" (calendar days ago), "overdue", "expired", "draft"
    steps: tuple[tuple[int | str, str], ...] = ()
    consent: str = "partner"  # "partner", "axis" or "override" (a coordinator's reason)
    shared: tuple[SharedField, ...] = (SharedField.education_level,)
    need: str = ""
    milestone: bool = False  # linked to an open plan milestone of the axis
    checklist: ChecklistItem | None = None  # meets an open exit checklist item
    prefer: str | None = None  # a partner's slug: one with an account, to work it online

    @property
    def reroutes(self) -> bool:
        return any(action == "rerouted" for _, action in self.steps)


STORIES = (
    Story("draft", (A, E), "draft", need="Une formation après le collège."),
    Story("sent", (E, A), "days:1", need="Trouver un premier emploi stable.", prefer="anapec"),
    Story("sent_training", (A,), "days:3", need="Apprendre un métier.", prefer="ofppt"),
    Story("accepted_online", (E,), "days:9", ((2, "accepted"),), prefer="anapec",
          need="Préparer son CV et les entretiens."),
    Story("overdue", (Axis.housing, S), "overdue", need="Un logement à la sortie."),
    Story("accepted", (H,), "days:12", ((2, "accepted"),), need="Bilan de santé avant la sortie."),
    Story("delivery_overdue", (Axis.social_participation, Axis.life_skills), "days:75",
          ((3, "accepted"), ("today", "chase")), need="Rompre l'isolement, activités."),
    Story("declined", (Axis.housing, E), "days:20",
          ((3, "declined"),), need="Hébergement pendant la formation."),
    Story("in_progress", (A, E), "days:30", ((2, "accepted"), (5, "in_progress")),
          need="Une formation qualifiante.", prefer="ofppt"),
    Story("completed_milestone", (E, A, H, Axis.life_skills, Axis.social_participation),
          "days:45", ((2, "accepted"), (4, "in_progress"), ("today", "completed")),
          milestone=True, need="L'étape du programme individuel."),
    Story("completed_checklist", (H,), "days:50",
          ((1, "accepted"), ("today", "completed")), checklist=ChecklistItem.health_coverage,
          consent="axis", need="Immatriculation à l'AMO avant la sortie."),
    Story("completed", (Axis.life_skills, Axis.family_relations), "days:80",
          ((3, "accepted"), (20, "completed")), need="Gérer un budget, faire ses démarches."),
    Story("not_completed", (Axis.family_relations, A), "days:90",
          ((2, "accepted"), (4, "in_progress"), (25, "not_completed")),
          need="Reprendre contact avec sa famille."),
    Story("cancelled", (Axis.social_participation, E), "days:15", ((2, "cancelled"),),
          need="Une activité sportive."),
    Story("rerouted", (A, E, Axis.housing), "overdue", (("today", "rerouted"),), consent="axis",
          need="Une place en formation à la rentrée."),
    Story("expired", (Axis.family_relations, H, S), "expired", need="Reprendre contact."),
    Story("override", (S, H), "days:4", ((1, "accepted"),), consent="override",
          shared=(), need="Papiers d'identité avant la sortie."),
)  # fmt: skip
OUTCOMES = {
    "completed": "Service rendu : le jeune a suivi toutes les séances.",
    "declined": "Plus de place disponible ce trimestre.",
    "not_completed": "Le jeune ne s'est plus présenté après la troisième séance.",
    "cancelled": "Le jeune a trouvé une solution par lui-même.",
    "rerouted": "Sans réponse du partenaire : réorienté vers un service équivalent.",
    "override": "Jeune sans famille joignable ; urgence avant la sortie.",
}


Candidate = tuple[Youth, PartnerService, Partner, date, int | None]


@dataclass
class Teller:
    """Tells the stories on the demo's youths, at their dates."""

    session: Session
    today: date
    rng: random.Random
    calendar: WorkingCalendar
    used: set[int] = field(default_factory=set)
    told: Counter[str] = field(default_factory=Counter)

    def at(self, day: date, hour: int = 10) -> datetime:
        return morning(day, hour)

    def wd(self, day: date, n: int) -> date:
        return self.calendar.add_working_days(day, n)

    def sent_day(self, story: Story, service: PartnerService) -> date | None:
        """The day the story's referral was sent (a working day before today)."""
        if story.sent == "draft":
            return self.today - timedelta(days=2)
        if story.sent.startswith("days:"):
            day = self.today - timedelta(days=int(story.sent[5:]))
            while not self.calendar.is_working_day(day):
                day -= timedelta(days=1)
            return day
        day = self.today - timedelta(days=1)
        for _ in range(120):
            clock_ = response_clock(day, service.response_days, self.calendar)
            if story.sent == "overdue" and clock_.due < self.today <= clock_.expires:
                return day
            if story.sent == "expired" and clock_.expires < self.today - timedelta(days=3):
                return day
            day -= timedelta(days=1)
        return None

    def candidates(self, story: Story) -> list[Candidate]:
        """Youths eligible for a service of the story's axes on the day it is sent (of the
        preferred partner if one is eligible)."""
        if story.prefer is not None:
            name = next(p.name for p in PARTNERS if p.slug == story.prefer)
            found = self._candidates(story, lambda partner: partner.name == name)
            if found:
                return found
        return self._candidates(story, lambda _partner: True)

    def _candidates(self, story: Story, wanted: Callable[[Partner], bool]) -> list[Candidate]:
        youths = list(self.session.exec(
            select(Youth).where(
                col(Youth.mediator_id).is_not(None), Youth.stage != Stage.closed,
                Youth.stage != Stage.enrolled, col(Youth.not_in_touch).is_(False),
            ).order_by(col(Youth.id))
        ))  # fmt: skip
        self.rng.shuffle(youths)
        youths.sort(key=lambda y: y.pk in self.used)  # youths not used yet first
        found = []
        for axis in story.axes:
            rows = list(self.session.exec(
                select(PartnerService, Partner)
                .join(Partner, col(Partner.id) == PartnerService.partner_id)
                .where(PartnerService.axis == axis).order_by(col(PartnerService.id))
            ))  # fmt: skip
            rows = [(s, p) for s, p in rows if wanted(p)]
            if story.checklist is not None:
                rows = [(s, p) for s, p in rows if s.checklist_item == story.checklist]
            for youth in youths:
                milestone = self.open_milestone(youth, axis) if story.milestone else None
                if story.milestone and milestone is None:
                    continue
                if story.checklist and not self.open_item(youth, story.checklist):
                    continue
                facts = partner_service.youth_facts(self.session, youth)
                for service, partner in rows:
                    day = self.sent_day(story, service)
                    if day is None or day < youth.registered_date + timedelta(days=7):
                        continue
                    if not partner_service.not_eligible_because(service, partner, facts, day):
                        found.append((youth, service, partner, day, milestone))
                # A re-routed referral needs a second service the youth may go to.
                if len(found) >= (2 if story.reroutes else 1):
                    return found[:1]
                found = []
        return found

    def open_milestone(self, youth: Youth, axis: Axis) -> int | None:
        for milestone in self.session.exec(
            select(Milestone).where(
                Milestone.youth_id == youth.id, Milestone.axis == axis,
                col(Milestone.status).in_([MilestoneStatus.open, MilestoneStatus.delayed]),
            )
        ):  # fmt: skip
            if self.session.exec(
                select(WorkItem.id).where(
                    WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.milestone_check,
                    WorkItem.status == WorkItemStatus.open,
                    col(WorkItem.subject).startswith(f"m{milestone.id}."),
                )
            ).first():  # fmt: skip
                return milestone.pk
        return None

    def open_item(self, youth: Youth, item: ChecklistItem) -> bool:
        return self.session.exec(
            select(WorkItem.id).where(
                WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.exit_checklist_item,
                WorkItem.status == WorkItemStatus.open, WorkItem.subject == item.value,
            )
        ).first() is not None  # fmt: skip

    def consent(
        self, youth: Youth, *, day: date, partner_id: int | None = None, axis: Axis | None = None
    ) -> None:
        """A consent to share given some days before `day` (the guardian's for a minor)."""
        given = max(youth.registered_date, day - timedelta(days=self.rng.randint(1, 20)))
        adult_on = birthday(youth.date_of_birth, 18)
        if given < adult_on <= day:
            given = adult_on  # a guardian's consent would have lapsed: the youth's own
        adult = age_on(youth.date_of_birth, given) >= 18
        by = ConsentGiver.youth if adult else ConsentGiver.guardian
        mediator = self.session.get(User, youth.mediator_id)
        assert mediator is not None
        data = {ConsentData.identity, ConsentData.education}
        with clock.frozen_at(self.at(given, 9)):
            consent_service.give_consent(
                self.session, youth=youth, actor=mediator, today=given, at=self.at(given, 9),
                data=ConsentIn(
                    partner_id=partner_id, axis=axis,
                    data=sorted(data), given_by=by,
                    given_by_name="" if adult else "Directeur de l'établissement",
                    given_date=given,
                ),
            )  # fmt: skip

    def more_consents(self, *, count: int) -> None:
        """Consents to share with the partners of an axis, for youths not referred yet."""
        youths = self.session.exec(
            select(Youth).where(
                col(Youth.mediator_id).is_not(None), Youth.stage != Stage.closed,
                col(Youth.id).not_in(self.used or {0}),
            ).order_by(col(Youth.id)).limit(count)
        ).all()  # fmt: skip
        axes = [Axis.health, Axis.employment, Axis.education_training, Axis.housing]
        for n, youth in enumerate(youths):
            day = self.today - timedelta(days=self.rng.randint(3, 60))
            if day < youth.registered_date:
                continue
            self.consent(youth, day=day, axis=axes[n % len(axes)])

    def settle(self, referral_id: int, at: datetime) -> None:
        settled = referral_service.settle_referral(self.session, referral_id=referral_id, at=at)
        if settled.completed_work_item_ids and settled.youth_id is not None:
            reconciliation_service.reconcile_youth(self.session, settled.youth_id, at)

    def tell(self, story: Story) -> bool:
        """Tell one story on an eligible youth; False when no youth fits it."""
        found = self.candidates(story)
        if not found:
            return False
        youth, service, partner, day, milestone_id = found[0]
        self.used.add(youth.pk)
        mediator = self.session.get(User, youth.mediator_id)
        coordinator = user_service.coordinators_of(self.session, youth.institution_id)[0]
        assert mediator is not None
        if story.consent == "partner":
            self.consent(youth, day=day, partner_id=service.partner_id)
        elif story.consent == "axis":
            self.consent(youth, day=day, axis=service.axis)
        sender = coordinator if story.consent == "override" else mediator
        at = self.at(day)
        with clock.frozen_at(at):
            referral = referral_service.create_referral(
                self.session, youth=youth, actor=sender, at=at,
                data=ReferralIn(
                    service_id=service.pk, need=story.need, shared_fields=list(story.shared),
                    milestone_id=milestone_id, send=story.sent != "draft",
                    override_reason=OUTCOMES["override"] if story.consent == "override" else "",
                ),
            )  # fmt: skip
            self.settle(referral.pk, at)
        if story.sent == "overdue":
            self.chase(referral, self.today)
        if story.sent == "expired":
            assert referral.response_due_date and referral.expiry_date
            self.chase(referral, referral.response_due_date + timedelta(days=1))
            self.chase(referral, self.wd(referral.expiry_date, 1))
        for when, action in story.steps:
            if when == "today":
                moment = self.at(self.today, 15)
            else:
                assert isinstance(when, int)
                moment = self.at(self.wd(day, when), 11)
            if action == "chase":
                self.chase(referral, self.today)
            else:
                self.act(referral, action, moment, sender=sender, partner=partner)
        self.told[story.name] += 1
        return True

    def chase(self, referral: Referral, day: date) -> None:
        at = self.at(day, 6)
        with clock.frozen_at(at):
            referral_service.chase_referral(
                self.session, referral, today=day, at=at, calendar_of=lambda _year: self.calendar
            )
            self.settle(referral.pk, at)

    def act(
        self, referral: Referral, action: str, at: datetime, *, sender: User, partner: Partner
    ) -> None:
        """A move by whoever makes it: the sender, the coordinator, the partner (its own
        account if it has one, else its answer recorded by the mediator)."""
        with clock.frozen_at(at):
            if action == "cancelled":
                referral_service.cancel_referral(
                    self.session, referral_id=referral.pk, actor=sender, reason=OUTCOMES[action],
                    at=at,
                )  # fmt: skip
            elif action == "rerouted":
                self.reroute(referral, at)
            else:
                accounts = partner_service.users_of(self.session, partner.pk)
                actor = accounts[0] if accounts else sender
                answer = AnswerIn(
                    status=action,  # type: ignore[arg-type]
                    reason=OUTCOMES.get(action, "") if action != "completed" else "",
                    outcome=OUTCOMES["completed"] if action == "completed" else "",
                    answered_by="" if accounts else (partner.contact_person or "Accueil"),
                    method=None if accounts else self.rng.choice(
                        [AnswerMethod.phone, AnswerMethod.letter, AnswerMethod.visit]
                    ),
                )  # fmt: skip
                referral_service.answer_referral(
                    self.session, referral_id=referral.pk, actor=actor, data=answer, at=at
                )
            self.settle(referral.pk, at)

    def reroute(self, referral: Referral, at: datetime) -> None:
        """The coordinator sends an overdue referral to another eligible service of its axis."""
        youth = self.session.get(Youth, referral.youth_id)
        old = self.session.get(PartnerService, referral.service_id)
        assert youth is not None and old is not None
        coordinator = user_service.coordinators_of(self.session, youth.institution_id)[0]
        matches = partner_service.match_services(
            self.session, youth=youth, day=self.today, axis=old.axis
        )
        others = [m for m in matches if m.eligible and m.service.id != referral.service_id]
        others.sort(key=lambda m: m.partner.id == referral.partner_id)  # another partner first
        if not others:
            return
        new = referral_service.reroute_referral(
            self.session, referral_id=referral.pk, actor=coordinator,
            service_id=others[0].service.pk, reason=OUTCOMES["rerouted"], at=at,
        )  # fmt: skip
        self.settle(new.pk, at)


def seed_referrals(session: Session, *, today: date, seed: int) -> Counter[str]:
    """Tell every story once (those no youth fits are left out); what was told, by story,
    and a few consents more for youths without referrals."""
    calendar = calendar_service.national_calendar(
        session, years=range(today.year - 1, today.year + 2)
    )
    teller = Teller(session, today, random.Random(seed), calendar)
    for story in STORIES:
        try:
            with session.begin_nested():
                teller.tell(story)
        except MowakabaError as exc:  # a story the demo's youths refuse is left out
            log.warning("demo referral %r left out: %s", story.name, exc)
    teller.more_consents(count=5)
    return teller.told


def referral_counts(session: Session) -> dict[str, int]:
    """How many referrals the demo holds, by status."""
    rows = session.exec(select(Referral.status)).all()
    return dict(Counter(str(status) for status in rows))
