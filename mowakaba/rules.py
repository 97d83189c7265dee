"""The programme's rules as pure functions over data: due dates, reminders, escalations, checks.

No I/O, no clock: everything that reads "today" takes it as an argument; every
interval comes from `Timings`; every working-day count from a `WorkingCalendar`.
The stages and what moves a youth between them are in `mowakaba.pathway`.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from mowakaba.calendar import WorkingCalendar
from mowakaba.clock import local_midnight
from mowakaba.enums import AssigneePool, ChecklistItem, CheckpointStatus, Stage, WorkItemKind
from mowakaba.errors import ExtensionRequired, ExtensionTooLate, ImplausibleDates, InvalidExtension
from mowakaba.settings import Timings

# ---------------------------------------------------------------- calendar arithmetic


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def birthday(date_of_birth: date, age: int) -> date:
    """Return the day a person turns `age` (born 29 Feb: 28 Feb in common years)."""
    return add_months(date_of_birth, 12 * age)


def age_on(date_of_birth: date, day: date) -> int:
    """Return the age in whole years on a day."""
    years = day.year - date_of_birth.year
    if day < birthday(date_of_birth, years):
        years -= 1
    return years


def format_days(days: Iterable[int]) -> str:
    """Write a list of day counts as a work item keeps it: (7, 1) -> "7,1"."""
    return ",".join(str(n) for n in days)


def parse_days(text: str) -> tuple[int, ...]:
    """Read a list of day counts a work item keeps: "7,1" -> (7, 1)."""
    return tuple(int(n) for n in text.split(",") if n.strip())


# ---------------------------------------------------------------- the rules


@dataclass(frozen=True)
class WorkItemSpec:
    """A work item the rules ask for: what, for whom, and when it is due.

    `subject` tells apart items of one kind for one youth (plan version,
    checklist item, review number, checkpoint month); (youth, kind, subject)
    is unique in the database.
    """

    kind: WorkItemKind
    due_date: date
    subject: str = ""
    pool: AssigneePool | None = None  # None: the youth's mediator


@dataclass(frozen=True)
class Rules:
    """The pathway rules for one institution: programme timings over its calendar."""

    timings: Timings = field(default_factory=Timings)
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)

    # -- the timings a work item keeps

    def kept_by(self, reminder_days: str | None, escalation_working_days: str | None) -> Rules:
        """Return these rules with the reminder and escalation timings a work item keeps.

        An item keeps the timings in force when it was created (DESIGN §2: changed
        timings apply to items created after the change); None means the current ones.
        """
        update: dict[str, tuple[int, ...]] = {}
        if reminder_days is not None:
            update["reminder_days_before"] = parse_days(reminder_days)
        if escalation_working_days is not None:
            update["escalation_working_days"] = parse_days(escalation_working_days)
        if all(getattr(self.timings, name) == value for name, value in update.items()):
            return self
        return replace(self, timings=self.timings.model_copy(update=update))

    # -- due dates, reminders, escalations

    def due(self, start: date, *, days: int = 0, months: int = 0) -> date:
        """Return a due date: a calendar interval, rolled forward to a working day."""
        return self.calendar.roll_forward(add_months(start, months) + timedelta(days=days))

    def reminder_dates(self, due_date: date) -> list[tuple[int, date]]:
        """Return (days before, date) of each reminder: calendar days D−7 and D−1."""
        return [(n, due_date - timedelta(days=n)) for n in self.timings.reminder_days_before]

    def escalation_dates(self, due_date: date) -> tuple[date, date]:
        """Return the working days D+3 (level 1) and D+10 (level 2)."""
        first, second = self.timings.escalation_working_days
        return (
            self.calendar.add_working_days(due_date, first),
            self.calendar.add_working_days(due_date, second),
        )

    def escalation_level_due(self, due_date: date, today: date, *, pooled: bool) -> int:
        """Return the highest escalation level due for an open item on a day (0: none).

        Items assigned to the coordinators' pool start at level 2.
        """
        level_1, level_2 = self.escalation_dates(due_date)
        if today >= level_2:
            return 2
        if today >= level_1 and not pooled:
            return 1
        return 0

    @staticmethod
    def overdue_from(due_date: date, tz: str) -> datetime:
        """Return the UTC instant an item due on D becomes overdue: 00:00 local on D+1."""
        return local_midnight(due_date + timedelta(days=1), tz)

    def partner_response_due(self, referred_on: date) -> date:
        """Return the day a partner must answer a referral by (working days)."""
        return self.calendar.add_working_days(
            referred_on, self.timings.partner_response_working_days
        )

    # -- stage triggers

    def intake_date(self, date_of_birth: date, registered: date) -> date:
        """Return the day intake starts: the 14th birthday, or registration if already 14."""
        return max(birthday(date_of_birth, self.timings.intake_age_years), registered)

    def default_planned_exit(self, date_of_birth: date) -> date:
        """Return the default planned exit: the 18th birthday."""
        return birthday(date_of_birth, self.timings.exit_age_years)

    def latest_exit(self, date_of_birth: date) -> date:
        """Return the last day an extension may run to: the 21st birthday."""
        return birthday(date_of_birth, self.timings.max_extension_age_years)

    def exit_preparation_date(
        self, date_of_birth: date, planned_exit: date, registered: date
    ) -> date:
        """Return the day exit preparation starts.

        The earlier of the 17th birthday and 6 months before the planned exit,
        but never before registration.
        """
        trigger = min(
            birthday(date_of_birth, self.timings.exit_preparation_age_years),
            add_months(planned_exit, -self.timings.exit_preparation_months_before_exit),
        )
        return max(trigger, registered)

    def checkpoint_dates(self, exit_date: date) -> list[tuple[int, date]]:
        """Return (months after exit, due date) of every follow-up checkpoint."""
        return [(m, self.due(exit_date, months=m)) for m in self.timings.follow_up_months]

    def first_checkpoint_date(self, exit_date: date) -> date:
        """Return the day follow-up starts: the first checkpoint falls due."""
        return self.checkpoint_dates(exit_date)[0][1]

    # -- work each stage creates

    def intake_items(self, entered: date) -> list[WorkItemSpec]:
        """Return the intake assessment, due 30 days after entering intake."""
        return [
            WorkItemSpec(
                WorkItemKind.intake_assessment,
                self.due(entered, days=self.timings.intake_assessment_days),
            )
        ]

    def plan_item(self, start: date, *, version: int = 1, rework: bool = False) -> WorkItemSpec:
        """Return the integration plan: 30 days after planning starts, 14 after a rejection."""
        days = self.timings.plan_rework_days if rework else self.timings.integration_plan_days
        return WorkItemSpec(
            WorkItemKind.integration_plan, self.due(start, days=days), subject=f"v{version}"
        )

    def plan_approval_item(self, submitted: date, *, version: int) -> WorkItemSpec:
        """Return the plan approval for the coordinators, due 7 days after submission."""
        return WorkItemSpec(
            WorkItemKind.plan_approval,
            self.due(submitted, days=self.timings.plan_approval_days),
            subject=f"v{version}",
            pool=AssigneePool.institution_coordinators,
        )

    def milestone_item(
        self, milestone_id: int, milestone_due: date, *, check: int = 1
    ) -> WorkItemSpec:
        """Return a check of a milestone, due on the milestone's date (a delay adds a check)."""
        return WorkItemSpec(
            WorkItemKind.milestone_check,
            self.calendar.roll_forward(milestone_due),
            subject=f"m{milestone_id}.{check}",
        )

    def review_item(self, stage: Stage, last: date, *, number: int) -> WorkItemSpec:
        """Return the next plan review: 6 months after the last one while active, 3 in exit
        preparation (counted from the exit-readiness assessment, then each review)."""
        months = (
            self.timings.exit_preparation_review_months
            if stage == Stage.exit_preparation
            else self.timings.active_review_months
        )
        return WorkItemSpec(
            WorkItemKind.plan_review, self.due(last, months=months), subject=f"r{number}"
        )

    def checklist_due(self, entered: date, planned_exit: date) -> date:
        """Return the checklist due date: 60 days before exit, or 30 days after entry if later."""
        return self.calendar.roll_forward(
            max(
                planned_exit - timedelta(days=self.timings.checklist_days_before_exit),
                entered + timedelta(days=self.timings.checklist_min_days_after_entry),
            )
        )

    def record_exit_item(self, planned_exit: date) -> WorkItemSpec:
        """Return "record exit", due on the planned exit date."""
        return WorkItemSpec(WorkItemKind.record_exit, self.calendar.roll_forward(planned_exit))

    def exit_preparation_items(self, entered: date, planned_exit: date) -> list[WorkItemSpec]:
        """Return the work exit preparation creates (not counting skipped stages' work)."""
        checklist_due = self.checklist_due(entered, planned_exit)
        return [
            WorkItemSpec(
                WorkItemKind.exit_readiness_assessment,
                self.due(entered, days=self.timings.exit_readiness_days),
            ),
            *(
                WorkItemSpec(WorkItemKind.exit_checklist_item, checklist_due, subject=item.value)
                for item in ChecklistItem
            ),
            self.record_exit_item(planned_exit),
        ]

    def checkpoint_items(self, exit_date: date) -> list[WorkItemSpec]:
        """Return the follow-up checkpoints, counted from the actual exit date."""
        return [
            WorkItemSpec(WorkItemKind.follow_up_checkpoint, due, subject=f"m{months}")
            for months, due in self.checkpoint_dates(exit_date)
        ]

    def extension_decision_item(self, requested: date, *, number: int) -> WorkItemSpec:
        """Return the coordinators' decision on an extension request."""
        return WorkItemSpec(
            WorkItemKind.exit_extension_decision,
            self.due(requested, days=self.timings.extension_decision_days),
            subject=f"x{number}",
            pool=AssigneePool.institution_coordinators,
        )

    # -- registration, planned exit and extensions

    def check_registration(
        self,
        *,
        date_of_birth: date,
        registered: date,
        admission: date | None = None,
        planned_exit: date | None = None,
        exit_date: date | None = None,
    ) -> date | None:
        """Check a registration's dates; return the planned exit date to store (None if exited).

        Past the exit age a youth still in care needs a planned exit date (an
        extension, at most to the 21st birthday); a youth who has already left
        is registered with the exit date, within the follow-up period.
        """
        if date_of_birth > registered:
            raise ImplausibleDates(f"date of birth {date_of_birth} is after {registered}")
        if age_on(date_of_birth, registered) > 25:
            raise ImplausibleDates(
                f"date of birth {date_of_birth}: over 25 on {registered}, "
                "not a youth in the programme"
            )
        if admission is not None:
            if admission < date_of_birth:
                raise ImplausibleDates(f"admission {admission} is before birth {date_of_birth}")
            if admission > registered:
                raise ImplausibleDates(f"admission {admission} is after registration {registered}")
        if exit_date is not None:
            if exit_date > registered:
                raise ImplausibleDates(f"exit {exit_date} is after registration {registered}")
            if admission is not None and exit_date < admission:
                raise ImplausibleDates(f"exit {exit_date} is before admission {admission}")
            if exit_date < date_of_birth:
                raise ImplausibleDates(f"exit {exit_date} is before birth {date_of_birth}")
            last_checkpoint = add_months(exit_date, max(self.timings.follow_up_months))
            if last_checkpoint < registered:
                raise ImplausibleDates(
                    f"exit {exit_date} is past the follow-up period "
                    f"({max(self.timings.follow_up_months)} months) on {registered}"
                )
            return None
        if registered >= self.latest_exit(date_of_birth):
            raise ImplausibleDates(
                f"born {date_of_birth}: past the 21st birthday on {registered} and still in care; "
                "register with the exit date instead"
            )
        default = self.default_planned_exit(date_of_birth)
        if planned_exit is None:
            if registered >= default:
                raise ExtensionRequired(
                    f"born {date_of_birth}: past 18 on {registered} and still in care; "
                    "give a planned exit date (an extension, at most to the 21st birthday)"
                )
            return default
        if planned_exit > self.latest_exit(date_of_birth):
            raise ExtensionTooLate(
                f"planned exit {planned_exit} is after the 21st birthday "
                f"{self.latest_exit(date_of_birth)}"
            )
        if planned_exit < registered:
            raise ImplausibleDates(
                f"planned exit {planned_exit} is before registration {registered}"
            )
        return planned_exit

    def check_extension(
        self,
        *,
        date_of_birth: date,
        current_planned_exit: date,
        until: date,
        reason: str,
        today: date,
    ) -> None:
        """Check an extension request: a reason, a later date, at most the 21st birthday."""
        if not reason or not reason.strip():
            raise InvalidExtension("an extension needs a reason")
        if until <= current_planned_exit:
            raise InvalidExtension(
                f"extension to {until} is not after the planned exit {current_planned_exit}"
            )
        if until <= today:
            raise InvalidExtension(f"extension to {until} is not in the future ({today})")
        latest = self.latest_exit(date_of_birth)
        if until > latest:
            raise ExtensionTooLate(f"extension to {until} is after the 21st birthday {latest}")

    def needs_extension(self, date_of_birth: date, planned_exit: date, today: date) -> bool:
        """Tell whether a youth still in care is past the planned exit (an extension is due)."""
        return today > planned_exit and today >= self.default_planned_exit(date_of_birth)

    # -- follow-up

    def checkpoint_missed(self, status: CheckpointStatus, due_date: date, today: date) -> bool:
        """A checkpoint is missed if recorded as no contact, or still open 30 days after due."""
        if status in (CheckpointStatus.no_contact, CheckpointStatus.missed):
            return True
        return status == CheckpointStatus.open and today > due_date + timedelta(
            days=self.timings.checkpoint_missed_after_days
        )

    def is_not_in_touch(self, resolved_in_order: list[bool]) -> bool:
        """Given checkpoints resolved so far (True = missed), oldest first: is the youth
        not in touch? Two misses in a row mark it; any contact after them clears it."""
        needed = self.timings.misses_for_not_in_touch
        run = 0
        for missed in resolved_in_order:
            run = run + 1 if missed else 0
        return run >= needed
