"""What the toolkit's printed documents hold, read from the case: the intake assessment,
the integration plan and its milestones, the exit checklist, the follow-up record.

Plain data for mowakaba/documents.py to render. The sensitive fields (the youth's own
words, needs, notes, health and well-being) are left out (None, `withheld`) unless the
reader may see them: the edge says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from mowakaba.enums import AssessmentKind, ChecklistItem, PrintedDocument, WorkItemKind
from mowakaba.errors import NotFound
from mowakaba.models import (
    Assessment,
    AssessmentAxis,
    Document,
    FollowUp,
    Institution,
    Plan,
    User,
    WorkItem,
    Youth,
)
from mowakaba.services import voice as voice_service
from mowakaba.services.completions.plans import current_plan


@dataclass
class Case:
    """One document's data: the youth and their institution, and the document's own part."""

    document: PrintedDocument
    youth: Youth
    institution: Institution
    mediator: str
    sensitive: bool
    part: dict[str, Any] = field(default_factory=dict)


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else ""


def _kept(value: Any, sensitive: bool) -> Any:
    return value if sensitive else None


def intake_assessment(session: Session, youth: Youth, sensitive: bool) -> dict[str, Any]:
    """The youth's intake assessment (the latest, if ever done twice): axes, notes, their view."""
    assessment = session.exec(
        select(Assessment)
        .where(Assessment.youth_id == youth.id, Assessment.kind == AssessmentKind.intake)
        .order_by(col(Assessment.assessed_date).desc(), col(Assessment.id).desc())
    ).first()
    if assessment is None:
        raise NotFound(f"youth {youth.id}: no intake assessment yet")
    axes = session.exec(
        select(AssessmentAxis)
        .where(AssessmentAxis.assessment_id == assessment.id)
        .order_by(col(AssessmentAxis.id))
    ).all()
    return {
        "assessed_date": assessment.assessed_date,
        "assessed_by": _name(session, assessment.assessed_by_id),
        "axes": [{"axis": a.axis, "score": a.score, "needs": _kept(a.needs, sensitive)}
                 for a in axes],
        "notes": _kept(assessment.notes, sensitive),
        "youth_view": _kept(assessment.youth_view, sensitive),
    }  # fmt: skip


def plan(session: Session, youth: Youth, sensitive: bool) -> dict[str, Any]:
    """The plan in force (else the latest version), its milestones, the youth's goals."""
    found, milestones = current_plan(session, youth_id=youth.pk)
    if found is None:
        raise NotFound(f"youth {youth.id}: no integration plan yet")
    return {"plan": found, "milestones": milestones,
            "signed_copy": voice_service.signed_copy(session, plan=found),
            "submitted_by": _name(session, found.submitted_by_id),
            "decided_by": _name(session, found.decided_by_id),
            "youth_goals": _kept(found.youth_goals, sensitive)}  # fmt: skip


def exit_checklist(session: Session, youth: Youth, sensitive: bool) -> dict[str, Any]:
    """Each item of the exit checklist: to do, done or not needed, by its due date."""
    items = {
        item.subject: item
        for item in session.exec(
            select(WorkItem).where(
                WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.exit_checklist_item
            )
        )
    }
    if not items:
        raise NotFound(f"youth {youth.id}: no exit checklist yet")
    rows = []
    for entry in ChecklistItem:
        item = items.get(entry.value)
        if item is None:
            continue
        payload = item.payload or {}
        rows.append({
            "item": entry, "status": item.status, "due_date": item.due_date,
            "outcome": payload.get("outcome"),
            "completed_date": item.completed_at.date() if item.completed_at else None,
            "reason": payload.get("reason") or payload.get("note") or "",
            "document": _met_by(session, youth, payload.get("document_id")),
        })  # fmt: skip
    return {"planned_exit_date": youth.planned_exit_date, "rows": rows}


def _met_by(session: Session, youth: Youth, document_id: Any) -> Document | None:
    """The uploaded document that met a checklist item (its completion names it)."""
    document = session.get(Document, document_id) if isinstance(document_id, int) else None
    return document if document is not None and document.youth_id == youth.id else None


def follow_up(session: Session, youth: Youth, sensitive: bool) -> dict[str, Any]:
    """Every follow-up checkpoint after the exit, and what each found."""
    checkpoints = session.exec(
        select(FollowUp).where(FollowUp.youth_id == youth.id).order_by(col(FollowUp.months))
    ).all()
    if not checkpoints:
        raise NotFound(f"youth {youth.id}: no follow-up checkpoint yet")
    rows = [
        {"months": c.months, "due_date": c.due_date, "status": c.status,
         "recorded_date": c.recorded_at.date() if c.recorded_at else None,
         "housing": c.housing, "activity": c.activity, "id_documents": c.id_documents,
         "income": c.income, "support_network": c.support_network,
         "health_coverage": _kept(c.health_coverage, sensitive),
         "well_being": _kept(c.well_being, sensitive), "notes": _kept(c.notes, sensitive)}
        for c in checkpoints
    ]  # fmt: skip
    return {"exit_date": youth.exit_date, "exit_kind": youth.exit_kind,
            "exit_destination": youth.exit_destination, "rows": rows}  # fmt: skip


PARTS = {
    PrintedDocument.intake_assessment: intake_assessment,
    PrintedDocument.plan: plan,
    PrintedDocument.exit_checklist: exit_checklist,
    PrintedDocument.follow_up: follow_up,
}


def gather_document(
    session: Session, *, youth_id: int, document: PrintedDocument, sensitive: bool
) -> Case:
    """Read what a document of a youth's case holds; NotFound when there is nothing to print."""
    youth = session.get(Youth, youth_id)
    if youth is None:
        raise NotFound(f"youth {youth_id} not found")
    institution = session.get(Institution, youth.institution_id)
    assert institution is not None
    return Case(
        document=document, youth=youth, institution=institution,
        mediator=_name(session, youth.mediator_id), sensitive=sensitive,
        part=PARTS[document](session, youth, sensitive),
    )  # fmt: skip


def age_on(born: date, day: date) -> int:
    """Full years from a date of birth to a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def available_documents(session: Session, *, youth_id: int) -> list[PrintedDocument]:
    """The documents of a youth's case that have something to print yet."""
    exists = {
        PrintedDocument.intake_assessment: select(Assessment.id).where(
            Assessment.youth_id == youth_id, Assessment.kind == AssessmentKind.intake
        ),
        PrintedDocument.plan: select(Plan.id).where(Plan.youth_id == youth_id),
        PrintedDocument.exit_checklist: select(WorkItem.id).where(
            WorkItem.youth_id == youth_id, WorkItem.kind == WorkItemKind.exit_checklist_item
        ),
        PrintedDocument.follow_up: select(FollowUp.id).where(FollowUp.youth_id == youth_id),
    }
    return [document for document, query in exists.items() if session.exec(query).first()]
