"""Rows for the indicator tests, written straight to the tables (no pathway runs), so
that every date in a hand-worked example is the one the test says."""

from __future__ import annotations

from datetime import date
from itertools import count

from mowakaba.enums import (
    AssigneePool,
    CheckpointStatus,
    EducationLevel,
    ExtensionStatus,
    PlanStatus,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.models import Escalation, ExitExtension, FollowUp, Plan, WorkItem, Youth
from tests.factories import at

_n = count(1)


def youth(session, institution, *, dob=date(2008, 1, 1), stage=Stage.active, **kw) -> Youth:
    values = dict(
        code=f"IND{next(_n):05d}",
        date_of_birth=dob,
        sex=Sex.male,
        institution_id=institution.id,
        admission_date=date(2015, 1, 1),
        registered_date=date(2022, 1, 1),
        education_level=EducationLevel.primary,
        vocational_level=VocationalLevel.none,
        stage=stage,
        stage_entered_date=date(2022, 1, 1),
    )
    values.update(kw)
    row = Youth(**values)
    session.add(row)
    session.flush()
    return row


def item(session, y, kind, *, due, done=None, status=None, subject=None, assignee=None,
         payload=None) -> WorkItem:  # fmt: skip
    """A work item of a youth: `done` is the local day it was completed (09:00)."""
    row = WorkItem(
        youth_id=y.id,
        institution_id=y.institution_id,
        kind=kind,
        subject=subject if subject is not None else f"s{next(_n)}",
        assignee_id=assignee.id if assignee else None,
        assignee_pool=None if assignee else AssigneePool.institution_coordinators,
        due_date=due,
        status=status or (WorkItemStatus.done if done else WorkItemStatus.open),
        completed_at=at(done) if done else None,
        payload=payload,
    )
    session.add(row)
    session.flush()
    return row


def escalation(session, work_item, *, raised, level=1, acknowledged=None, closed=None):
    row = Escalation(
        work_item_id=work_item.id,
        level=level,
        raised_at=at(raised, 10),
        acknowledged_at=at(acknowledged) if acknowledged else None,
        closed_at=at(closed) if closed else None,
    )
    session.add(row)
    session.flush()
    return row


def plan(session, y, status, *, decided=date(2026, 1, 15), version=1) -> Plan:
    row = Plan(youth_id=y.id, version=version, status=status,
               decided_at=at(decided) if status != PlanStatus.submitted else None)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def checkpoint(session, y, months, *, status, due, recorded=None, **found) -> FollowUp:
    work = item(session, y, WorkItemKind.follow_up_checkpoint, due=due,
                done=recorded if status != CheckpointStatus.open else None, subject=f"m{months}")  # fmt: skip
    row = FollowUp(
        youth_id=y.id,
        work_item_id=work.id,
        months=months,
        due_date=due,
        status=status,
        recorded_at=at(recorded) if recorded else None,
        **found,
    )
    session.add(row)
    session.flush()
    return row


def extension(session, y, number, reason, status=ExtensionStatus.approved):
    row = ExitExtension(youth_id=y.id, number=number, requested_until=date(2026, 12, 31),
                        reason=reason, status=status)  # fmt: skip
    session.add(row)
    session.flush()
    return row
