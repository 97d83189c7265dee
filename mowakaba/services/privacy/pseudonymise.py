"""The case file pseudonymised: every name and free text gone, what the indicators read kept.

Kept: the youth's code, date of birth (the indicators compute ages at exit and intake
delays from it: docs/privacy.md), sex, institution, levels, stages and their dates, exits,
outcomes (follow-up housing, activity, health coverage, documents, income, support), work
items' dates and statuses (and the exit-readiness outcome the indicators read), plans'
and referrals' dates and statuses. Gone: names in both scripts, the guardian, every
contact, consent givers' names, and every free text (notes, views, goals, needs, reasons,
comments, descriptions, milestone titles and owners, what was shared with partners,
cancellation reasons (also on the timeline), the reasons of holds and requests).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from mowakaba.enums import EventKind
from mowakaba.models import (
    Assessment,
    AssessmentAxis,
    CaseNote,
    CaseNoteVersion,
    Consent,
    Contact,
    ExitExtension,
    FollowUp,
    Guardianship,
    Incident,
    LegalHold,
    Milestone,
    PathwayEvent,
    Plan,
    PrivacyRequest,
    Referral,
    ReferralTransition,
    Transfer,
    WorkItem,
    Youth,
)
from mowakaba.text import normalise

# Strings a work item's payload keeps: what the indicators read, and enum-like codes.
PAYLOAD_KEEP = frozenset(
    {
        "outcome",
        "status",
        "kind",
        "axis",
        "item",
        "decision",
        "housing",
        "activity",
        "exit_kind",
        "destination",
        "method",
    }
)
BLANK = "—"


def pseudonym_of(youth: Youth) -> str:
    """The name a pseudonymised youth goes by: its code, which carries no name."""
    return f"X-{youth.code}"


def scrub_payload(value: Any, key: str = "") -> Any:
    """Drop free text from a payload: strings survive only under a kept key."""
    if isinstance(value, dict):
        return {
            k: scrub_payload(v, k)
            for k, v in value.items()
            if not isinstance(v, str) or k in PAYLOAD_KEEP
        }
    if isinstance(value, list):
        return [scrub_payload(v, key) for v in value if not isinstance(v, str)]
    return value


def pseudonymise_case_file(session: Session, *, youth: Youth) -> dict[str, int]:
    """Replace the youth's identity by a pseudonym and blank every free text; return the
    rows changed (or deleted: contacts) per table."""
    youth_id = youth.pk
    counts: dict[str, int] = {}

    def run(table: str, statement: Any) -> None:
        counts[table] = counts.get(table, 0) + (session.exec(statement).rowcount or 0)  # type: ignore[call-overload,attr-defined]

    pseudonym = pseudonym_of(youth)
    youth.first_name, youth.last_name = pseudonym, ""
    youth.first_name_ar, youth.last_name_ar = "", ""
    youth.search_name = normalise(pseudonym)
    youth.notes = youth.planned_exit_reason = youth.exit_reason = None
    youth.sms_agreed_date = None
    session.add(youth)
    counts["youth"] = 1
    run(
        "guardianship",
        update(Guardianship)
        .where(col(Guardianship.youth_id) == youth_id)
        .values(guardian_name=None, guardian_relation=None, guardian_phone=None),
    )
    run("contact", sa.delete(Contact).where(col(Contact.youth_id) == youth_id))
    run(
        "consent",
        update(Consent).where(col(Consent.youth_id) == youth_id).values(given_by_name=None),
    )
    assessments = select(Assessment.id).where(col(Assessment.youth_id) == youth_id)
    run(
        "assessment",
        update(Assessment)
        .where(col(Assessment.youth_id) == youth_id)
        .values(notes=None, youth_view=None),
    )
    run(
        "assessment_axis",
        update(AssessmentAxis)
        .where(col(AssessmentAxis.assessment_id).in_(assessments))
        .values(needs=None),
    )
    run(
        "plan",
        update(Plan)
        .where(col(Plan.youth_id) == youth_id)
        .values(
            youth_goals=None,
            decision_comment=None,
            agreement_witness_name=None,
            agreement_witness_role=None,
        ),
    )
    run(
        "milestone",
        update(Milestone)
        .where(col(Milestone.youth_id) == youth_id)
        .values(title=BLANK, owner=BLANK, drop_reason=None),
    )
    run(
        "follow_up",
        update(FollowUp)
        .where(col(FollowUp.youth_id) == youth_id)
        .values(notes=None, well_being=None),
    )
    run(
        "exit_extension",
        update(ExitExtension)
        .where(col(ExitExtension.youth_id) == youth_id)
        .values(reason=BLANK, decision_comment=None),
    )
    run(
        "incident",
        update(Incident)
        .where(col(Incident.youth_id) == youth_id)
        .values(description="", acknowledgement_note=None, closing_note=None),
    )
    run(
        "transfer",
        update(Transfer)
        .where(col(Transfer.youth_id) == youth_id)
        .values(reason=BLANK, decision_comment=None),
    )
    referrals = select(Referral.id).where(col(Referral.youth_id) == youth_id)
    run(
        "referral",
        update(Referral)
        .where(col(Referral.youth_id) == youth_id)
        .values(need="", shared={}, outcome=None, decline_reason=None, override_reason=None),
    )
    run(
        "referral_transition",
        update(ReferralTransition)
        .where(col(ReferralTransition.referral_id).in_(referrals))
        .values(answered_by=None, reason=None),
    )
    notes = select(CaseNote.id).where(col(CaseNote.youth_id) == youth_id)
    run(
        "case_note_version",
        update(CaseNoteVersion)
        .where(col(CaseNoteVersion.note_id).in_(notes))
        .values(text="", reason=None),
    )
    run(
        "work_item",
        update(WorkItem)
        .where(col(WorkItem.youth_id) == youth_id, col(WorkItem.cancel_reason).is_not(None))
        .values(cancel_reason=BLANK),
    )
    # The timeline keeps ids, codes and dates; a cancelled item's reason is a person's words.
    cancelled = select(PathwayEvent).where(
        PathwayEvent.youth_id == youth_id, PathwayEvent.kind == EventKind.work_item_cancelled
    )
    for event in session.exec(cancelled):
        if event.data.get("reason"):
            event.data = {**event.data, "reason": BLANK}
            session.add(event)
            counts["pathway_event"] = counts.get("pathway_event", 0) + 1
    # Why a hold was placed or lifted, what the youth asked and the admin's note: their words.
    run(
        "legal_hold",
        update(LegalHold)
        .where(col(LegalHold.youth_id) == youth_id)
        .values(
            reason=BLANK,
            lift_reason=sa.case((col(LegalHold.lift_reason).is_(None), None), else_=BLANK),
        ),
    )
    run(
        "privacy_request",
        update(PrivacyRequest)
        .where(col(PrivacyRequest.youth_id) == youth_id)
        .values(reason=BLANK, decision_note=None),
    )
    items = session.exec(
        select(WorkItem).where(WorkItem.youth_id == youth_id, col(WorkItem.payload).is_not(None))
    ).all()
    for item in items:
        item.payload = scrub_payload(item.payload)
        session.add(item)
    counts["work_item"] = len(items)
    session.flush()
    return {table: n for table, n in counts.items() if n}
