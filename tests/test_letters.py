"""The referral letter: in the partner's language, the youth minimised, a PDF whose text reads."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader

from mowakaba.clock import frozen_at
from mowakaba.enums import Language
from mowakaba.letters import render_referral_letter
from mowakaba.schemas import ReferralIn
from mowakaba.services import referrals as referral_service
from tests.factories import at, give_consent, make_partner, make_service, make_world

SENT = date(2026, 11, 5)  # a Thursday; Friday 6 is a holiday (Green March)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, its Arabic presentation forms folded back to letters."""
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())  # lines wrap anywhere


def has_arabic(text: str, word: str) -> bool:
    """Tell whether an Arabic word is in a text, in logical or in visual (reversed) order."""
    squeezed = re.sub(r"\s+", "", text)
    return word in squeezed or word[::-1] in squeezed


def refer(session, world, partner, service, *, shared=(), send=True, **kw):
    data = ReferralIn(service_id=service.id, need=kw.pop("need", "Un premier emploi"),
                      shared_fields=list(shared), send=send, **kw)  # fmt: skip
    return referral_service.create_referral(
        session, youth=world["youth"], data=data, actor=world["mediator"], at=at(SENT)
    )


@pytest.fixture
def world(session):
    w = make_world(session, as_of=at(date(2026, 9, 1)))
    w["mediator"].display_name = "Salma Idrissi"
    arabic = make_partner(session, name="Association Al Amal", name_ar="جمعية الأمل",
                          languages=["ar", "fr"], contact_person="Fatima Zahra")  # fmt: skip
    french = make_partner(session, name="ANAPEC Casablanca Anfa", name_ar="أنابيك الدار البيضاء",
                          languages=["fr", "ar"])  # fmt: skip
    w["arabic"], w["french"] = arabic, french
    w["arabic_service"] = make_service(session, arabic, axis="housing", name="Logement de transition",
                                       name_ar="سكن انتقالي", response_days=5)  # fmt: skip
    w["french_service"] = make_service(session, french, axis="employment", name="Atelier CV",
                                       name_ar="ورشة السيرة الذاتية", response_days=5)  # fmt: skip
    for partner in (arabic, french):
        give_consent(session, w["youth"], w["mediator"], partner=partner,
                     data=["identity", "education"], given_date=date(2026, 9, 1))  # fmt: skip
    return w


def test_an_arabic_partners_letter_is_arabic_right_to_left_and_its_pdf_reads_the_names(
    session, world
):
    referral = refer(session, world, world["arabic"], world["arabic_service"])
    with frozen_at(at(SENT)):
        letter = render_referral_letter(session, referral.pk)
    assert letter.language == Language.ar and letter.filename == f"referral-{referral.id}.pdf"
    assert 'lang="ar" dir="rtl"' in letter.html
    assert "أمين" in letter.html and "جمعية الأمل" in letter.html and "سكن انتقالي" in letter.html
    text = pdf_text(letter.pdf)
    assert has_arabic(text, "أمين"), text  # the youth's first name in Arabic
    assert has_arabic(text, "جمعيةالأمل"), text  # the partner's Arabic name
    assert str(referral.id) in text and "Salma Idrissi" in text


def test_a_french_partners_letter_is_in_french_with_the_deadline_and_the_mediator(session, world):
    referral = refer(session, world, world["french"], world["french_service"])
    with frozen_at(at(SENT)):
        letter = render_referral_letter(session, referral.pk)
    assert letter.language == Language.fr and 'lang="fr" dir="ltr"' in letter.html
    assert PdfReader(io.BytesIO(letter.pdf)).get_num_pages() == 1
    text = pdf_text(letter.pdf)
    for words in ("Madame, Monsieur", "Prénom", "Amine", "ANAPEC Casablanca Anfa", "Atelier CV",
                  "Un premier emploi", "Salma Idrissi", "Signature"):  # fmt: skip
        assert words in text, words
    # Five working days after Thursday 5 November 2026 (Friday 6 a holiday): the 13th.
    assert "13 novembre 2026" in text and f"n° {referral.id}" in text and "14 ans" in text


def test_the_letter_never_holds_the_date_of_birth_or_the_last_name_unless_shared(session, world):
    youth = world["youth"]
    plain = refer(session, world, world["french"], world["french_service"])
    with frozen_at(at(SENT)):
        letter = render_referral_letter(session, plain.pk, language=Language.en)
    text = letter.html + pdf_text(letter.pdf)
    born = youth.date_of_birth
    for leak in (youth.last_name, youth.last_name_ar, born.isoformat(), f"{born.year}",
                 youth.code):  # fmt: skip
        assert leak not in text, leak
    shared = refer(session, world, world["arabic"], world["arabic_service"],
                   shared=["last_name", "education_level"], need="سكن")  # fmt: skip
    with frozen_at(at(SENT)):
        letter = render_referral_letter(session, shared.pk, language=Language.en)
    assert youth.last_name in letter.html and "Lower secondary school" in letter.html
    assert born.isoformat() not in letter.html


def test_a_draft_letter_gives_the_response_time_in_working_days(session, world):
    draft = refer(session, world, world["french"], world["french_service"], send=False)
    with frozen_at(at(SENT)):
        letter = render_referral_letter(session, draft.pk, language=Language.en)
    assert "within 5 working days of receiving it" in letter.html
