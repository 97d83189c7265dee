"""The demo's case files: notes, contact details, documents, the youth's voice, incidents, an
SMS agreement and a transfer waiting — made through the services at the demo's dates, so
that timelines, work items and escalations are the real ones.

Run after the referrals (`mowakaba.sim.demo.seed_demo`); it ends with one sweep at today, so
that the runaway not back asks for its decision and the ID card about to expire for its
renewal. Deterministic: youths are picked by id and stage, texts by their position. Seeding
twice writes nothing the second time (a database with notes is left as it is).
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from mowakaba import clock
from mowakaba.casework_schemas import ContactsIn, DocumentUpload, NoteCorrectionIn, NoteIn
from mowakaba.enums import (
    AgreementMethod,
    DocumentKind,
    IncidentKind,
    Language,
    NoteKind,
    NoteParty,
    PlanStatus,
    Role,
    Sensitivity,
    Stage,
    WorkItemKind,
)
from mowakaba.incident_schemas import IncidentReport, SmsAgreement
from mowakaba.models import CaseNote, Document, Institution, Plan, User, Youth
from mowakaba.schemas import AgreementIn
from mowakaba.services import documents as document_service
from mowakaba.services import incidents as incident_service
from mowakaba.services import sweep as sweep_service
from mowakaba.services import transfers as transfer_service
from mowakaba.services import users as user_service
from mowakaba.services import voice as voice_service
from mowakaba.services.case_notes import correct_note, write_note
from mowakaba.services.contacts import update_contacts
from mowakaba.services.documents import content, storage
from mowakaba.services.work_items import open_items
from mowakaba.sim.cohort import morning

log = logging.getLogger("mowakaba.demo")

IN_CARE = (Stage.intake, Stage.planning, Stage.active, Stage.exit_preparation)
LEFT = (Stage.exited, Stage.follow_up)
Y, F, P, S = NoteParty.youth, NoteParty.family, NoteParty.partner, NoteParty.school

# ---------------------------------------------------------------- what the mediators write


@dataclass(frozen=True)
class Note:
    """A note as a mediator writes it, in French and in Arabic, `days` before today."""

    kind: NoteKind
    with_whom: tuple[NoteParty, ...]
    days: int
    fr: str
    ar: str
    sensitivity: Sensitivity = Sensitivity.none


NOTES = (
    Note(NoteKind.visit, (Y,), 6,
         "Entretien individuel à l'établissement. Le jeune est motivé par la formation en "
         "électricité ; il demande de l'aide pour préparer le dossier d'inscription.",
         "مقابلة فردية بالمؤسسة. الشاب متحمس للتكوين في الكهرباء، ويطلب المساعدة في إعداد "
         "ملف التسجيل."),
    Note(NoteKind.call, (S,), 15,
         "Appel au collège : assiduité en hausse depuis la rentrée, deux absences ce mois-ci. "
         "Le professeur principal propose un point trimestriel.",
         "اتصال بالإعدادية: تحسن في المواظبة منذ الدخول المدرسي، غيابان هذا الشهر. الأستاذ "
         "الرئيسي يقترح لقاءً كل ثلاثة أشهر."),
    Note(NoteKind.meeting, (Y, P), 24,
         "Rencontre à l'agence ANAPEC avec le jeune : inscription faite, atelier CV prévu "
         "dans deux semaines.",
         "لقاء بوكالة أنابيك مع الشاب: تم التسجيل، وورشة السيرة الذاتية مبرمجة بعد أسبوعين."),
    Note(NoteKind.visit, (Y,), 35,
         "Consultation au centre de santé du quartier : suivi pour une anémie, traitement "
         "prescrit pour trois mois. Rendez-vous de contrôle à prévoir.",
         "فحص بالمركز الصحي للحي: تتبع حالة فقر الدم، وصف علاج لمدة ثلاثة أشهر. يجب تحديد "
         "موعد للمراقبة.", Sensitivity.health),
    Note(NoteKind.call, (F,), 48,
         "Appel de la tante maternelle : elle souhaite reprendre contact. Tensions anciennes "
         "avec le père ; pas de visite sans l'accord du jeune.",
         "اتصال من الخالة: ترغب في استئناف التواصل. خلافات قديمة مع الأب؛ لا زيارة دون موافقة "
         "الشاب.", Sensitivity.family),
    Note(NoteKind.meeting, (Y, P), 62,
         "Audience au tribunal de première instance avec l'avocat commis d'office ; l'affaire "
         "est renvoyée. Le jeune est inquiet, à accompagner à la prochaine date.",
         "جلسة بالمحكمة الابتدائية مع المحامي المعين في إطار المساعدة القضائية؛ تم تأجيل "
         "القضية. الشاب قلق ويجب مرافقته في الموعد القادم.", Sensitivity.justice),
    Note(NoteKind.message, (Y,), 3,
         "Message du jeune : il a trouvé un stage de trois semaines dans un atelier de "
         "menuiserie et demande l'autorisation de sortie.",
         "رسالة من الشاب: وجد تدريبا لمدة ثلاثة أسابيع في ورشة للنجارة ويطلب إذن الخروج."),
)  # fmt: skip
# Three notes a youth, one of them sensitive for a youth in three.
PICKS = ((0, 1, 3), (2, 6, 4), (1, 0, 5), (6, 2, 1), (0, 2, 6), (1, 6, 2))
# The first youth's call, dated wrongly, corrected the next day (a second version).
CORRECTION = {
    False: "Date corrigée : l'appel a eu lieu le lundi, pas le mercredi.",
    True: "تصحيح التاريخ: جرى الاتصال يوم الاثنين وليس يوم الأربعاء.",
}

STREETS = (
    ("Hay Mohammadi, rue 12, n° 7, Casablanca", "حي المحمدي، زنقة 12، رقم 7، الدار البيضاء"),
    ("Derb Sultan, rue 45, n° 3, Casablanca", "درب السلطان، زنقة 45، رقم 3، الدار البيضاء"),
    ("Bensouda, lotissement Amal, n° 22, Fès", "بنسودة، تجزئة الأمل، رقم 22، فاس"),
    ("Zouagha, rue 8, n° 15, Fès", "زواغة، زنقة 8، رقم 15، فاس"),
)
TRUSTED = (
    ("Rachida Benjelloun", "tante maternelle"), ("Mustapha Alami", "ancien éducateur"),
    ("Latifa Sbai", "voisine"), ("Abdelkrim Naji", "patron de stage"),
)  # fmt: skip


def phone(n: int) -> str:
    """A Moroccan mobile number, as written (fictional: the 0600 range)."""
    return f"06 00 {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}"


# ---------------------------------------------------------------- files


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A small one-page PDF (Helvetica, Latin-1 text), written by hand: no library, and the
    same bytes every time."""
    text = ["BT /F1 16 Tf 60 780 Td (" + _pdf_text(title) + ") Tj ET"]
    for n, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 60 {740 - 18 * n} Td (" + _pdf_text(line) + ") Tj ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref,
    )  # fmt: skip
    return bytes(out)


