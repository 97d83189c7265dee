"""The coordinators' and supervisors' dashboard: what needs them, counted by institution.

Every figure is one grouped query over the institutions of a caller's scope (never a loop
over the youths): youths per stage, overdue work per institution and per assignee,
unacknowledged escalations, plans waiting for approval, youths leaving care soon and
how far their exit checklists are. "Today" is each institution's own local date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, false, or_, text
from sqlmodel import Session, col, func, select

from mowakaba.clock import local_date
from mowakaba.enums import Stage, WorkItemKind, WorkItemStatus
from mowakaba.models import Escalation, Institution, User, WorkItem, Youth
from mowakaba.rules import add_months

# Youths leaving care within this many months are listed with their exit checklist.
LEAVING_MONTHS = 6
STILL_IN_CARE = (Stage.enrolled, Stage.intake, Stage.planning, Stage.active,
                 Stage.exit_preparation)  # fmt: skip


@dataclass
class InstitutionFigures:
    """One institution's line of the dashboard (or the sum of several)."""

    institution: Institution | None
    stages: dict[Stage, int] = field(default_factory=lambda: dict.fromkeys(Stage, 0))
    overdue: int = 0
    escalations: int = 0
    plans_waiting: int = 0
    leaving_soon: int = 0
    checklist_done: int = 0
    checklist_total: int = 0

    @property
    def youths(self) -> int:
        return sum(self.stages.values())

    def add(self, other: InstitutionFigures) -> None:
        """Add another line to this one (the total of a region)."""
        for stage, n in other.stages.items():
            self.stages[stage] += n
        for name in ("overdue", "escalations", "plans_waiting", "leaving_soon",
                     "checklist_done", "checklist_total"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class AssigneeOverdue:
    """Overdue work of one assignee in one institution (assignee None: the coordinators)."""

    assignee: User | None
    institution_id: int
    overdue: int
    oldest_due: date


@dataclass
class Leaving:
    """A youth leaving care soon, with their exit checklist (items done of those due)."""

    youth: Youth
    done: int
    total: int


@dataclass
class EscalationRow:
    escalation: Escalation
    item: WorkItem
    youth: Youth


@dataclass
class Dashboard:
    """Everything a dashboard shows; the lists are pages (cut at a limit from an offset),
    the totals are not."""

    institutions: list[InstitutionFigures]
    total: InstitutionFigures
    by_assignee: list[AssigneeOverdue] = field(default_factory=list)
    escalations: list[EscalationRow] = field(default_factory=list)
    escalations_total: int = 0
    plans: list[tuple[WorkItem, Youth]] = field(default_factory=list)
    leaving: list[Leaving] = field(default_factory=list)

    @property
    def youth_ids(self) -> set[int]:
        """Every youth the dashboard names (for the audit)."""
        named = {r.youth.pk for r in self.escalations} | {y.pk for _, y in self.plans}
        return named | {row.youth.pk for row in self.leaving}


def build_dashboard(
    session: Session,
    *,
    institution_ids: Sequence[int] | None,
    at: datetime,
    recipient_id: int,
    names: bool = True,
    limit: int = 20,
    escalations_offset: int = 0,
    plans_offset: int = 0,
    leaving_offset: int = 0,
) -> Dashboard:
    """Build the dashboard of some institutions (None: all) at an instant: the figures per
    institution, the escalations sent to `recipient_id`, and, with `names`, the lists that
    name youths (plans waiting, youths leaving soon) and overdue work per assignee. Each
    list is one page: `limit` rows from its own offset."""
    institutions = institutions_in(session, institution_ids)
    ids = [i.pk for i in institutions]
    lines = {i.pk: InstitutionFigures(i) for i in institutions}
    for (institution_id, stage), n in count_stages(session, institution_ids=ids).items():
        lines[institution_id].stages[stage] = n
    everything = institution_ids is None
    overdue = count_overdue(session, institutions=institutions, at=at, everything=everything)
    for institution_id, n in overdue.items():
        lines[institution_id].overdue = n
    for institution_id, n in count_unacknowledged(session, institution_ids=ids).items():
        lines[institution_id].escalations = n
    for institution_id, n in count_plans_waiting(session, institution_ids=ids).items():
        lines[institution_id].plans_waiting = n
    leaving = count_leaving(session, institutions=institutions, at=at, everything=everything)
    for institution_id, (n, done, total) in leaving.items():
        line = lines[institution_id]
        line.leaving_soon, line.checklist_done, line.checklist_total = n, done, total
    overall = InstitutionFigures(None)
    for line in lines.values():
        overall.add(line)
    escalations, escalations_total = escalations_for(
        session, institution_ids=ids, recipient_id=recipient_id, limit=limit,
        offset=escalations_offset,
    )  # fmt: skip
    dashboard = Dashboard(
        institutions=list(lines.values()), total=overall,
        escalations=escalations, escalations_total=escalations_total,
    )  # fmt: skip
    if names:
        dashboard.by_assignee = overdue_by_assignee(
            session, institutions=institutions, at=at, everything=everything
        )
        dashboard.plans = plans_waiting(
            session, institution_ids=ids, limit=limit, offset=plans_offset
        )
        dashboard.leaving = leaving_soon(
            session, institutions=institutions, at=at, limit=limit, offset=leaving_offset,
            everything=everything,
        )  # fmt: skip
    return dashboard


def institutions_in(session: Session, institution_ids: Sequence[int] | None) -> list[Institution]:
    """Return the institutions of a scope (None: all), by region and name."""
    query = select(Institution)
    if institution_ids is not None:
        query = query.where(col(Institution.id).in_(institution_ids))
    return list(session.exec(query.order_by(col(Institution.region), col(Institution.name))))


def per_local_day(
    institutions: Sequence[Institution],
    at: datetime,
    clause: Callable[[list[int] | None, date], Any],
    *,
    everything: bool = False,
) -> Any:
    """A condition that holds `clause(ids, today)` for the institutions of each time zone,
    `today` being their local date at the instant (one term per time zone, not per row).
    `everything`: the institutions are all there are; if they share one time zone, the
    term names none (ids None): a list of every institution only misleads the planner
    (PostgreSQL then reads every open item of the nation to keep the overdue ones)."""
    zones: dict[str, list[int]] = {}
    for institution in institutions:
        zones.setdefault(institution.time_zone, []).append(institution.pk)
    if everything and len(zones) == 1:
        return clause(None, local_date(at, next(iter(zones))))
    terms = [clause(ids, local_date(at, zone)) for zone, ids in zones.items()]
    return or_(*terms) if terms else false()


def _is_overdue(ids: list[int] | None, today: date) -> Any:
    # Due on day D, overdue from 00:00 local on D+1 (DESIGN.md §2).
    overdue = col(WorkItem.due_date) < today
    return overdue if ids is None else and_(col(WorkItem.institution_id).in_(ids), overdue)


def _leaves_soon(ids: list[int] | None, today: date) -> Any:
    soon = col(Youth.planned_exit_date) <= add_months(today, LEAVING_MONTHS)
    return soon if ids is None else and_(col(Youth.institution_id).in_(ids), soon)


def count_stages(session: Session, *, institution_ids: list[int]) -> dict[tuple[int, Stage], int]:
    """Count youths by institution and stage."""
    rows = session.exec(
        select(Youth.institution_id, Youth.stage, func.count())
        .where(col(Youth.institution_id).in_(institution_ids))
        .group_by(col(Youth.institution_id), col(Youth.stage))
    ).all()
    return {(i, Stage(s)): n for i, s, n in rows}


def count_overdue(
    session: Session, *, institutions: Sequence[Institution], at: datetime, everything: bool = False
) -> dict[int, int]:
    """Count open work items past their due date, by institution (`everything`: the
    institutions are all there are)."""
    rows = session.exec(
        select(WorkItem.institution_id, func.count())
        .where(WorkItem.status == WorkItemStatus.open)
        .where(per_local_day(institutions, at, _is_overdue, everything=everything))
        .group_by(col(WorkItem.institution_id))
    ).all()
    return dict(rows)


def overdue_by_assignee(
    session: Session, *, institutions: Sequence[Institution], at: datetime, everything: bool = False
) -> list[AssigneeOverdue]:
    """Return overdue work per assignee and institution, most overdue first."""
    rows = session.exec(
        select(
            WorkItem.assignee_id, WorkItem.institution_id, func.count(), func.min(WorkItem.due_date)
        )  # fmt: skip
        .where(WorkItem.status == WorkItemStatus.open)
        .where(per_local_day(institutions, at, _is_overdue, everything=everything))
        .group_by(col(WorkItem.assignee_id), col(WorkItem.institution_id))
    ).all()
    people = {a for a, *_ in rows if a is not None}
    users = {u.pk: u for u in session.exec(select(User).where(col(User.id).in_(people)))}
    found = [AssigneeOverdue(users.get(a) if a else None, i, n, oldest) for a, i, n, oldest in rows]
    return sorted(found, key=lambda r: (-r.overdue, r.oldest_due, r.institution_id))


def _unacknowledged(institution_ids: list[int]) -> tuple[Any, ...]:
    return (
        col(Escalation.closed_at).is_(None),
        col(Escalation.acknowledged_at).is_(None),
        col(WorkItem.institution_id).in_(institution_ids),
    )


def count_unacknowledged(session: Session, *, institution_ids: list[int]) -> dict[int, int]:
    """Count open escalations nobody has acknowledged yet, by institution."""
    rows = session.exec(
        select(WorkItem.institution_id, func.count(col(Escalation.id)))
        .join(Escalation, col(Escalation.work_item_id) == col(WorkItem.id))
        .where(*_unacknowledged(institution_ids))
        .group_by(col(WorkItem.institution_id))
    ).all()
    return dict(rows)


def escalations_for(
    session: Session, *, institution_ids: list[int], recipient_id: int, limit: int, offset: int = 0
) -> tuple[list[EscalationRow], int]:
    """Return a page of the open, unacknowledged escalations sent to a person in some
    institutions, oldest first (`limit` from `offset`), and how many there are."""
    # The recipients are a JSON list: the database looks into it (a national scope holds
    # hundreds of thousands of open escalations, few of them sent to this person).
    where = (*_unacknowledged(institution_ids), _sent_to(session, recipient_id))
    total = session.exec(
        select(func.count())
        .select_from(Escalation)
        .join(WorkItem, col(WorkItem.id) == col(Escalation.work_item_id))
        .where(*where)
    ).one()
    rows = session.exec(
        select(Escalation, WorkItem, Youth)
        .join(WorkItem, col(WorkItem.id) == col(Escalation.work_item_id))
        .join(Youth, col(Youth.id) == col(WorkItem.youth_id))
        .where(*where)
        .order_by(col(Escalation.raised_at), col(Escalation.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [EscalationRow(e, i, y) for e, i, y in rows], total


def _sent_to(session: Session, recipient_id: int) -> Any:
    """An escalation's JSON list of recipients holds this person."""
    if session.get_bind().dialect.name == "postgresql":
        return text("CAST(escalation.recipient_ids AS jsonb) @> CAST(:who AS jsonb)").bindparams(
            who=f"[{int(recipient_id)}]"
        )
    return text(
        "EXISTS (SELECT 1 FROM json_each(escalation.recipient_ids) WHERE value = :who)"
    ).bindparams(who=int(recipient_id))


def _waiting_plans(institution_ids: list[int]) -> tuple[Any, ...]:
    return (
        WorkItem.kind == WorkItemKind.plan_approval,
        WorkItem.status == WorkItemStatus.open,
        col(WorkItem.institution_id).in_(institution_ids),
    )


def count_plans_waiting(session: Session, *, institution_ids: list[int]) -> dict[int, int]:
    """Count submitted plans waiting for a coordinator's approval, by institution."""
    rows = session.exec(
        select(WorkItem.institution_id, func.count())
        .where(*_waiting_plans(institution_ids))
        .group_by(col(WorkItem.institution_id))
    ).all()
    return dict(rows)


def plans_waiting(
    session: Session, *, institution_ids: list[int], limit: int, offset: int = 0
) -> list[tuple[WorkItem, Youth]]:
    """Return a page of the plan approvals waiting (`limit` from `offset`), soonest due
    first, with their youths."""
    rows = session.exec(
        select(WorkItem, Youth)
        .join(Youth, col(Youth.id) == col(WorkItem.youth_id))
        .where(*_waiting_plans(institution_ids))
        .order_by(col(WorkItem.due_date), col(WorkItem.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [(item, youth) for item, youth in rows]


def _leaving(
    institutions: Sequence[Institution], at: datetime, everything: bool = False
) -> tuple[Any, ...]:
    return (
        col(Youth.stage).in_(STILL_IN_CARE),
        col(Youth.exit_date).is_(None),
        col(Youth.planned_exit_date).is_not(None),
        per_local_day(institutions, at, _leaves_soon, everything=everything),
    )


def _checklist_of(youth_ids: Any) -> tuple[Any, ...]:
    """Exit-checklist items of some youths (a list or a select of ids) that are due."""
    return (
        WorkItem.kind == WorkItemKind.exit_checklist_item,
        WorkItem.status != WorkItemStatus.cancelled,
        col(WorkItem.youth_id).in_(youth_ids),
    )


# Of the items counted, those done.
DONE = func.sum(case((col(WorkItem.status) == WorkItemStatus.done, 1), else_=0))


def count_leaving(
    session: Session, *, institutions: Sequence[Institution], at: datetime, everything: bool = False
) -> dict[int, tuple[int, int, int]]:
    """Count youths leaving care within the months ahead, by institution, with their exit
    checklists: {institution: (youths, items done, items due)}."""
    leaving = _leaving(institutions, at, everything)
    youths = session.exec(
        select(Youth.institution_id, func.count())
        .where(*leaving)
        .group_by(col(Youth.institution_id))
    ).all()
    ids = select(Youth.id).where(*leaving)
    checklists = session.exec(
        select(WorkItem.institution_id, func.count(), DONE)
        .where(*_checklist_of(ids))
        .group_by(col(WorkItem.institution_id))
    ).all()
    items = {i: (total, int(done or 0)) for i, total, done in checklists}
    return {i: (n, items.get(i, (0, 0))[1], items.get(i, (0, 0))[0]) for i, n in youths}


def leaving_soon(
    session: Session,
    *,
    institutions: Sequence[Institution],
    at: datetime,
    limit: int,
    offset: int = 0,
    everything: bool = False,
) -> list[Leaving]:
    """Return a page (`limit` from `offset`) of the youths leaving care soonest (planned
    exit within the months ahead, or past and not recorded), each with their exit
    checklist's progress."""
    youths = session.exec(
        select(Youth)
        .where(*_leaving(institutions, at, everything))
        .order_by(col(Youth.planned_exit_date), col(Youth.id))
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [y.pk for y in youths]
    rows = session.exec(
        select(WorkItem.youth_id, func.count(), DONE)
        .where(*_checklist_of(ids))
        .group_by(col(WorkItem.youth_id))
    ).all()
    progress = {y: (int(done or 0), total) for y, total, done in rows}
    return [Leaving(y, *progress.get(y.pk, (0, 0))) for y in youths]
