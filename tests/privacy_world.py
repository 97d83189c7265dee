"""A youth's file with one record of every class, its words marked by a tag (canaries).

`fill_file(session, youth, ..., tag="Zq")` gives a youth one record of each class the
subject-access export holds, every free text carrying the tag, so a test can check that
nothing of another youth (another tag) leaks into an export.
"""

from __future__ import annotations

from datetime import date, timedelta

from mowakaba.casework_schemas import NoteCorrectionIn, NoteIn
from mowakaba.clock import now
from mowakaba.enums import (
    AssessmentKind,
    Axis,
    ContactKind,
    IncidentKind,
    Language,
    LegalStatus,
    SmsKind,
    WorkItemKind,
)
from mowakaba.models import (
    Assessment,
    AssessmentAxis,
    Contact,
    Escalation,
    ExitExtension,
    FollowUp,
    Guardianship,
    Incident,
    Institution,
    Milestone,
    Plan,
    SmsMessage,
    Transfer,
    User,
    WorkItem,
    Youth,
)
from mowakaba.schemas import ReferralIn
from mowakaba.services import case_notes as note_service
from mowakaba.services import referrals as referral_service
from tests.documents_files import image_bytes, store_document
from tests.factories import give_consent, make_partner, make_service


def canaries(tag: str) -> list[str]:
    """The distinct words a file filled with `tag` holds (each appears only in it)."""
    return [f"{tag}{word}" for word in (
        "Guardian", "Phone", "Trusted", "Consenter", "Needs", "View", "Goals", "Milestone",
        "Extension", "NoteOne", "NoteTwo", "Fix", "Doc", "Need", "Incident", "Transfer",
        "FollowUp", "Notes", "Partner", "Service", "Subject", "Sms",
    )]  # fmt: skip


def fill_file(
    session, youth: Youth, *, mediator: User, coordinator: User, other: Institution, tag: str
) -> dict[str, int]:  # fmt: skip
    """One record of every class for `youth`, every text marked with `tag`."""
    today = date.today()
    y = youth.pk
    youth.notes = f"{tag}Notes"
    session.add(youth)
    session.add(Guardianship(youth_id=y, legal_status=LegalStatus.kafala, start_date=today,
                             guardian_name=f"{tag}Guardian", guardian_phone="+212600000001"))  # fmt: skip
    session.add(Contact(youth_id=y, kind=ContactKind.phone, value=f"{tag}Phone", is_current=False))
    session.add(Contact(youth_id=y, kind=ContactKind.phone, value=f"{tag}Phone2"))
    session.add(Contact(youth_id=y, kind=ContactKind.trusted_person, value="+212600000002",
                        name=f"{tag}Trusted"))  # fmt: skip
    partner = make_partner(session, name=f"{tag}Partner")
    service = make_service(session, partner, axis="employment", name=f"{tag}Service")
    consent = give_consent(session, youth, mediator, partner=partner, data=["education"])
    consent.given_by_name = f"{tag}Consenter"
    session.add(consent)
    assessment = Assessment(youth_id=y, kind=AssessmentKind.intake, assessed_date=today,
                            assessed_by_id=mediator.pk, youth_view=f"{tag}View")  # fmt: skip
    session.add(assessment)
    session.flush()
    session.add(AssessmentAxis(assessment_id=assessment.pk, axis=Axis.health, score=2,
                               needs=f"{tag}Needs"))  # fmt: skip
    plan = Plan(youth_id=y, version=1, youth_goals=f"{tag}Goals", submitted_by_id=mediator.pk)
    session.add(plan)
    session.flush()
    session.add(Milestone(plan_id=plan.pk, youth_id=y, axis=Axis.employment,
                          title=f"{tag}Milestone", owner="youth", due_date=today))  # fmt: skip
    item = WorkItem(youth_id=y, institution_id=youth.institution_id, subject=f"{tag}Subject",
                    kind=WorkItemKind.follow_up_checkpoint,
                    due_date=today, assignee_id=mediator.pk)  # fmt: skip
    session.add(item)
    session.flush()
    session.add(Escalation(work_item_id=item.pk, level=1, recipient_ids=[coordinator.pk]))
    session.add(FollowUp(youth_id=y, work_item_id=item.pk, months=1, due_date=today,
                         notes=f"{tag}FollowUp"))  # fmt: skip
    session.add(ExitExtension(youth_id=y, number=1, requested_until=today + timedelta(days=400),
                              reason=f"{tag}Extension", requested_by_id=mediator.pk))  # fmt: skip
    session.add(Incident(youth_id=y, institution_id=youth.institution_id,
                         kind=IncidentKind.hospitalisation, occurred_at=now(),
                         occurred_date=today, description=f"{tag}Incident",
                         reported_by_id=mediator.pk))  # fmt: skip
    session.add(Transfer(youth_id=y, from_institution_id=youth.institution_id,
                         to_institution_id=other.pk, reason=f"{tag}Transfer",
                         requested_by_id=coordinator.pk))  # fmt: skip
    session.add(SmsMessage(idempotency_key=f"sms:{tag}", kind=SmsKind.follow_up_reminder,
                           youth_id=y, language=Language.fr, context={"text": f"{tag}Sms"}))  # fmt: skip
    note = note_service.write_note(
        session, youth=youth, actor=mediator, today=today,
        data=NoteIn(kind="call", with_whom=["youth"], contact_date=today,
                    text=f"{tag}NoteOne", sensitivity="health"),
    )  # fmt: skip
    note_service.correct_note(
        session, youth=youth, note_id=note.pk, actor=mediator, today=today,
        data=NoteCorrectionIn(reason=f"{tag}Fix", text=f"{tag}NoteTwo"),
    )  # fmt: skip
    document = store_document(session, youth, mediator, image_bytes(), name=f"{tag}Doc.png")
    referral = referral_service.create_referral(
        session, youth=youth, actor=mediator,
        data=ReferralIn(service_id=service.pk, need=f"{tag}Need", send=True,
                        shared_fields=["education_level"]),
    )  # fmt: skip
    session.flush()
    return {"note": note.pk, "document": document.pk, "referral": referral.pk,
            "partner": partner.pk, "consent": consent.pk}  # fmt: skip
