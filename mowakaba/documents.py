"""The toolkit's printed documents of a youth's case, as HTML (print CSS, A4) and PDF.

The intake assessment, the integration plan with its milestones (signature lines for the
youth, the mediator and the coordinator; the youth's goals in their words and their
agreement), the exit checklist and the follow-up record: Jinja2 templates of
`templates/documents/`, every string through the catalogs, printed like the referral
letters (mowakaba/printing.py). In the youth's language (`Youth.language`) unless another
is asked for, so that a young person can receive a copy of their plan in Arabic.
"""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup
from sqlmodel import Session

from mowakaba import case_labels, i18n
from mowakaba.clock import local_date, now
from mowakaba.enums import Language, PrintedDocument
from mowakaba.printing import TEMPLATES, Printed, environment, read_style
from mowakaba.services import printables as printable_service

STYLES = (TEMPLATES / "letters" / "letter.css", TEMPLATES / "documents" / "document.css")
TEMPLATE = {
    PrintedDocument.intake_assessment: "documents/intake_assessment.html",
    PrintedDocument.plan: "documents/plan.html",
    PrintedDocument.exit_checklist: "documents/exit_checklist.html",
    PrintedDocument.follow_up: "documents/follow_up.html",
}
LABELS = {
    name.lower(): getattr(case_labels, name)
    for name in dir(case_labels)
    if name.endswith("_LABELS")
}


def style() -> str:
    """The documents' CSS: the letters' page (A4, fonts, letterhead) and the documents' tables."""
    return read_style(*STYLES)


def _in(language: Language, latin: str, arabic: str) -> str:
    """A name in the script of the document's language, the other one when it has none."""
    first, second = (arabic, latin) if language == Language.ar else (latin, arabic)
    return first or second


def render_document(
    session: Session,
    *,
    youth_id: int,
    document: PrintedDocument,
    language: Language | None = None,
    sensitive: bool = True,
) -> Printed:
    """Render one document of a youth's case, in the youth's language (or `language`)."""
    case = printable_service.gather_document(
        session, youth_id=youth_id, document=document, sensitive=sensitive
    )
    youth, institution = case.youth, case.institution
    chosen = language or youth.language
    today = local_date(now(), institution.time_zone)

    def day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = local_date(value, institution.time_zone)
        return i18n.format_date(value, chosen, "long")

    context = {
        **i18n.gettext_functions(chosen),
        **LABELS,
        "language": chosen.value,
        "direction": i18n.direction(chosen),
        "style": Markup(style()),  # the files are ours, not user input
        "document": document.value,
        "day": day,
        "number": lambda value: i18n.format_number(value, chosen),
        "institution": institution.name,
        "region": institution.region,
        "today": day(today),
        "youth": {
            "id": youth.id,
            "name": " ".join(
                part
                for part in (
                    _in(chosen, youth.first_name, youth.first_name_ar),
                    _in(chosen, youth.last_name, youth.last_name_ar),
                )
                if part
            ),  # fmt: skip
            "code": youth.code,
            "born": day(youth.date_of_birth),
            "presumed": youth.date_of_birth_presumed,
            "age": printable_service.age_on(youth.date_of_birth, today),
        },
        "mediator": case.mediator,
        "sensitive": case.sensitive,
        **case.part,
    }
    html = environment().get_template(TEMPLATE[document]).render(**context)
    return Printed(
        html=html,
        filename=f"{document.value}-{youth.code}-{chosen.value}.pdf",
        language=chosen,
        css=style(),
        base_url=TEMPLATES / "documents",
    )
