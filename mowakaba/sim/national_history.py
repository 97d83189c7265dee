"""One youth's case file and history in the national data set, drawn and queued in bulk
(`mowakaba.sim.national`): the distributions of ../shared/CONTEXT.md."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from mowakaba.enums import (
    ActivityOutcome,
    ChecklistItem,
    CheckpointStatus,
    EducationLevel,
    EventKind,
    ExitDestination,
    ExitKind,
    HousingOutcome,
    NotificationKind,
    ReferralStatus,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemKind,
)
from mowakaba.models import (
    Escalation,
    ExitExtension,
    FollowUp,
    Notification,
    PathwayEvent,
    Plan,
    Referral,
    ReferralTransition,
    WorkItem,
    Youth,
)

# One password for every account of the set, hashed once (Argon2 costs ~0.15 s a hash).

AS_OF = date(2026, 11, 30)  # the benchmark date (a Monday)
DUE_SHARE = 0.05  # open items whose reminder or escalation the sweep must send on AS_OF
EDUCATION = (
    (EducationLevel.none, 8), (EducationLevel.primary, 40),
    (EducationLevel.lower_secondary, 30), (EducationLevel.secondary, 18),
    (EducationLevel.university, 4),
)  # fmt: skip
# CONTEXT.md: vocational training, 56 % basic qualification, 6 % specialised technician.
VOCATIONAL = (
    (VocationalLevel.none, 22), (VocationalLevel.basic, 56), (VocationalLevel.qualified, 10),
    (VocationalLevel.technician, 6), (VocationalLevel.specialised_technician, 6),
)  # fmt: skip
# Most leave after 18: 68 % of those about to leave are past 19.
EXIT_EXTRA_YEARS = ((0.0, 28), (1.0, 30), (1.5, 20), (2.0, 14), (3.0, 8))
EXIT_KINDS = ((ExitKind.planned, 85), (ExitKind.return_to_family, 8), (ExitKind.runaway, 4),
              (ExitKind.other, 3))  # fmt: skip
DESTINATIONS = (
    (ExitDestination.independent_housing, 25), (ExitDestination.transitional_housing, 30),
    (ExitDestination.family, 25), (ExitDestination.foster_or_kafala, 5),
    (ExitDestination.other_institution, 5), (ExitDestination.unknown, 10),
)  # fmt: skip
TERMINAL_REFERRALS = (
    ReferralStatus.completed, ReferralStatus.completed, ReferralStatus.not_completed,
    ReferralStatus.declined, ReferralStatus.expired, ReferralStatus.cancelled,
)  # fmt: skip
# Referenced tables first: the order chunks are written in.


@dataclass
class NationalSummary:
    """What `seed_national` wrote: counts per table, the accounts (one password), the time."""

    youths: int
    institutions: int
    rows: dict[str, int] = field(default_factory=dict)
    # (username, role, institution id or None); all share NATIONAL_PASSWORD.
    accounts: list[tuple[str, str, int | None]] = field(default_factory=list)
    seconds: float = 0.0
    open_items: int = 0
    due_items: int = 0  # open items with a reminder or an escalation to send on AS_OF

    def lines(self) -> list[str]:
        """The summary as printable lines."""
        out = [
            f"national data set: {self.youths:,} youths in {self.institutions} institutions, "
            f"{sum(self.rows.values()):,} rows in {self.seconds:.1f} s "
            f"({sum(self.rows.values()) / max(self.seconds, 0.001):,.0f} rows/s)",
            f"open work items {self.open_items:,}, due or overdue on {AS_OF}: "
            f"{self.due_items:,} ({self.due_items / max(self.open_items, 1):.1%})",
        ]
        out += [f"  {table:<22} {count:>10,}" for table, count in sorted(self.rows.items())]
        return out


def at_nine(day: date) -> datetime:
    """09:00 UTC on a day (the same local day in Morocco)."""
    return datetime.combine(day, dtime(9), tzinfo=UTC)


def weighted(rng: random.Random, pairs: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


@dataclass
class Home:
    id: int
    region: str
    coordinators: list[int]
    mediators: list[int]
    supervisor: int
    taken: int = 0

    def next_mediator(self) -> int:
        """Caseloads dealt round the institution's mediators (each holds ~CASELOAD)."""
        self.taken += 1
        return self.mediators[self.taken % len(self.mediators)]


