"""The sweep's per-sweep caches (`SweepContext`) and the people a batch reads at once."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from mowakaba.clock import local_date
from mowakaba.enums import WorkItemStatus
from mowakaba.models import Institution, User, WorkItem, Youth
from mowakaba.rules import Rules, parse_days
from mowakaba.services import calendars as calendar_service
from mowakaba.services import escalations as escalation_service
from mowakaba.services import users as user_service
from mowakaba.settings import get_settings

# The timings open items keep, read once per process (see SweepContext.kept_timings).
_KEPT: tuple[set[int], set[int]] | None = None


class SweepContext:
    """Per-sweep caches: each institution's local day and rules, read once."""

    def __init__(self, session: Session, at: datetime) -> None:
        self.session, self.at = session, at
        self._days: dict[int, calendar_service.LocalDay] = {}
        self._rules: dict[int, Rules] = {}
        self._institutions: dict[int, Institution] | None = None
        self._recipients: dict[tuple[int, int], list[User]] | None = None

    def day(self, institution_id: int) -> calendar_service.LocalDay:
        if institution_id not in self._days:
            if self._institutions is None:
                # Every institution in one query (a country has ~100): a batch meets most.
                self._institutions = {i.pk: i for i in self.session.exec(select(Institution))}
            institution = self._institutions.get(institution_id)
            self._days[institution_id] = (
                calendar_service.LocalDay(
                    institution=institution,
                    today=local_date(self.at, institution.time_zone),
                    session=self.session,
                )
                if institution is not None
                else calendar_service.local_day(
                    self.session, institution_id=institution_id, at=self.at
                )
            )
        return self._days[institution_id]

    def recipients(self, institution_id: int, level: int) -> list[User]:
        """An institution's escalation recipients at a level (everyone's read at once)."""
        if self._recipients is None:
            self._recipients = escalation_service.all_recipients(self.session)
        found = self._recipients.get((institution_id, level))
        if found is None:
            found = escalation_service.recipients_for(
                self.session, institution=self.institution(institution_id), level=level
            )
        return found

    def institution(self, institution_id: int) -> Institution:
        return self.day(institution_id).institution

    def today(self, institution_id: int) -> date:
        return self.day(institution_id).today

    def rules(self, institution_id: int) -> Rules:
        if institution_id not in self._rules:
            self._rules[institution_id] = self.day(institution_id).rules()
        return self._rules[institution_id]

    def rules_of(self, item: WorkItem) -> Rules:
        """The institution's rules with the reminder and escalation timings the item keeps."""
        return self.rules(item.institution_id).kept_by(
            item.reminder_days, item.escalation_working_days
        )

    def kept_timings(self) -> tuple[set[int], set[int]]:
        """Every reminder day and first escalation day open items keep (and the current ones).

        The batches' coarse, indexed date filters must reach the items that keep
        older timings. The distinct values are read once per process: items are
        created with the timings in force (always included), so a value read earlier
        can only widen the coarse filter, never hide an item.
        """
        global _KEPT
        timings = get_settings().timings
        if _KEPT is None:
            reminders, firsts = set[int](), set[int]()
            kept = self.session.exec(
                select(WorkItem.reminder_days, WorkItem.escalation_working_days)
                .where(WorkItem.status == WorkItemStatus.open)
                .distinct()
            )
            for reminder_days, escalation_days in kept:
                if reminder_days:
                    reminders.update(parse_days(reminder_days))
                if escalation_days:
                    firsts.add(min(parse_days(escalation_days)))
            _KEPT = reminders, firsts
        return (
            _KEPT[0] | set(timings.reminder_days_before),
            _KEPT[1] | {min(timings.escalation_working_days)},
        )

    def coarse_today(self) -> date:
        """The programme's local day, for index filters that the rules then refine."""
        return local_date(self.at, get_settings().default_time_zone)


def assignees_of(session: Session, item: WorkItem) -> list[User]:
    """Return who an item's reminders go to: its assignee, or its pool's members."""
    if item.assignee_id is not None:
        user = session.get(User, item.assignee_id)
        return [user] if user is not None and user.is_active else []
    return user_service.coordinators_of(session, item.institution_id)


def load_people(session: Session, items: list[WorkItem]) -> list[Youth | User]:
    """Read a batch's youths and assignees in two queries: `session.get` then finds them
    in the session (the caller keeps the list: the session holds its rows weakly)."""
    youth_ids = {item.youth_id for item in items}
    user_ids = {item.assignee_id for item in items if item.assignee_id is not None}
    people: list[Youth | User] = []
    if youth_ids:
        people += session.exec(select(Youth).where(col(Youth.id).in_(youth_ids))).all()
    if user_ids:
        people += session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    return people


def forget_kept_timings() -> None:
    """Read the timings open items keep again at the next sweep (tests change settings)."""
    global _KEPT
    _KEPT = None
