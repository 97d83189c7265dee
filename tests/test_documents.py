"""The toolkit's printed documents: each in Arabic, French and English, as HTML and as a PDF
whose text reads; the youth's own words only for the readers who may see them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from mowakaba.clock import frozen_at
from mowakaba.documents import render_document
from mowakaba.enums import ChecklistItem, Language, PrintedDocument, WorkItemKind
from mowakaba.errors import NotFound
from mowakaba.services import completions as completion_service
from mowakaba.services import reconciliation
from tests.factories import assessment, at, item_of, make_world, make_youth, plan
from tests.test_letters import has_arabic, pdf_text

DAY = date(2026, 11, 30)
GOALS = "أريد أن أصبح طباخا وأن أسكن مع صديقي"  # "I want to become a cook and live with my friend"
VIEW = "Je veux travailler vite"


def complete(session, item, actor, payload, day=DAY):
    completion_service.complete_work_item(
        session, work_item_id=item.id, actor=actor, payload=payload, as_of=at(day, 10)
    )
    reconciliation.reconcile_youth(session, item.youth_id, at(day, 10))


@pytest.fixture
def world(session):
    w = make_world(session, as_of=at(DAY))
    w["mediator"].display_name = "Salma Idrissi"
    w["coordinator"].display_name = "Karim Tazi"
    youth, mediator = w["youth"], w["mediator"]
    intake = assessment(3, housing=1)
    intake["axes"]["housing"]["needs"] = "Un logement de transition"
    intake |= {"youth_view": VIEW, "notes": "Suivi psychologique"}
    complete(session, item_of(session, youth, WorkItemKind.intake_assessment), mediator, intake)
    proposal = plan(("housing", DAY + timedelta(days=60)))
    proposal["milestones"][0]["title"] = "سكن انتقالي"
    proposal["youth_goals"] = GOALS
    complete(session, item_of(session, youth, WorkItemKind.integration_plan, "v1"), mediator,
             proposal)  # fmt: skip
    complete(session, item_of(session, youth, WorkItemKind.plan_approval, "v1"), w["coordinator"],
             {"decision": "approve"})  # fmt: skip
    leaver = make_youth(session, w["institution"], mediator, date_of_birth=date(2009, 1, 10),
                        first_name="Nadia", last_name="Amrani", first_name_ar="نادية",
                        last_name_ar="العمراني", as_of=at(DAY))  # fmt: skip
    complete(session, item_of(session, leaver, WorkItemKind.exit_checklist_item,
                              ChecklistItem.national_id_card.value), mediator,
             {"outcome": "done", "note": "CIN reçue"})  # fmt: skip
    complete(session, item_of(session, leaver, WorkItemKind.record_exit), mediator,
             {"exit_date": "2026-11-30", "destination": "transitional_housing"})  # fmt: skip
    first = item_of(session, leaver, WorkItemKind.follow_up_checkpoint, "m1")
    complete(session, first, mediator, {
        "contact": True, "housing": "shared_flat", "activity": "training",
        "health_coverage": True, "id_documents": True, "income": False,
        "support_network": True, "well_being": 4, "notes": "Va bien",
    }, day=date(2026, 12, 30))  # fmt: skip
    w["leaver"] = leaver
    return w


def render(session, youth, document, language=None, sensitive=True):
    with frozen_at(at(date(2027, 1, 4))):
        return render_document(session, youth_id=youth.id, document=document,
                               language=language, sensitive=sensitive)  # fmt: skip


# Words each document must show in each language (the PDF's text, extracted).
EXPECTED = {
    PrintedDocument.intake_assessment: {
        Language.ar: ["التشخيص", "السكن"], Language.fr: ["Diagnostic", "Logement", VIEW],
        Language.en: ["Intake assessment", "Housing", VIEW],
    },
    PrintedDocument.plan: {
        Language.ar: ["البرنامج", "سكن انتقالي", "أريد أن أصبح طباخا"],
        Language.fr: ["Programme individuel", "Salma Idrissi", "Karim Tazi"],
        Language.en: ["Individual integration plan", "Agreement not yet recorded", "Date and signature"],
    },
    PrintedDocument.exit_checklist: {
        Language.ar: ["البطاقة الوطنية", "نادية"], Language.fr: ["Carte nationale", "CIN reçue"],
        Language.en: ["Exit checklist", "National ID card", "Nadia Amrani"],
    },
    PrintedDocument.follow_up: {
        Language.ar: ["التتبع", "نادية"], Language.fr: ["Fiche de suivi", "Colocation", "Va bien"],
        Language.en: ["Follow-up record", "Shared flat", "Va bien"],
    },
}  # fmt: skip


@pytest.mark.parametrize("document", list(PrintedDocument))
def test_each_document_prints_in_three_languages_as_html_and_a_readable_pdf(
    session, world, document
):
    youth = world["youth"] if document in (PrintedDocument.intake_assessment,
                                           PrintedDocument.plan) else world["leaver"]  # fmt: skip
    for language, words in EXPECTED[document].items():
        printed = render(session, youth, document, language)
        direction = "rtl" if language == Language.ar else "ltr"
        assert f'lang="{language.value}" dir="{direction}"' in printed.html
        assert "<nav" not in printed.html and printed.filename.endswith(f"-{language}.pdf")
        text = pdf_text(printed.pdf)
        for word in words:
            if language == Language.ar and any("\u0600" <= c <= "\u06ff" for c in word):
                assert has_arabic(text, word.replace(" ", "")), (document, language, word, text)
            else:
                assert word in text, (document, language, word, text)


def test_the_youths_plan_is_in_arabic_by_default_with_three_signature_lines(session, world):
    printed = render(session, world["youth"], PrintedDocument.plan)
    assert printed.language == Language.ar and 'dir="rtl"' in printed.html
    assert printed.html.count('class="signature"') == 3
    assert len(PdfReader_pages(printed.pdf)) >= 1


def PdfReader_pages(pdf: bytes):
    import io

    return PdfReader(io.BytesIO(pdf)).pages


def test_the_youths_own_words_are_left_out_for_a_reader_who_may_not_see_them(session, world):
    plan_copy = render(session, world["youth"], PrintedDocument.plan, Language.en, sensitive=False)
    assert GOALS not in plan_copy.html and "not shown on this copy" in plan_copy.html
    intake = render(session, world["youth"], PrintedDocument.intake_assessment, Language.en,
                    sensitive=False)  # fmt: skip
    for secret in (VIEW, "Suivi psychologique", "Un logement de transition"):
        assert secret not in intake.html
    record = render(session, world["leaver"], PrintedDocument.follow_up, Language.en,
                    sensitive=False)  # fmt: skip
    assert "Va bien" not in record.html and "Shared flat" in record.html


def test_a_document_with_nothing_to_print_yet_is_not_found(session, world):
    with pytest.raises(NotFound):
        render(session, world["youth"], PrintedDocument.follow_up)
    with pytest.raises(NotFound):
        render(session, world["leaver"], PrintedDocument.plan)
