"""A youth closed long ago with one of everything a file holds, for the retention tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from mowakaba.enums import (
    ActivityOutcome,
    CheckpointStatus,
    ClosureReason,
    ConsentGiver,
    ConsentPurpose,
    ContactKind,
    ExitKind,
    HousingOutcome,
    LegalStatus,
    NoteKind,
    PlanStatus,
    ReferralStatus,
    Role,
    Sensitivity,
    Stage,
    WorkItemKind,
)
from mowakaba.models import (
    Assessment,
    CaseNote,
    CaseNoteVersion,
    Consent,
    Contact,
    Guardianship,
    Referral,
    User,
    Youth,
)
from mowakaba.services.indicators import IndicatorQuery, compute_indicators
from tests.documents_files import store_document
from tests.factories import at, make_institution, make_partner, make_service, make_user
from tests.services import indicator_builders as b

CLOSED = date(2015, 6, 30)
SECRET = "Hospitalised after a family conflict"


@dataclass
class RetentionWorld:
    youth_id: int
    other_id: int  # a youth of the same institution closed recently: never touched
    mediator_id: int
    coordinator_id: int
    admin_id: int
    files: list[str]


def _note(session: Session, youth: Youth, author: User, number: int, sensitivity: Sensitivity,
          text: str) -> CaseNote:  # fmt: skip
    note = CaseNote(youth_id=youth.pk, number=number, author_id=author.pk)
    session.add(note)
    session.flush()
    session.add(CaseNoteVersion(note_id=note.pk, version=1, kind=NoteKind.visit,
                                contact_date=date(2013, 1, 5), sensitivity=sensitivity,
                                text=text, written_by_id=author.pk))  # fmt: skip
    return note


def fill_youth(session: Session, youth: Youth, mediator: User, *, closed: date) -> list[str]:
    """Give a youth one of everything, then close it on `closed`; return its files."""
    youth.first_name, youth.last_name = "Karim", "Tazi"
    youth.first_name_ar, youth.last_name_ar = "كريم", "التازي"
    youth.search_name, youth.notes = "karim tazi", "Father in prison"
    youth.mediator_id = mediator.pk
    files = [store_document(session, youth, mediator, kind="other").stored_name
             for _ in range(2)]  # fmt: skip
    session.add(Guardianship(youth_id=youth.pk, legal_status=LegalStatus.kafala,
                             guardian_name="Aicha Tazi", guardian_relation="aunt",
                             guardian_phone="0612345678", start_date=date(2010, 1, 1)))  # fmt: skip
    session.add(Contact(youth_id=youth.pk, kind=ContactKind.phone, value="0698765432"))
    session.add(Contact(youth_id=youth.pk, kind=ContactKind.trusted_person, value="0611111111",
                        name="Said Alami", relation="coach"))  # fmt: skip
    partner = make_partner(session)
    service = make_service(session, partner)
    consent = Consent(youth_id=youth.pk, purpose=ConsentPurpose.share_with_partners,
                      partner_id=partner.pk, data=["identity"], given_by=ConsentGiver.guardian,
                      given_by_name="Aicha Tazi", given_date=date(2012, 1, 1))  # fmt: skip
    session.add(consent)
    session.flush()
    session.add(Referral(youth_id=youth.pk, institution_id=youth.institution_id,
                         partner_id=partner.pk, service_id=service.pk, consent_id=consent.pk,
                         status=ReferralStatus.completed, need="a job near Karim's aunt",
                         shared={"first_name": "Karim"}, sent_date=date(2013, 2, 1),
                         sent_at=at(date(2013, 2, 1)), answered_at=at(date(2013, 2, 4)),
                         accepted_date=date(2013, 2, 4), outcome="hired"))  # fmt: skip
    session.add(Assessment(youth_id=youth.pk, kind="intake", assessed_date=date(2010, 5, 1),
                           notes="anxious", youth_view="I want to be a baker"))  # fmt: skip
    b.plan(session, youth, PlanStatus.approved, decided=date(2011, 1, 10))
    b.item(session, youth, WorkItemKind.exit_readiness_assessment, due=date(2012, 9, 1),
           done=date(2012, 9, 1), payload={"outcome": "ready", "notes": "Karim is ready"})  # fmt: skip
    b.checkpoint(session, youth, 12, status=CheckpointStatus.contacted, due=date(2014, 1, 1),
                 recorded=date(2014, 1, 2), housing=HousingOutcome.shared_flat,
                 activity=ActivityOutcome.work, health_coverage=True, id_documents=True,
                 income=True, support_network=True, well_being=4, notes="lives with Said")  # fmt: skip
    _note(session, youth, mediator, 1, Sensitivity.health, SECRET)
    _note(session, youth, mediator, 2, Sensitivity.none, "Visited the flat with Karim")
    youth.exit_date, youth.exit_kind = date(2013, 1, 1), ExitKind.planned
    youth.stage, youth.stage_entered_date = Stage.closed, closed
    youth.closed_date, youth.closure_reason = closed, ClosureReason.integrated
    session.add(youth)
    session.flush()
    return files


def build(session: Session) -> RetentionWorld:
    """An institution, its people, a youth closed in 2015 and one closed last month."""
    institution = make_institution(session)
    mediator = make_user(session, Role.mediator, [institution])
    coordinator = make_user(session, Role.coordinator, [institution])
    admin = make_user(session, Role.admin)
    youth = b.youth(session, institution, dob=date(1995, 3, 15), stage=Stage.follow_up,
                    registered_date=date(2009, 1, 1))  # fmt: skip
    files = fill_youth(session, youth, mediator, closed=CLOSED)
    other = b.youth(session, institution, dob=date(2005, 2, 1), stage=Stage.follow_up)
    fill_youth(session, other, mediator, closed=date(2026, 10, 1))
    return RetentionWorld(youth.pk, other.pk, mediator.pk, coordinator.pk, admin.pk, files)


QUERIES = (
    IndicatorQuery(institution_ids=None, from_date=date(2009, 1, 1), to_date=date(2026, 11, 1)),
    IndicatorQuery(institution_ids=None, from_date=date(2012, 1, 1), to_date=date(2015, 12, 31),
                   cohort=2013),
)  # fmt: skip


def every_indicator(session: Session) -> list[object]:
    """Every indicator of the registry over a long period and the youth's exit cohort."""
    return [compute_indicators(session, query=q) for q in QUERIES]


def texts_of(session: Session, youth_id: int) -> str:
    """Every free text and name still held on a youth, joined (for "is it gone?")."""
    youth = session.get(Youth, youth_id)
    assert youth is not None
    parts = [youth.first_name, youth.last_name, youth.first_name_ar, youth.search_name,
             str(youth.notes)]  # fmt: skip
    parts += [str(g.guardian_name) for g in session.exec(
        select(Guardianship).where(Guardianship.youth_id == youth_id))]  # fmt: skip
    parts += [f"{c.value} {c.name}" for c in session.exec(
        select(Contact).where(Contact.youth_id == youth_id))]  # fmt: skip
    parts += [f"{r.need} {r.shared} {r.outcome}" for r in session.exec(
        select(Referral).where(Referral.youth_id == youth_id))]  # fmt: skip
    parts += [f"{a.notes} {a.youth_view}" for a in session.exec(
        select(Assessment).where(Assessment.youth_id == youth_id))]  # fmt: skip
    notes = select(CaseNote.id).where(CaseNote.youth_id == youth_id)
    parts += [v.text for v in session.exec(
        select(CaseNoteVersion).where(CaseNoteVersion.note_id.in_(notes)))]  # type: ignore[union-attr]  # fmt: skip
    return " | ".join(parts)
