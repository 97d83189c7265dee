"""Simulated people: who does what, when — reproducible from a seed.

Used by `mowakaba demo` to write plausible histories and by `mowakaba simulate`
to replay a cohort. Mediators complete work after a drawn delay (most on time,
some late, a few never; a heavier caseload makes them later); coordinators
approve or reject plans; some youths run away or return to family before 18,
some get extensions to 19–21; after exit some stay in touch, some are lost.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from mowakaba.enums import (
    ActivityOutcome,
    Axis,
    EducationLevel,
    ExitDestination,
    ExitKind,
    HousingOutcome,
    Sex,
    VocationalLevel,
    WorkItemKind,
)
from mowakaba.models import WorkItem
from mowakaba.schemas import YouthRegistration

FIRST_NAMES = {
    Sex.male: [("Amine", "أمين"), ("Youssef", "يوسف"), ("Omar", "عمر"), ("Hamza", "حمزة"),
               ("Ayoub", "أيوب"), ("Mehdi", "مهدي"), ("Anas", "أنس"), ("Ilyas", "إلياس"),
               ("Zakaria", "زكرياء"), ("Soufiane", "سفيان"), ("Adam", "آدم"), ("Reda", "رضا")],
    Sex.female: [("Fatima Zahra", "فاطمة الزهراء"), ("Salma", "سلمى"), ("Khadija", "خديجة"),
                 ("Imane", "إيمان"), ("Hajar", "هاجر"), ("Sara", "سارة"), ("Meryem", "مريم"),
                 ("Nisrine", "نسرين"), ("Asmae", "أسماء"), ("Houda", "هدى"), ("Ikram", "إكرام")],
}  # fmt: skip
LAST_NAMES = [
    ("Benali", "بنعلي"), ("El Idrissi", "الإدريسي"), ("Alaoui", "العلوي"), ("Bennani", "بناني"),
    ("Tazi", "التازي"), ("El Amrani", "العمراني"), ("Chraibi", "الشرايبي"), ("Berrada", "برادة"),
    ("Ouazzani", "الوزاني"), ("Ait Ahmed", "آيت أحمد"), ("Naciri", "الناصري"), ("Lahlou", "لحلو"),
    ("Ziani", "الزياني"), ("Rami", "رامي"), ("Haddad", "الحداد"), ("Saidi", "السعيدي"),
]  # fmt: skip


def draw_schooling(rng: random.Random, age: int) -> tuple[EducationLevel, VocationalLevel]:
    """Schooling plausible for an age; from 17, the leavers' profile of CONTEXT.md.

    Leavers: ~48 % did not go beyond primary, 22 % reached secondary or
    university; vocational: 56 % basic qualification, 6 % specialised technician.
    """
    if age < 12:
        return EducationLevel.primary, VocationalLevel.none
    if age < 15:
        level = rng.choices(
            [EducationLevel.primary, EducationLevel.lower_secondary], weights=[40, 60]
        )[0]
        return level, VocationalLevel.none
    if age < 17:
        level = rng.choices(
            [EducationLevel.primary, EducationLevel.lower_secondary, EducationLevel.secondary],
            weights=[40, 45, 15],
        )[0]
        vocational = rng.choices([VocationalLevel.none, VocationalLevel.basic], weights=[70, 30])[0]
        return level, vocational
    level = rng.choices(
        [
            EducationLevel.none,
            EducationLevel.primary,
            EducationLevel.lower_secondary,
            EducationLevel.secondary,
            EducationLevel.university,
        ],
        weights=[8, 40, 30, 18, 4],
    )[0]
    vocational = rng.choices(
        [
            VocationalLevel.none,
            VocationalLevel.basic,
            VocationalLevel.qualified,
            VocationalLevel.technician,
            VocationalLevel.specialised_technician,
        ],
        weights=[14, 56, 16, 8, 6],
    )[0]
    return level, vocational


def draw_names(rng: random.Random, sex: Sex) -> dict[str, str]:
    """Moroccan names in both scripts."""
    first, first_ar = rng.choice(FIRST_NAMES[sex])
    last, last_ar = rng.choice(LAST_NAMES)
    return {
        "first_name": first,
        "last_name": last,
        "first_name_ar": first_ar,
        "last_name_ar": last_ar,
    }


def draw_registration(
    rng: random.Random,
    *,
    born: date,
    registered: date,
    admitted: date | Callable[[], date],
    institution_id: int,
    mediator_ids: list[int],
    presumed_rate: float,
) -> YouthRegistration:
    """A young person as registered: schooling for the age, names, a presumed birth sometimes."""
    education, vocational = draw_schooling(rng, (registered - born).days // 365)
    sex = rng.choice(list(Sex))
    names = draw_names(rng, sex)
    presumed = rng.random() < presumed_rate
    return YouthRegistration(
        **names,
        date_of_birth=born,
        date_of_birth_presumed=presumed,
        sex=sex,
        institution_id=institution_id,
        admission_date=admitted if isinstance(admitted, date) else admitted(),
        education_level=education,
        vocational_level=vocational,
        mediator_id=rng.choice(mediator_ids),
    )


# The young person's goals, in their words as the mediator wrote them down (a plan's
# `youth_goals`); chosen by the youth's id, so that no draw of the seed changes.
YOUTH_GOALS = (
    "أريد أن أكمل تكويني في الكهرباء وأن أجد عملا لأكتري غرفة خاصة بي.",
    "Je veux passer mon permis, travailler dans la cuisine et aider ma petite sœur.",
    "أريد أن أنجح في الباكالوريا وأن أبقى على تواصل مع خالتي.",
    "Avoir un vrai travail, un logement à moi, et ne plus dépendre de personne.",
)


@dataclass
class YouthFate:
    """What will happen to one young person, drawn once."""

    leaves_early: ExitKind | None = None  # runaway or return to family before 18
    leaves_early_on: date | None = None
    extends_to_age: int | None = None  # 19, 20 or 21
    lost_after_exit: bool = False


@dataclass
class Behaviour:
    """How people act, from a seed; `load` (open items per mediator) makes them later."""

    seed: int = 7
    p_on_time: float = 0.72
    p_never: float = 0.04
    p_reject_plan: float = 0.12
    p_leave_early: float = 0.08
    p_extension: float = 0.3
    p_lost: float = 0.15
    p_no_contact: float = 0.1
    # Youths (by date of birth) who leave on their planned date and are then lost.
    lost_births: set[date] = field(default_factory=set)
    rng: random.Random = field(init=False)
    fate_rng: random.Random = field(init=False)
    planned: dict[int, date | None] = field(default_factory=dict)
    fates: dict[int, YouthFate] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.fate_rng = random.Random(self.seed + 1)  # lives do not depend on paperwork

    # -- people's lives

    def fate(self, youth_id: int, *, date_of_birth: date, registered: date) -> YouthFate:
        """Draw (once) what will happen to a youth."""
        if youth_id in self.fates:
            return self.fates[youth_id]
        rng, fate = self.fate_rng, YouthFate()
        if date_of_birth in self.lost_births:
            fate.lost_after_exit = True
            self.fates[youth_id] = fate
            return fate
        eighteen = date(date_of_birth.year + 18, date_of_birth.month, min(date_of_birth.day, 28))
        if rng.random() < self.p_leave_early and registered < eighteen - timedelta(days=90):
            fate.leaves_early = rng.choice([ExitKind.runaway, ExitKind.return_to_family])
            span = (eighteen - registered).days
            fate.leaves_early_on = registered + timedelta(days=rng.randint(60, max(61, span - 30)))
        elif rng.random() < self.p_extension:
            fate.extends_to_age = rng.choice([19, 19, 20, 21])
        fate.lost_after_exit = rng.random() < self.p_lost
        self.fates[youth_id] = fate
        return fate

    # -- work

    def completion_day(self, item: Any, *, load: int = 0) -> date | None:
        """The day an item will be done (None: never), drawn once per item and cycle."""
        assert item.id is not None
        if item.id in self.planned:
            return self.planned[item.id]
        rng = self.rng
        pooled = item.assignee_pool is not None
        # A heavier caseload (open items of the mediator) makes lateness likelier.
        p_late = min(0.6, (1 - self.p_on_time - self.p_never) * (1 + load / 40))
        roll = rng.random()
        if item.kind == WorkItemKind.follow_up_checkpoint:
            day: date | None = item.due_date + timedelta(days=rng.randint(-5, 3))
        elif item.kind == WorkItemKind.record_exit or pooled:
            day = item.due_date + timedelta(days=rng.choice([0, 0, 0, 1, 2, 5]))
        elif roll < self.p_never:
            day = None
        elif roll < self.p_never + p_late:
            day = item.due_date + timedelta(days=rng.randint(1, 25))
        else:
            day = item.due_date - timedelta(days=rng.randint(0, 5))
        if day is not None:
            day = max(day, item.created_at.date())
        self.planned[item.id] = day
        return day

    def payload(self, item: WorkItem, today: date, *, lost: bool = False) -> dict[str, Any]:
        """What a person writes when completing an item."""
        rng, kind = self.rng, item.kind
        if kind in (
            WorkItemKind.intake_assessment,
            WorkItemKind.plan_review,
            WorkItemKind.exit_readiness_assessment,
        ):
            return {
                "axes": {
                    axis.value: {"score": rng.choices([1, 2, 3, 4, 5], [5, 20, 35, 30, 10])[0],
                                 "needs": ""}
                    for axis in Axis
                }
            }  # fmt: skip
        if kind == WorkItemKind.integration_plan:
            # One milestone on every axis: always covers the weak ones.
            return {
                "youth_goals": YOUTH_GOALS[item.youth_id % len(YOUTH_GOALS)],
                "milestones": [
                    {
                        "axis": axis.value,
                        "title": f"Step on {axis.value.replace('_', ' ')}",
                        "owner": rng.choice(["mediator", "the youth", "partner"]),
                        "due_date": str(today + timedelta(days=rng.randint(45, 300))),
                    }
                    for axis in Axis
                ],
            }
        if kind == WorkItemKind.plan_approval:
            if rng.random() < self.p_reject_plan:
                return {"decision": "reject", "comment": "Please make the housing step concrete."}
            return {"decision": "approve"}
        if kind == WorkItemKind.exit_extension_decision:
            return {"decision": "approve" if rng.random() < 0.85 else "reject"}
        if kind == WorkItemKind.milestone_check:
            outcome = rng.choices(["done", "delayed", "dropped"], [75, 15, 10])[0]
            if outcome == "delayed":
                return {"outcome": "delayed", "new_due_date": str(today + timedelta(days=60))}
            if outcome == "dropped":
                return {"outcome": "dropped", "reason": "No longer relevant."}
            return {"outcome": "done"}
        if kind == WorkItemKind.exit_checklist_item:
            if rng.random() < 0.1:
                return {"outcome": "not_needed", "reason": "Already in hand."}
            return {"outcome": "done"}
        if kind == WorkItemKind.document_renewal:
            return {"outcome": "renewal_requested"}
        if kind == WorkItemKind.record_exit:
            return {
                "exit_date": str(min(today, item.due_date)),
                "kind": ExitKind.planned.value,
                "destination": rng.choice(
                    [ExitDestination.transitional_housing, ExitDestination.family,
                     ExitDestination.independent_housing]
                ).value,
            }  # fmt: skip
        if kind == WorkItemKind.follow_up_checkpoint:
            if lost or rng.random() < self.p_no_contact:
                return {"contact": False}
            return {
                "contact": True,
                "housing": rng.choice(list(HousingOutcome)[:4]).value,
                "activity": rng.choices(list(ActivityOutcome), [35, 30, 10, 25])[0].value,
                "health_coverage": rng.random() < 0.7,
                "id_documents": rng.random() < 0.9,
                "income": rng.random() < 0.5,
                "support_network": rng.random() < 0.7,
                "well_being": rng.randint(2, 5),
            }
        raise ValueError(f"no payload for {kind}")


@dataclass(frozen=True)
class PartnerAnswer:
    """How a simulated partner treats a referral: when it answers (working days after
    sending; None: never, the referral expires), whether it accepts, and how it ends."""

    answer_after: int | None
    accepts: bool
    delivered_after: int  # calendar days after accepting, as a share of the service's time
    completes: bool


def draw_partner_answer(rng: random.Random, response_days: int) -> PartnerAnswer:
    """Most partners answer in time, some late (after the escalation), a few never; most
    accept, and most of what they accept is delivered, a few weeks late at times."""
    roll = rng.random()
    if roll < 0.72 or response_days < 2:
        after: int | None = rng.randint(1, response_days)
    elif roll < 0.88:
        after = rng.randint(response_days + 1, 2 * response_days - 1) if response_days > 1 else 1
    else:
        after = None
    return PartnerAnswer(
        answer_after=after,
        accepts=rng.random() < 0.8,
        delivered_after=rng.randint(50, 130),  # percent of the service's delivery time
        completes=rng.random() < 0.85,
    )