class History:
    """One youth's case file and history, drawn and queued on the writer."""

    def __init__(
        self,
        w: Any,
        rng: random.Random,
        services: list[tuple[int, int | None]],
        summary: NationalSummary,
    ) -> None:
        self.w, self.rng, self.services, self.summary = w, rng, services, summary

    def youth(self, n: int, home: Home) -> None:
        w, rng = self.w, self.rng
        mediator = home.next_mediator()
        # Ages 14 to 24 on AS_OF: youths in care from 14, leavers followed for two years.
        born = AS_OF - timedelta(days=rng.randint(14 * 365, 24 * 365))
        admitted = born + timedelta(days=rng.randint(5 * 365, 14 * 365))
        registered = max(born + timedelta(days=14 * 365), admitted, date(2019, 1, 1))
        registered += timedelta(days=rng.randint(0, 120))
        registered = min(registered, AS_OF - timedelta(days=rng.randint(1, 60)))
        planned_exit = born + timedelta(days=18 * 365)
        extra = weighted(rng, EXIT_EXTRA_YEARS)
        leaves = planned_exit + timedelta(days=round(extra * 365) + rng.randint(0, 120))
        if leaves <= registered + timedelta(days=200):
            leaves = registered + timedelta(days=rng.randint(200, 400))
        exit_date = leaves if leaves <= AS_OF else None
        self.stage, self.stage_date = self._stage(registered, exit_date)
        closed = self.stage == Stage.closed
        self.youth_id = w.add(
            Youth, code=f"N{n:07d}", first_name=f"Y{n}", last_name="N", first_name_ar="",
            last_name_ar="", search_name=f"y{n} n", date_of_birth=born,
            date_of_birth_presumed=rng.random() < 0.05,
            sex=(Sex.male if rng.random() < 0.56 else Sex.female).value,
            institution_id=home.id, admission_date=admitted, registered_date=registered,
            education_level=weighted(rng, EDUCATION).value,
            vocational_level=weighted(rng, VOCATIONAL).value, mediator_id=mediator,
            stage=self.stage.value, stage_entered_date=self.stage_date,
            planned_exit_date=planned_exit if exit_date is None else None,
            exit_date=exit_date,
            exit_kind=weighted(rng, EXIT_KINDS).value if exit_date else None,
            exit_destination=weighted(rng, DESTINATIONS).value if exit_date else None,
            closed_date=(exit_date + timedelta(days=731)) if closed and exit_date else None,
            closure_reason="follow_up_completed" if closed else None,
            not_in_touch=False, needs_reconciliation=False, language="ar",
            created_at=at_nine(registered), updated_at=at_nine(self.stage_date),
        )  # fmt: skip
        self.home, self.mediator = home, mediator
        self.event(EventKind.registered, registered, Stage.enrolled)
        self._in_care(registered, exit_date)
        if exit_date is not None:
            self._after_exit(exit_date, planned_exit)

    def _stage(self, registered: date, exit_date: date | None) -> tuple[Stage, date]:
        if exit_date is not None:
            if exit_date + timedelta(days=731) < AS_OF:
                return Stage.closed, exit_date + timedelta(days=731)
            return Stage.follow_up, exit_date
        days = (AS_OF - registered).days
        if days < 20:
            return Stage.intake, registered
        if days < 70:
            return Stage.planning, registered + timedelta(days=30)
        if self.rng.random() < 0.2:
            return Stage.exit_preparation, AS_OF - timedelta(days=self.rng.randint(1, 90))
        return Stage.active, registered + timedelta(days=70)

    def event(self, kind: EventKind, on: date, stage: Stage, **kw: Any) -> None:
        self.w.add(
            PathwayEvent, youth_id=self.youth_id, kind=kind.value, stage=stage.value,
            event_date=on, occurred_at=at_nine(on), actor_id=kw.pop("actor_id", None),
            work_item_id=kw.pop("work_item_id", None), data=kw,
        )  # fmt: skip

    def item(self, kind: WorkItemKind, due: date, subject: str = "", **kw: Any) -> int:
        """A work item: done (on time or late) if its day is past, else open."""
        w, rng = self.w, self.rng
        done = kw.pop("done", due < AS_OF)
        created = min(due - timedelta(days=30), AS_OF - timedelta(days=1))
        level, escalated = 0, []
        completed = None
        if done:
            # 72 % on time (the simulation's base rate), the rest late by up to 20 days.
            late = rng.random() > 0.72
            lateness = rng.choice((1, 2, 3, 5, 8, 16)) if late else -rng.randint(0, 5)
            completed = due + timedelta(days=lateness)
            completed = min(completed, AS_OF - timedelta(days=1))
            lateness = (completed - due).days
            escalated = [lvl for lvl, days in ((1, 4), (2, 14)) if lateness >= days]
        else:
            self.summary.open_items += 1
            draw = rng.random()
            # Checkpoints are kept out (a missed one is another phase's work): the others
            # make up for them.
            if kind != WorkItemKind.follow_up_checkpoint and draw < DUE_SHARE * 1.2:
                # Due today or soon (a reminder), or overdue (an escalation): the sweep's work.
                due = AS_OF + timedelta(days=rng.choice((7, 1, 0, 3, 5, -4, -6, -10, -15, -25)))
                created = AS_OF - timedelta(days=rng.randint(10, 40))
                self.summary.due_items += 1
            elif kind != WorkItemKind.follow_up_checkpoint and draw < DUE_SHARE * 1.2 + 0.03:
                # Long overdue and escalated to the supervisors already: nothing new to do.
                due = AS_OF - timedelta(days=rng.randint(20, 200))
                created = due - timedelta(days=30)
                escalated, level = [1, 2], 2
            else:
                due = max(due, AS_OF + timedelta(days=rng.randint(9, 30)))
        item_id = w.add(
            WorkItem, youth_id=self.youth_id, institution_id=self.home.id, kind=kind.value,
            subject=subject, assignee_id=self.mediator, assignee_pool=None, due_date=due,
            status="done" if done else "open", cycle=0, escalation_level=level or len(escalated),
            created_at=at_nine(created),
            completed_at=at_nine(completed) if completed else None,
            completed_by_id=self.mediator if completed else None,
            payload=kw.pop("payload", None),
        )  # fmt: skip
        # The reminders sent (D-7), and the escalations raised, with their notifications.
        if created <= due - timedelta(days=7) < AS_OF and rng.random() < 0.3:
            self._notify(NotificationKind.reminder, f"reminder:{item_id}:0:D-7", [self.mediator],
                         item_id, due - timedelta(days=7))  # fmt: skip
        for lvl in escalated:
            raised = due + timedelta(days=4 if lvl == 1 else 14)
            recipients = self.home.coordinators if lvl == 1 else [self.home.supervisor]
            w.add(
                Escalation, work_item_id=item_id, cycle=0, level=lvl, reason="overdue",
                raised_at=at_nine(raised), recipient_ids=recipients,
                acknowledged_at=at_nine(raised + timedelta(days=2)) if rng.random() < 0.7 else None,
                acknowledged_by_id=None,
                # Closed when the item is done (services/work_items.py).
                closed_at=at_nine(completed) if completed else None,
            )  # fmt: skip
            self._notify(NotificationKind.escalation, f"escalation:{item_id}:0:L{lvl}",
                         recipients, item_id, raised)  # fmt: skip
            self.event(EventKind.escalation_raised, raised, self.stage, work_item_id=item_id,
                       level=lvl, cycle=0)  # fmt: skip
        return item_id

    def _notify(
        self, kind: NotificationKind, key: str, recipients: list[int], item_id: int, on: date
    ) -> None:
        for recipient in recipients:
            self.w.add(
                Notification, idempotency_key=f"{key}:{recipient}", recipient_id=recipient,
                kind=kind.value, youth_id=self.youth_id, work_item_id=item_id, context={},
                created_at=at_nine(on), read_at=at_nine(on) if self.rng.random() < 0.8 else None,
                email_status=None, attempts=0,
            )  # fmt: skip

    def _in_care(self, registered: date, exit_date: date | None) -> None:
        rng = self.rng
        end = min(exit_date or AS_OF, AS_OF)
        intake_due = registered + timedelta(days=30)
        self.item(WorkItemKind.intake_assessment, intake_due)
        if self.stage in (Stage.intake, Stage.enrolled):
            return
        self.event(EventKind.stage_entered, registered + timedelta(days=30), Stage.planning)
        self.item(WorkItemKind.integration_plan, registered + timedelta(days=60))
        if self.stage == Stage.planning:
            return
        self.item(WorkItemKind.plan_approval, registered + timedelta(days=70))
        plan_day = registered + timedelta(days=70)
        self.w.add(
            Plan, youth_id=self.youth_id, version=1, status="approved",
            submitted_at=at_nine(plan_day - timedelta(days=5)),
            submitted_by_id=self.mediator, decided_at=at_nine(plan_day),
            decided_by_id=self.home.coordinators[0],
        )  # fmt: skip
        self.event(EventKind.stage_entered, plan_day, Stage.active)
        # A milestone check every quarter and a plan review every half-year, to the end.
        for kind, every in ((WorkItemKind.milestone_check, 365), (WorkItemKind.plan_review, 365)):
            # Staggered: a milestone check half-way between two plan reviews.
            offset = every // 2 if kind == WorkItemKind.milestone_check else every
            number, due = 1, plan_day + timedelta(days=offset)
            while due < end:
                self.item(kind, due, f"{kind.value[0]}{number}")
                number, due = number + 1, due + timedelta(days=every)
            if exit_date is None:
                self.item(kind, due, f"{kind.value[0]}{number}")
        if rng.random() < 0.55:
            self._referral(registered + timedelta(days=rng.randint(80, 500)))
        if exit_date is None and self.stage == Stage.exit_preparation:
            self.item(WorkItemKind.exit_readiness_assessment, AS_OF + timedelta(days=30))

    def _after_exit(self, exit_date: date, planned_exit: date) -> None:
        rng = self.rng
        prep = exit_date - timedelta(days=90)
        self.event(EventKind.stage_entered, prep, Stage.exit_preparation)
        self.item(WorkItemKind.exit_readiness_assessment, prep + timedelta(days=30))
        for each in ChecklistItem:
            outcome = "done" if rng.random() < 0.85 else "not_done"
            self.item(WorkItemKind.exit_checklist_item, exit_date - timedelta(days=30),
                      each.value, payload={"outcome": outcome})  # fmt: skip
        if exit_date > planned_exit + timedelta(days=30):
            self.item(WorkItemKind.exit_extension_decision, planned_exit - timedelta(days=20))
            self.w.add(
                ExitExtension, youth_id=self.youth_id, number=1, requested_until=exit_date,
                reason=rng.choice(["Training", "Housing", "Health", "Schooling"]),
                requested_at=at_nine(planned_exit - timedelta(days=30)), status="approved",
            )  # fmt: skip
        self.item(WorkItemKind.record_exit, exit_date)
        self.event(EventKind.exit_recorded, exit_date, Stage.exited)
        self.event(EventKind.stage_entered, exit_date, Stage.follow_up)
        for months in (6, 12, 24):
            due = exit_date + timedelta(days=round(months * 30.44))
            if due >= AS_OF:
                # The next checkpoint, open (its follow-up row is written when it is met).
                self.item(WorkItemKind.follow_up_checkpoint, due, f"m{months}")
                break
            contacted = rng.random() < 0.75
            status = CheckpointStatus.contacted if contacted else CheckpointStatus.no_contact
            housing = weighted(rng, tuple((h, 1) for h in HousingOutcome))
            activity = weighted(rng, tuple((a, 1) for a in ActivityOutcome))
            item_id = self.item(WorkItemKind.follow_up_checkpoint, due, f"m{months}", done=True)
            self.w.add(
                FollowUp, youth_id=self.youth_id, work_item_id=item_id, months=months,
                due_date=due,
                status=status.value,
                recorded_at=at_nine(due), recorded_by_id=self.mediator,
                housing=housing.value if contacted else None,
                activity=activity.value if contacted else None,
                health_coverage=contacted and rng.random() < 0.7,
                id_documents=rng.random() < 0.8,
            )  # fmt: skip
        if self.stage == Stage.closed:
            self.event(EventKind.closed, exit_date + timedelta(days=731), Stage.closed)

    def _referral(self, sent: date) -> None:
        rng = self.rng
        if sent >= AS_OF - timedelta(days=1):
            return
        partner_id, service_id = rng.choice(self.services)
        if sent > AS_OF - timedelta(days=20):
            # Recent: sent, or accepted and in progress, no clock run out on AS_OF.
            status = rng.choice((ReferralStatus.sent, ReferralStatus.in_progress))
        else:
            status = rng.choice(TERMINAL_REFERRALS)
        answered = sent + timedelta(days=rng.randint(1, 6))
        steps = {
            ReferralStatus.sent: [ReferralStatus.sent],
            ReferralStatus.in_progress: [ReferralStatus.sent, ReferralStatus.accepted,
                                         ReferralStatus.in_progress],
            ReferralStatus.completed: [ReferralStatus.sent, ReferralStatus.accepted,
                                       ReferralStatus.in_progress, ReferralStatus.completed],
            ReferralStatus.not_completed: [ReferralStatus.sent, ReferralStatus.accepted,
                                           ReferralStatus.not_completed],
            ReferralStatus.declined: [ReferralStatus.sent, ReferralStatus.declined],
            ReferralStatus.expired: [ReferralStatus.sent, ReferralStatus.expired],
            ReferralStatus.cancelled: [ReferralStatus.sent, ReferralStatus.cancelled],
        }[status]  # fmt: skip
        answered_at = at_nine(answered) if len(steps) > 1 else None
        accepted = answered if ReferralStatus.accepted in steps else None
        referral_id = self.w.add(
            Referral, youth_id=self.youth_id, institution_id=self.home.id, partner_id=partner_id,
            service_id=service_id, status=status.value, need="Bench referral",
            shared_fields=[], shared={}, created_by_id=self.mediator,
            created_at=at_nine(sent), sent_at=at_nine(sent), sent_date=sent,
            response_due_date=(AS_OF + timedelta(days=10)) if status == ReferralStatus.sent
            else sent + timedelta(days=7),
            expiry_date=sent + timedelta(days=14), answered_at=answered_at,
            accepted_date=accepted,
            delivery_due_date=(AS_OF + timedelta(days=rng.randint(20, 90)))
            if status == ReferralStatus.in_progress else None,
            closed_at=at_nine(answered + timedelta(days=30))
            if status in TERMINAL_REFERRALS else None,
            updated_at=at_nine(answered),
        )  # fmt: skip
        source: ReferralStatus | None = ReferralStatus.draft
        for n, target in enumerate(steps):
            on = sent if n == 0 else min(answered + timedelta(days=10 * (n - 1)), AS_OF)
            self.w.add(
                ReferralTransition, referral_id=referral_id,
                source=source.value if source else None,
                target=target.value, at=at_nine(on), actor_id=self.mediator, on_behalf=False,
                settled_at=at_nine(on),
            )  # fmt: skip
            self.event(EventKind(f"referral_{target.value}"), on, self.stage,
                       referral_id=referral_id)  # fmt: skip
            source = target
