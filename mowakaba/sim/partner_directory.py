"""The actors map of the demo and of `mowakaba simulate`: Moroccan partners across the
eight axes (OFPPT, ANAPEC, health centres, AMO help, housing, civil status, youth centre,
INDH, Entraide Nationale, family mediation, life skills, a cooperative, a bank), their
baskets of services with who is eligible (conditions as data), response and delivery
times; two of them have an account (`partner.<slug>`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from mowakaba.enums import Axis, ChecklistItem, PartnerKind, Role
from mowakaba.models import User
from mowakaba.schemas import PartnerIn, ServiceIn
from mowakaba.services import partners as partner_service

CASA, FES = "Casablanca-Settat", "Fès-Meknès"
AGE_18_30 = [{"kind": "age", "min": 18, "max": 30}]


@dataclass(frozen=True)
class ServiceSpec:
    axis: Axis
    name: str
    name_ar: str
    description: str
    eligibility: list[dict[str, Any]] = field(default_factory=list)
    response_days: int = 5
    delivery_days: int = 30
    capacity_per_month: int | None = None
    checklist_item: ChecklistItem | None = None


@dataclass(frozen=True)
class PartnerSpec:
    slug: str
    name: str
    name_ar: str
    kind: PartnerKind
    regions: list[str]
    languages: list[str]
    contact_person: str
    phone: str
    address: str
    services: list[ServiceSpec]
    account: bool = False  # a partner account, `partner.<slug>`


A, E, H, S = Axis.education_training, Axis.employment, Axis.health, Axis.social_assistance
PARTNERS = [
    PartnerSpec(
        "ofppt", "Centre de formation professionnelle OFPPT Hay Hassani",
        "مركز التكوين المهني الحي الحسني - مكتب التكوين المهني وإنعاش الشغل",
        PartnerKind.public_body, [CASA], ["fr", "ar"], "M. Rachid Bennani", "0522 93 11 40",
        "Bd Oued Daraa, Hay Hassani, Casablanca",
        [
            ServiceSpec(A, "Formation qualifiante (niveau qualification)",
                        "تكوين تأهيلي (مستوى التأهيل)",
                        "Deux ans en électricité, plomberie, cuisine ou couture.",
                        [{"kind": "age", "min": 15, "max": 30},
                         {"kind": "education_level", "min": "primary"}],
                        response_days=10, delivery_days=60, capacity_per_month=6,
                        checklist_item=ChecklistItem.income_or_training),
            ServiceSpec(A, "Formation de technicien", "تكوين تقني",
                        "Deux ans, sur dossier, au niveau du baccalauréat.",
                        [{"kind": "age", "min": 17, "max": 30},
                         {"kind": "education_level", "min": "secondary"}],
                        response_days=10, delivery_days=60,
                        checklist_item=ChecklistItem.income_or_training),
        ],
        account=True,
    ),
    PartnerSpec(
        "anapec", "ANAPEC Agence Casablanca Anfa",
        "الوكالة الوطنية لإنعاش التشغيل والكفاءات - وكالة أنفا",
        PartnerKind.public_body, [CASA], ["fr", "ar"], "Mme Samira El Fassi", "0522 36 42 10",
        "Angle Bd Zerktouni et rue Al Moutanabbi, Casablanca",
        [
            ServiceSpec(E, "Atelier de recherche d'emploi (CV, entretien)",
                        "ورشة البحث عن الشغل (السيرة الذاتية، المقابلة)",
                        "Trois demi-journées en groupe, puis un conseiller attitré.",
                        [{"kind": "age", "min": 18, "max": 35}], response_days=5,
                        delivery_days=21),
            ServiceSpec(E, "Programme Idmaj : premier contrat d'insertion",
                        "برنامج إدماج: عقد الإدماج الأول",
                        "Stage en entreprise de 6 à 24 mois avec exonérations.",
                        [{"kind": "age", "min": 18, "max": 35},
                         {"kind": "education_level", "min": "secondary"}],
                        response_days=7, delivery_days=90,
                        checklist_item=ChecklistItem.income_or_training),
        ],
        account=True,
    ),
    PartnerSpec(
        "anapec-fes", "ANAPEC Agence Fès Saïs",
        "الوكالة الوطنية لإنعاش التشغيل والكفاءات - وكالة فاس سايس",
        PartnerKind.public_body, [FES], ["fr", "ar"], "M. Adil Tazi", "0535 65 20 30",
        "Avenue Allal El Fassi, Fès",
        [
            ServiceSpec(E, "Programme Tahfiz : emploi en TPE",
                        "برنامج تحفيز: التشغيل في المقاولات الصغيرة جدا",
                        "Placement dans une très petite entreprise qui recrute.",
                        AGE_18_30, response_days=7, delivery_days=60,
                        checklist_item=ChecklistItem.income_or_training),
        ],
    ),
    PartnerSpec(
        "csu-ainchock", "Centre de santé urbain Ain Chock", "المركز الصحي الحضري عين الشق",
        PartnerKind.public_body, [CASA], ["ar", "fr"], "Dr Nadia Berrada", "0522 21 45 67",
        "Rue 12, Ain Chock, Casablanca",
        [
            ServiceSpec(H, "Bilan de santé", "فحص طبي شامل", "Consultation, analyses, vaccins.",
                        response_days=3, delivery_days=14),
            ServiceSpec(H, "Suivi psychologique", "تتبع نفسي",
                        "Entretiens avec la psychologue du centre, un par semaine.",
                        [{"kind": "age", "min": 12}], response_days=5, delivery_days=90),
        ],
    ),
    PartnerSpec(
        "csu-fes", "Centre de santé Bab Ftouh", "المركز الصحي باب فتوح",
        PartnerKind.public_body, [FES], ["ar"], "Dr Karim Alami", "0535 63 10 22",
        "Bab Ftouh, Fès",
        [ServiceSpec(H, "Bilan de santé", "فحص طبي شامل", "Consultation, analyses, vaccins.",
                     response_days=3, delivery_days=14)],
    ),
    PartnerSpec(
        "cnss-amo", "CNSS – Guichet AMO Tadamon",
        "الصندوق الوطني للضمان الاجتماعي - شباك التأمين الإجباري عن المرض تضامن",
        PartnerKind.public_body, [], ["fr", "ar"], "Guichet AMO", "0801 00 39 39",
        "Agences CNSS de Casablanca et de Fès",
        [
            ServiceSpec(H, "Aide à l'immatriculation à l'AMO",
                        "المساعدة على التسجيل في التأمين الإجباري عن المرض",
                        "Constitution du dossier et immatriculation à l'AMO Tadamon.",
                        [{"kind": "age", "min": 16}], response_days=5, delivery_days=30,
                        checklist_item=ChecklistItem.health_coverage),
        ],
    ),
    PartnerSpec(
        "dar-tawfiq", "Association Dar Tawfiq – logement de transition",
        "جمعية دار التوفيق للسكن الانتقالي",
        PartnerKind.association, [CASA], ["ar", "fr"], "Mme Latifa Chraibi", "0661 22 33 44",
        "Derb Sultan, Casablanca",
        [
            ServiceSpec(Axis.housing, "Logement de transition (foyer)", "سكن انتقالي (دار الإيواء)",
                        "Une chambre pour six à douze mois, avec un éducateur.",
                        [{"kind": "age", "min": 17, "max": 23}], response_days=7,
                        delivery_days=30, capacity_per_month=2,
                        checklist_item=ChecklistItem.housing),
            ServiceSpec(Axis.housing, "Colocation accompagnée", "سكن مشترك مؤطر",
                        "Une place en colocation et une aide au loyer dégressive.",
                        AGE_18_30, response_days=10, delivery_days=45,
                        checklist_item=ChecklistItem.housing),
        ],
    ),
    PartnerSpec(
        "etat-civil", "Bureau d'état civil – Arrondissement Ain Chock",
        "مكتب الحالة المدنية - مقاطعة عين الشق",
        PartnerKind.public_body, [CASA], ["ar"], "Officier d'état civil", "0522 50 12 12",
        "Siège de l'arrondissement, Ain Chock",
        [
            ServiceSpec(S, "Extrait d'acte de naissance et inscription tardive",
                        "نسخة من عقد الازدياد والتسجيل المتأخر",
                        "Recherche du registre, copie intégrale ou jugement déclaratif.",
                        response_days=3, delivery_days=15,
                        checklist_item=ChecklistItem.birth_certificate),
        ],
    ),
    PartnerSpec(
        "cnie-fes", "DGSN – Bureau de la carte nationale, Fès",
        "المديرية العامة للأمن الوطني - مكتب البطاقة الوطنية بفاس",
        PartnerKind.public_body, [FES], ["ar", "fr"], "Bureau CNIE", "0535 62 20 20",
        "Préfecture de police, Fès",
        [
            ServiceSpec(S, "Carte nationale d'identité (CNIE)",
                        "البطاقة الوطنية للتعريف الإلكترونية",
                        "Rendez-vous, empreintes et retrait de la carte.",
                        [{"kind": "age", "min": 16},
                         {"kind": "document", "has": "birth_certificate"}],
                        response_days=5, delivery_days=30,
                        checklist_item=ChecklistItem.national_id_card),
        ],
    ),
    PartnerSpec(
        "dar-chabab", "Maison des jeunes Hay Mohammadi", "دار الشباب الحي المحمدي",
        PartnerKind.public_body, [CASA], ["ar"], "M. Youssef Amrani", "0522 62 40 50",
        "Hay Mohammadi, Casablanca",
        [
            ServiceSpec(Axis.social_participation, "Activités sportives et culturelles",
                        "أنشطة رياضية وثقافية", "Football, théâtre, musique, sorties.",
                        [{"kind": "age", "min": 12, "max": 30}], response_days=5,
                        delivery_days=30),
            ServiceSpec(Axis.social_participation, "Bénévolat et mentorat", "التطوع والمرافقة",
                        "Un mentor bénévole et des actions dans le quartier.",
                        [{"kind": "age", "min": 15, "max": 30}], response_days=7,
                        delivery_days=60),
        ],
    ),
    PartnerSpec(
        "indh-fes", "INDH – Plateforme des jeunes de Fès",
        "المبادرة الوطنية للتنمية البشرية - منصة الشباب بفاس",
        PartnerKind.public_body, [FES], ["fr", "ar"], "Mme Houda Kettani", "0535 94 11 00",
        "Avenue des FAR, Fès",
        [
            ServiceSpec(E, "Accompagnement à la création d'activité", "المواكبة لإحداث مشروع",
                        "Orientation, formation à l'entrepreneuriat et aide au financement.",
                        [{"kind": "age", "min": 18, "max": 35}], response_days=10,
                        delivery_days=120, checklist_item=ChecklistItem.income_or_training),
            ServiceSpec(A, "École de la deuxième chance", "مدرسة الفرصة الثانية",
                        "Remise à niveau et préparation à la formation professionnelle.",
                        [{"kind": "age", "min": 14, "max": 22},
                         {"kind": "education_level", "max": "lower_secondary"}],
                        response_days=7, delivery_days=30),
        ],
    ),
    PartnerSpec(
        "entraide", "Entraide Nationale – Délégation de Casablanca",
        "التعاون الوطني - مندوبية الدار البيضاء",
        PartnerKind.public_body, [CASA, FES], ["ar", "fr"], "M. Hassan Ouazzani", "0522 27 60 60",
        "Rue Abou Baker Al Kadiri, Casablanca",
        [
            ServiceSpec(S, "Aide sociale d'urgence", "مساعدة اجتماعية استعجالية",
                        "Kit d'installation, aide ponctuelle à la sortie.",
                        [{"kind": "stage", "in": ["exit_preparation", "exited", "follow_up"]}],
                        response_days=3, delivery_days=10),
            ServiceSpec(A, "Centre d'éducation et de formation (couture, coiffure)",
                        "مركز التربية والتكوين (الخياطة، الحلاقة)",
                        "Formation de dix mois dans un centre de l'Entraide.",
                        [{"kind": "sex", "is": "female"}, {"kind": "age", "min": 15, "max": 30}],
                        response_days=7, delivery_days=45,
                        checklist_item=ChecklistItem.income_or_training),
        ],
    ),
    PartnerSpec(
        "amali", "Association Amali pour la médiation familiale", "جمعية أملي للوساطة الأسرية",
        PartnerKind.association, [CASA, FES], ["ar", "fr"], "Mme Zineb Lahlou", "0662 45 78 90",
        "Maarif, Casablanca",
        [
            ServiceSpec(Axis.family_relations, "Médiation et reprise de contact avec la famille",
                        "الوساطة وإعادة ربط الاتصال بالأسرة",
                        "Recherche de la famille, rencontres préparées, suivi.",
                        response_days=7, delivery_days=90),
        ],
    ),
    PartnerSpec(
        "jeunes", "Association Jeunes pour Jeunes – compétences de vie",
        "جمعية شباب من أجل الشباب - المهارات الحياتية",
        PartnerKind.association, [CASA, FES], ["fr", "ar"], "M. Omar Sqalli", "0663 11 22 33",
        "Centre-ville, Fès",
        [
            ServiceSpec(Axis.life_skills, "Atelier compétences de vie (budget, démarches)",
                        "ورشة المهارات الحياتية (الميزانية، الإجراءات الإدارية)",
                        "Dix séances : budget, logement, démarches, santé.",
                        [{"kind": "age", "min": 15, "max": 25}], response_days=5,
                        delivery_days=45),
        ],
    ),
    PartnerSpec(
        "nisae", "Coopérative Nisae Al Khayr (couture)", "تعاونية نساء الخير للخياطة",
        PartnerKind.cooperative, [FES], ["ar"], "Mme Fatima Idrissi", "0664 98 76 54",
        "Médina, Fès",
        [
            ServiceSpec(E, "Stage rémunéré en atelier de couture", "تدريب مؤدى عنه في ورشة الخياطة",
                        "Six mois en atelier, puis une place de coopératrice.",
                        [{"kind": "sex", "is": "female"}, {"kind": "age", "min": 18}],
                        response_days=5, delivery_days=30,
                        checklist_item=ChecklistItem.income_or_training),
        ],
    ),
    PartnerSpec(
        "barid", "Al Barid Bank – Agence Fès Batha", "بريد بنك - وكالة فاس البطحاء",
        PartnerKind.company, [FES], ["fr", "ar"], "Chargée de clientèle", "0535 74 12 12",
        "Place Batha, Fès",
        [
            ServiceSpec(S, "Ouverture d'un compte sans frais", "فتح حساب بنكي بدون مصاريف",
                        "Compte et carte, sur présentation de la CNIE.",
                        [{"kind": "age", "min": 18},
                         {"kind": "document", "has": "national_id_card"}],
                        response_days=3, delivery_days=10,
                        checklist_item=ChecklistItem.bank_account),
        ],
    ),
]  # fmt: skip


def seed_partners(
    session: Session, *, create_user: Callable[..., User] | None, nationwide: bool = False
) -> list[tuple[str, str, str]]:
    """Create the directory and (with `create_user`) the partner accounts; return the
    accounts (name, role, where). `nationwide`: every partner serves every region (a
    simulated programme's institutions are all over the country)."""
    accounts = []
    for spec in PARTNERS:
        partner = partner_service.create_partner(
            session,
            data=PartnerIn(
                name=spec.name, name_ar=spec.name_ar, kind=spec.kind,
                regions=[] if nationwide else spec.regions,
                languages=spec.languages, contact_person=spec.contact_person, phone=spec.phone,
                email=f"contact@{spec.slug}.example.ma", address=spec.address,
            ),  # type: ignore[arg-type]
        )  # fmt: skip
        for s in spec.services:
            partner_service.add_service(
                session,
                partner_id=partner.pk,
                data=ServiceIn(
                    axis=s.axis, name=s.name, name_ar=s.name_ar, description=s.description,
                    eligibility=s.eligibility, capacity_per_month=s.capacity_per_month,
                    response_days=s.response_days, delivery_days=s.delivery_days,
                    checklist_item=s.checklist_item,
                ),  # type: ignore[arg-type]
            )  # fmt: skip
        if spec.account and create_user is not None:
            user = create_user(
                session, username=f"partner.{spec.slug}", role=Role.partner,
                partner_id=partner.pk, display_name=spec.contact_person,
                email=f"referrals@{spec.slug}.example.ma",
                language=spec.languages[0],
            )  # fmt: skip
            accounts.append((user.username, "partner", spec.name))
    session.flush()
    return accounts
