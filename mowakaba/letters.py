"""Printable letters: the referral letter a partner receives, as HTML (print CSS, A4) and PDF.

A letter is written in its reader's language — a referral letter in the partner's
(`Partner.letter_language`: the first of its languages; Arabic right to left) — from a
Jinja2 template of `templates/letters/`, every string through the catalogs. The youth
appears exactly as the partner sees them in Mowakaba (`referrals.partner_view`: first
name, age, the need and the fields the sender chose to share), never more. The PDF is
made by WeasyPrint, whose Pango shapes Arabic; the fonts are Debian's Noto
(fonts-noto-core).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from mowakaba import i18n
from mowakaba.clock import local_date, now
from mowakaba.enums import EducationLevel, Language, Sex, SharedField, VocationalLevel
from mowakaba.labels import N_, translate
from mowakaba.models import Institution, Partner, PartnerService, User, Youth
from mowakaba.printing import TEMPLATES, Printed, environment, read_style
from mowakaba.services import referrals as referral_service

STYLE = TEMPLATES / "letters" / "letter.css"
# A letter is a printed page like the toolkit's documents (mowakaba/printing.py).
Letter = Printed

SHARED_LABELS = {
    SharedField.last_name: N_("Last name"),
    SharedField.phone: N_("Phone"),
    SharedField.education_level: N_("Education level"),
    SharedField.vocational_level: N_("Vocational level"),
    SharedField.sex: N_("Sex"),
    SharedField.health_details: N_("Health details"),
    SharedField.family_details: N_("Family details"),
}
# The same words as the youth file's (one msgid each in the catalogs).
VALUE_LABELS: dict[SharedField, dict[str, str]] = {
    SharedField.sex: {Sex.female: N_("Female"), Sex.male: N_("Male")},
    SharedField.education_level: {
        EducationLevel.none: N_("No schooling"),
        EducationLevel.primary: N_("Primary school"),
        EducationLevel.lower_secondary: N_("Lower secondary school"),
        EducationLevel.secondary: N_("Secondary school"),
        EducationLevel.university: N_("University"),
    },
    SharedField.vocational_level: {
        VocationalLevel.none: N_("No vocational training"),
        VocationalLevel.basic: N_("Basic qualification"),
        VocationalLevel.qualified: N_("Qualification"),
        VocationalLevel.technician: N_("Technician"),
        VocationalLevel.specialised_technician: N_("Specialised technician"),
    },
}


def style() -> str:
    """The letters' CSS (A4, margins, the Noto fonts; nothing of the site's navigation)."""
    return read_style(STYLE)


def _in(language: Language, latin: str, arabic: str) -> str:
    """A name in the script of the letter's language, the other one when it has none."""
    first, second = (arabic, latin) if language == Language.ar else (latin, arabic)
    return first or second


def shared_rows(view: dict[str, Any], language: Language) -> list[tuple[str, str]]:
    """The shared fields of a partner's view, labelled and put into words in a language."""
    rows = []
    for name, value in view["shared"].items():
        field = SharedField(name)
        words = VALUE_LABELS.get(field, {}).get(str(value))
        rows.append(
            (
                translate(SHARED_LABELS[field], language),
                translate(words, language) if words else str(value),
            )
        )
    return rows


def render_referral_letter(
    session: Session, referral_id: int, *, language: Language | None = None
) -> Letter:
    """Render a referral's letter to its partner, in the partner's language (or `language`)."""
    referral = referral_service.get_referral(session, referral_id)
    partner = session.get(Partner, referral.partner_id)
    service = session.get(PartnerService, referral.service_id)
    institution = session.get(Institution, referral.institution_id)
    youth = session.get(Youth, referral.youth_id)
    assert partner and service and institution and youth
    chosen = language or partner.letter_language
    today = local_date(now(), institution.time_zone)
    view = referral_service.partner_view(session, referral, day=today)
    mediator_id = youth.mediator_id or referral.created_by_id
    mediator = session.get(User, mediator_id) if mediator_id else None

    def day(value: date | None) -> str | None:
        return i18n.format_date(value, chosen, "long") if value else None

    context = {
        **i18n.gettext_functions(chosen),
        "language": chosen.value,
        "direction": i18n.direction(chosen),
        "style": Markup(style()),  # the file is ours, not user input
        "institution": institution.name,
        "region": institution.region,
        "today": day(today),
        "number": referral.id,
        "response_due_date": day(referral.response_due_date),
        "response_days": service.response_days,
        "partner": {
            "name": _in(chosen, partner.name, partner.name_ar),
            "contact_person": partner.contact_person,
            "address": partner.address,
            "phone": partner.phone,
            "email": partner.email,
        },
        "service": _in(chosen, view["service"], view["service_ar"]),
        "youth": {
            "first_name": _in(chosen, view["first_name"], view["first_name_ar"]),
            "age": view["age"],
            "need": view["need"],
            "shared": shared_rows(view, chosen),
        },
        "mediator": mediator.display_name if mediator else "",
    }
    html = environment().get_template("letters/referral.html").render(**context)
    return Letter(
        html=html,
        filename=f"referral-{referral.id}.pdf",
        language=chosen,
        css=style(),
        base_url=TEMPLATES / "letters",
    )