def _pdf_text(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def id_card_png(name: str, number: str, expiry: date) -> bytes:
    """A specimen national ID card as a PNG (Pillow), clearly marked as a demo."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (428, 270), (226, 236, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 427, 40), fill=(160, 30, 40))
    draw.text((12, 14), "ROYAUME DU MAROC - CARTE NATIONALE D'IDENTITE", fill="white")
    draw.rectangle((14, 60, 124, 200), outline=(90, 90, 90), fill=(200, 200, 200))
    for n, line in enumerate(
        (name, f"N. {number}", f"Valable jusqu'au {expiry:%d.%m.%Y}", "SPECIMEN - DEMONSTRATION")
    ):
        draw.text((140, 70 + 32 * n), line, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------- the seeding


@dataclass
class Casework:
    """Writes the case files of the demo's youths, at their dates."""

    session: Session
    today: date
    done: Counter[str] = field(default_factory=Counter)

    def youths(self, *stages: Stage) -> list[Youth]:
        """The youths at these stages, the first mediator's first (`med1.casa` in the demo,
        whom the README signs in with), then by id."""
        first = self.session.exec(
            select(User.id).where(User.role == Role.mediator).order_by(col(User.id))
        ).first()
        found = self.session.exec(
            select(Youth).where(col(Youth.stage).in_(stages), col(Youth.mediator_id).is_not(None))
            .order_by(col(Youth.id))
        )  # fmt: skip
        return sorted(found, key=lambda y: y.mediator_id != first)

    def mediator(self, youth: Youth) -> User:
        mediator = self.session.get(User, youth.mediator_id)
        assert mediator is not None
        return mediator

    def coordinator(self, youth: Youth) -> User:
        return user_service.coordinators_of(self.session, youth.institution_id)[0]

    def day(self, youth: Youth, days_ago: int) -> date:
        """A day `days_ago` before today, not before the youth's registration."""
        return max(youth.registered_date, self.today - timedelta(days=days_ago))

    def phones(self) -> None:
        """Phone numbers for the people of the institutions (incidents reach them by SMS)."""
        staff = [u for u in user_service.list_users(self.session)
                 if u.role in (Role.coordinator, Role.mediator, Role.supervisor)]  # fmt: skip
        for n, user in enumerate(staff):
            user.phone = phone(610000 + 1111 * n)  # no service sets it (see the report)
            self.session.add(user)

    def notes(self, youths: list[Youth]) -> None:
        """Three notes per youth in care or in follow-up, in French or Arabic; the first
        youth's call is corrected (a second version)."""
        for n, youth in enumerate(youths):
            arabic = youth.id is not None and youth.id % 2 == 0
            for pick in PICKS[n % len(PICKS)]:
                note = NOTES[pick]
                day = self.day(youth, note.days + n % 5)
                with clock.frozen_at(morning(day, 16)):
                    written = write_note(self.session, youth=youth, actor=self.mediator(youth),
                                         today=day, at=morning(day, 16), data=NoteIn(
                        kind=note.kind, with_whom=list(note.with_whom), contact_date=day,
                        text=note.ar if arabic else note.fr, sensitivity=note.sensitivity,
                    ))  # fmt: skip
                self.done["notes"] += 1
                if n == 0 and note.kind == NoteKind.call and not self.done["corrected"]:
                    later = min(self.today, day + timedelta(days=1))
                    with clock.frozen_at(morning(later, 10)):
                        correction = NoteCorrectionIn(
                            reason=CORRECTION[arabic], contact_date=day - timedelta(days=2)
                        )
                        correct_note(self.session, youth=youth, note_id=written.pk,
                                     data=correction, actor=self.mediator(youth), today=later,
                                     at=morning(later, 10))  # fmt: skip
                    self.done["corrected"] += 1

    def contacts(self, youths: list[Youth]) -> None:
        """Current details for every youth; one in four unconfirmed for over 180 days;
        two trusted persons for each leaver in follow-up."""
        for n, youth in enumerate(youths):
            stale = n % 4 == 3 or youth.not_in_touch
            day = self.day(youth, 200 + 7 * n if stale else 5 + 3 * n % 60)
            street, street_ar = STREETS[n % len(STREETS)]
            data: dict[str, str | date] = {
                "phone": phone(200000 + 137 * n),
                "address": street_ar if n % 2 else street,
                "confirmed_date": day,
            }
            if youth.stage in LEFT:
                for slot, (name, relation) in enumerate(
                    (TRUSTED[n % 4], TRUSTED[(n + 1) % 4]), start=1
                ):
                    data |= {f"trusted_{slot}_name": name, f"trusted_{slot}_relation": relation,
                             f"trusted_{slot}_phone": phone(300000 + 211 * n + slot)}  # fmt: skip
            with clock.frozen_at(morning(day, 17)):
                update_contacts(self.session, youth=youth, actor=self.mediator(youth),
                                data=ContactsIn.model_validate(data), today=day,
                                at=morning(day, 17))  # fmt: skip
            self.done["contacts"] += 1

    def upload(
        self, youth: Youth, *, data: DocumentUpload, body: bytes, name: str, days_ago: int
    ) -> Document:
        """Store a file and record it, as the upload route does (the file removed if the
        row fails)."""
        upload = storage.store_chunks([body])
        stored = None
        try:
            kind = content.check_content(upload.part, head=upload.head, declared=None)
            stored = upload.finish()
            at = morning(self.day(youth, days_ago), 15)
            with clock.frozen_at(at):
                document = document_service.add_document(
                    self.session, youth=youth, data=data, stored=stored, content_type=kind,
                    original_name=name, actor=self.mediator(youth), at=at,
                )  # fmt: skip
        except BaseException:
            if stored is None:
                upload.abort()
            else:
                storage.discard(stored.stored_name)
            raise
        self.done["documents"] += 1
        return document

    def documents(self, in_care: list[Youth]) -> Youth | None:
        """An ID card expiring in 40 days (its renewal comes with the sweep) and birth
        certificates, on youths preparing their exit first (they meet checklist items).
        Returns the youth with the ID card."""
        leaving = [y for y in in_care if y.stage == Stage.exit_preparation]
        others = [y for y in in_care if y.stage != Stage.exit_preparation]
        with_item = [y for y in leaving if self.open_item(y, "national_id_card")] + others
        carded = with_item[0] if with_item else None
        if carded is not None:
            youth = carded
            expiry = self.today + timedelta(days=40)
            self.upload(youth, name="CNIE.png", days_ago=12, body=id_card_png(
                f"{youth.first_name} {youth.last_name}".upper(), f"BK{400000 + youth.pk}", expiry,
            ), data=DocumentUpload(kind=DocumentKind.national_id_card, expiry_date=expiry,
                                   issued_date=expiry - timedelta(days=3652)))  # fmt: skip
        certificates = [y for y in leaving if self.open_item(y, "birth_certificate")][:3]
        for youth in certificates or others[1:2]:
            issued = self.day(youth, 30)
            body = pdf_bytes("Royaume du Maroc - Extrait d'acte de naissance", [
                f"Nom : {youth.last_name}   Prénom : {youth.first_name}",
                f"Né(e) le : {youth.date_of_birth:%d/%m/%Y}",
                f"Délivré le : {issued:%d/%m/%Y}",
                "Document de démonstration - sans valeur officielle",
            ])  # fmt: skip
            data = DocumentUpload(kind=DocumentKind.birth_certificate, issued_date=issued)
            self.upload(youth, name="extrait-acte-naissance.pdf", days_ago=10, body=body,
                        data=data)  # fmt: skip
        return carded

    def open_item(self, youth: Youth, subject: str) -> bool:
        items = open_items(self.session, youth_id=youth.pk,
                           kinds={WorkItemKind.exit_checklist_item})  # fmt: skip
        return any(i.subject == subject for i in items)

    def voices(self, in_care: list[Youth]) -> None:
        """Two approved plans waiting for the youth's agreement: one confirmed in person
        before a witness, one signed on paper (its copy uploaded)."""
        plans = [
            plan for youth in in_care for plan in self.session.exec(
                select(Plan).where(Plan.youth_id == youth.id, Plan.status == PlanStatus.approved,
                                   col(Plan.agreement_method).is_(None))
            )
        ]  # fmt: skip
        for n, plan in enumerate(plans[:2]):
            youth = self.session.get(Youth, plan.youth_id)
            assert youth is not None and plan.decided_at is not None
            day = max(clock.local_date(plan.decided_at, "Africa/Casablanca"), self.day(youth, 20))
            method = AgreementMethod.in_person if n == 0 else AgreementMethod.signed_on_paper
            agreement = AgreementIn(
                agreement_method=method, agreement_date=day,
                agreement_witness_name="Nadia Kettani" if n == 0 else None,
                agreement_witness_role="éducatrice de l'établissement" if n == 0 else None,
            )  # fmt: skip
            with clock.frozen_at(morning(day, 12)):
                voice_service.record_agreement(self.session, youth_id=youth.pk,
                                               version=plan.version, actor=self.mediator(youth),
                                               data=agreement, as_of=morning(day, 12))  # fmt: skip
            self.done["agreements"] += 1
            if method == AgreementMethod.signed_on_paper:
                self.upload(youth, name="projet-signe.pdf", days_ago=(self.today - day).days,
                            body=pdf_bytes(f"Projet individuel d'insertion - version "
                                           f"{plan.version}", [
                                f"Jeune : {youth.first_name} {youth.last_name}",
                                f"Lu et approuvé, signé le {day:%d/%m/%Y}",
                                "Signatures : le jeune, le médiateur, le coordinateur",
                            ]), data=DocumentUpload(kind=DocumentKind.signed_plan,
                                                    issued_date=day, plan_id=plan.pk))  # fmt: skip

    def incidents(self, in_care: list[Youth], carded: Youth | None) -> set[int]:
        """A hospitalisation acknowledged (of the youth with the ID card: one file shows
        most), and a runaway nine days ago, not back: the sweep asks the coordinators to
        decide. Returns the two youths' ids."""
        candidates = [y for y in in_care if y.stage in (Stage.active, Stage.exit_preparation)]
        if len(candidates) < 2:
            candidates = in_care
        if len(candidates) < 2:
            return set()
        if carded is not None and carded in candidates:
            candidates.remove(carded)
            candidates.insert(1, carded)
        stories = (
            (candidates[1], IncidentKind.hospitalisation, 5,
             "Admis aux urgences de l'hôpital provincial pour une crise d'asthme ; gardé deux "
             "nuits en observation."),
            (candidates[0], IncidentKind.runaway, 9,
             "N'est pas rentré au foyer après la sortie du vendredi ; téléphone éteint. "
             "Déclaration faite au commissariat."),
        )  # fmt: skip
        for youth, kind, days, text in stories:
            day = self.today - timedelta(days=days)
            with clock.frozen_at(morning(day, 22)):
                incident = incident_service.record_incident(
                    self.session, youth_id=youth.pk, actor=self.mediator(youth),
                    report=IncidentReport(kind=kind, occurred_at=morning(day, 20),
                                          description=text),
                    as_of=morning(day, 22),
                )  # fmt: skip
            with clock.frozen_at(morning(day + timedelta(days=1), 9)):
                incident_service.acknowledge_incident(
                    self.session, incident_id=incident.pk, actor=self.coordinator(youth),
                    note="Pris en charge, famille prévenue.", as_of=morning(day + timedelta(1), 9),
                )  # fmt: skip
            self.done["incidents"] += 1
        return {youth.pk for youth, *_ in stories}

    def sms(self, leavers: list[Youth]) -> None:
        """One leaver in follow-up agreed to SMS reminders of their appointments."""
        followed = [y for y in leavers if y.stage == Stage.follow_up and not y.not_in_touch]
        if not followed:
            return
        youth = followed[0]
        day = max(youth.exit_date or youth.registered_date, self.today - timedelta(days=60))
        with clock.frozen_at(morning(day, 11)):
            incident_service.set_sms_agreement(
                self.session, youth_id=youth.pk, actor=self.mediator(youth),
                agreement=SmsAgreement(agreed=True, agreed_date=day, language=Language.ar),
                as_of=morning(day, 11),
            )  # fmt: skip
        self.done["sms_agreements"] += 1

    def transfer(self, in_care: list[Youth], busy: set[int]) -> None:
        """A placement change asked two days ago, waiting for the other coordinator."""
        first, *others = [i.pk for i in self.session.exec(
            select(Institution).order_by(col(Institution.id)))]  # fmt: skip
        youths = [y for y in in_care if y.institution_id == first and y.pk not in busy]
        if not youths or not others:
            return
        youth, day = youths[0], self.today - timedelta(days=2)
        with clock.frozen_at(morning(day, 10)):
            transfer_service.request_transfer(
                self.session, youth_id=youth.pk, actor=self.coordinator(youth),
                to_institution_id=others[0], as_of=morning(day, 10),
                reason="Rapprochement familial : la grand-mère, seule famille joignable, "
                "habite à Fès.",
            )  # fmt: skip
        self.done["transfers"] += 1


def seed_casework(session: Session, *, today: date) -> Counter[str]:
    """Write the demo youths' case files (nothing if notes exist already); what was written."""
    casework = Casework(session, today)
    if session.exec(select(func.count()).select_from(CaseNote)).one():
        return casework.done
    casework.phones()
    in_care, leavers = casework.youths(*IN_CARE), casework.youths(*LEFT)
    casework.notes(in_care + leavers)
    casework.contacts(in_care + leavers)
    carded = casework.documents(in_care)
    casework.voices(in_care)
    busy = casework.incidents(in_care, carded)
    casework.sms(leavers)
    casework.transfer(in_care, busy | {d.youth_id for d in session.exec(select(Document))})
    # The sweep of today: the runaway's decision, the ID card's renewal, the SMS reminders.
    with clock.frozen_at(morning(today, 15)):
        counts = sweep_service.sweep(session, morning(today, 15))
    casework.done["runaway_decisions"] = counts.as_dict().get("runaway_decisions", 0)
    casework.done["document_renewals"] = counts.as_dict().get("document_renewals", 0)
    return casework.done
