"""Every notification kind has a message in ar, fr and en, rendered in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import jinja2
import pytest

from mowakaba.enums import Language, NotificationKind, Role
from mowakaba.models import Notification, User
from mowakaba.notify.render import TEMPLATES, render_notification, render_plain, render_text

COMMON = {"recipient_name": "Nadia Alaoui", "youth_code": "Y-0007", "link": "https://m.example/w/7"}
SAMPLES: dict[NotificationKind, dict[str, object]] = {
    NotificationKind.reminder: {
        "work_item_kind": "plan_approval", "due_date": "2026-12-30", "days_before": 7,
    },
    NotificationKind.work_assigned: {"work_item_kind": "plan_approval", "due_date": "2026-12-30"},
    NotificationKind.escalation: {
        "work_item_kind": "plan_approval", "due_date": "2026-12-30", "level": 2,
        "assignee": None, "institution": "Dar Al Atfal Ain Chock", "region": "Casablanca-Settat",
        "working_days": 10,
    },
    NotificationKind.not_in_touch: {"institution": "Dar Al Atfal Ain Chock", "due_date": "2026-12-30"},
    NotificationKind.account_locked: {
        "failures": 20, "minutes": 15, "until": "2026-12-01T10:15:00+00:00",
    },
    NotificationKind.referral_received: {
        "referral_id": 12, "partner": "ANAPEC Casablanca", "service": "Atelier CV",
        "status": "sent", "response_due_date": "2026-12-30",
    },
    NotificationKind.referral_answered: {
        "referral_id": 12, "partner": "ANAPEC Casablanca", "service": "Atelier CV",
        "status": "declined", "on_behalf": True,
    },
    NotificationKind.referral_overdue: {
        "referral_id": 12, "partner": "ANAPEC Casablanca", "service": "Atelier CV",
        "status": "sent", "delivery": False, "due_date": "2026-12-30",
    },
    NotificationKind.referral_expired: {
        "referral_id": 12, "partner": "ANAPEC Casablanca", "service": "Atelier CV",
        "status": "expired", "on_behalf": False,
    },
    NotificationKind.referral_delivery_due: {
        "referral_id": 12, "partner": "ANAPEC Casablanca", "service": "Atelier CV",
        "status": "accepted", "due_date": "2026-12-30",
    },
    NotificationKind.incident: {
        "incident_kind": "runaway", "occurred_date": "2026-12-01", "level": 1,
        "institution": "Dar Al Atfal Ain Chock", "region": "Casablanca-Settat",
    },
    NotificationKind.caseload_assigned: {
        "count": 12, "work_items": 30, "youth_codes": ["Y-0007"], "more": 11,
        "from_mediator": "Karim B.",
    },
    NotificationKind.transfer_requested: {
        "transfer_id": 4, "status": "requested", "from_institution": "Dar Al Atfal Ain Chock",
        "to_institution": "Dar Al Atfal Fès",
    },
    NotificationKind.transfer_decided: {
        "transfer_id": 4, "status": "accepted", "from_institution": "Dar Al Atfal Ain Chock",
        "to_institution": "Dar Al Atfal Fès",
    },
}  # fmt: skip
SAMPLE_VALUES = ("Nadia Alaoui", "Y-0007", "https://m.example/w/7", "Dar Al Atfal Ain Chock",
                 "Casablanca-Settat", "ANAPEC Casablanca", "Atelier CV", "Mowakaba",
                 "Dar Al Atfal Fès", "Karim B.")  # fmt: skip
# The other branches of a kind's message, each rendered too.
VARIANTS: dict[NotificationKind, list[dict[str, object]]] = {
    NotificationKind.referral_answered: [
        {"status": status, "on_behalf": False}
        for status in ("accepted", "in_progress", "completed", "not_completed")
    ],
    NotificationKind.referral_overdue: [{"status": "accepted", "delivery": True}],
    NotificationKind.incident: [{"level": 2, "incident_kind": "arrest"}],
    NotificationKind.caseload_assigned: [
        {"count": 1, "work_items": 1, "more": 0, "from_mediator": None},
        {"count": 2, "work_items": 2, "more": 0, "from_mediator": None},
        {"count": 3, "work_items": 0},
    ],
    NotificationKind.transfer_decided: [{"status": "refused"}, {"status": "cancelled"}],
}
# Words the English messages use: none may be left in a French one.
ENGLISH = re.compile(r"\b(Hello|Open|Reminder|Escalation|level|due|young person|the|is|of|for|"
                     r"working days?|account|minutes? \(until|Someone|Not in touch)\b")  # fmt: skip
ESCALATION_LEVEL_1 = {**SAMPLES[NotificationKind.escalation], "level": 1, "assignee": "Karim B."}


def rendered(kind: NotificationKind, language: Language, **extra: object) -> str:
    subject, body = render_text(kind.value, language.value, {**COMMON, **SAMPLES[kind], **extra})
    return f"{subject}\n{body}"


def test_every_kind_has_a_template_in_every_language():
    for kind in NotificationKind:
        for language in Language:
            assert (TEMPLATES / "notifications" / language.value / f"{kind.value}.txt").is_file()


@pytest.mark.parametrize("language", list(Language), ids=str)
@pytest.mark.parametrize("kind", list(NotificationKind), ids=str)
def test_every_kind_renders_in_every_language_with_a_subject_and_a_body(kind, language):
    subject, body = render_text(kind.value, language.value, {**COMMON, **SAMPLES[kind]})
    assert subject and not subject.startswith("Subject") and "\n" not in subject
    assert body.count("\n") >= 3 and "{" not in body and "https://m.example/w/7" in body
    if kind == NotificationKind.escalation:  # both branches of the levels
        render_text(kind.value, language.value, {**COMMON, **ESCALATION_LEVEL_1})
    for extra in VARIANTS.get(kind, []):
        subject, body = render_text(
            kind.value, language.value, {**COMMON, **SAMPLES[kind], **extra}
        )
        assert subject and "{" not in body and "https://m.example/w/7" in body


@pytest.mark.parametrize("kind", list(NotificationKind), ids=str)
def test_arabic_messages_hold_no_latin_word_but_the_values(kind):
    variants = [ESCALATION_LEVEL_1] if kind == NotificationKind.escalation else []
    for extra in [{}, *variants, *VARIANTS.get(kind, [])]:
        text = rendered(kind, Language.ar, **extra)
        for value in (*SAMPLE_VALUES, "Karim B."):
            text = text.replace(value, "")
        assert re.findall(r"[A-Za-z]{2,}", text) == []
        assert "مرحبا" in text and "مواكبة" in text


@pytest.mark.parametrize("kind", list(NotificationKind), ids=str)
def test_french_messages_hold_no_english_word(kind):
    for extra in [{}, *VARIANTS.get(kind, [])]:
        text = rendered(kind, Language.fr, **extra)
        for value in SAMPLE_VALUES:
            text = text.replace(value, "")
        assert ENGLISH.findall(text) == [] and "Bonjour" in text


def test_a_referral_message_says_what_the_partner_did_and_when_the_answer_is_due():
    answered = rendered(NotificationKind.referral_answered, Language.fr, status="completed")
    assert answered.startswith("Orientation n° 12 de Y-0007 : réalisée par le partenaire")
    received = rendered(NotificationKind.referral_received, Language.ar)
    assert "30 دجنبر 2026" in received and "2026-12-30" not in received
    overdue = rendered(NotificationKind.referral_overdue, Language.en, delivery=True)
    assert "not delivered" in overdue and "no answer" not in overdue


def test_labels_come_from_the_catalogs_and_dates_are_written_for_the_locale():
    assert rendered(NotificationKind.reminder, Language.ar).startswith(
        "تذكير: المصادقة على البرنامج للشاب Y-0007، الأجل 30 دجنبر 2026"
    )
    assert rendered(NotificationKind.reminder, Language.fr).startswith(
        "Rappel : Validation du programme pour Y-0007, échéance le 30 déc. 2026"
    )
    assert rendered(NotificationKind.reminder, Language.en).startswith(
        "Reminder: Plan approval for Y-0007 due Dec 30, 2026"
    )
    # An instant in Morocco's local time (UTC+1).
    assert "01/12/2026 11:15" in rendered(NotificationKind.account_locked, Language.fr)


def test_arabic_counts_days_with_its_own_plurals():
    def days(n: int) -> str:
        return rendered(NotificationKind.reminder, Language.ar, days_before=n)

    assert "(غدا)" in days(1) and "(بعد يومين)" in days(2)
    assert "(بعد 7 أيام)" in days(7) and "(بعد 14 يوما)" in days(14)
    assert "(in 1 days)" not in rendered(NotificationKind.reminder, Language.en, days_before=1)


def test_rows_written_before_the_kind_was_stored_still_render_translated():
    old = {**COMMON, "kind_label": "intake assessment", "due_date": "2026-12-30",
           "days_before": 7, "level": 1, "assignee": "the coordinators",
           "institution": "Dar Al Atfal Ain Chock", "region": "R", "working_days": 3}  # fmt: skip
    subject, body = render_text("escalation", "fr", old)
    assert "Diagnostic d&#39;entrée" in subject and "à la charge des coordinateurs" in body
    _, locked = render_text("account_locked", "en", {**COMMON, "failures": 20, "minutes": 15,
                                                     "until": "2026-12-01 10:15 UTC"})  # fmt: skip
    assert "(until 12/1/26, 11:15" in locked


def test_a_missing_value_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError):
        render_text("reminder", "ar", {"recipient_name": "x"})


def test_an_email_is_plain_text_in_the_recipients_language():
    recipient = User(id=3, username="n", display_name="Nadia <b>", role=Role.mediator,
                     language=Language.fr, email="n@example.ma", password_hash="")  # fmt: skip
    notification = Notification(
        id=1, idempotency_key="reminder:1:d7:3", recipient_id=3, kind=NotificationKind.reminder,
        context={"work_item_kind": "intake_assessment", "youth_code": "Y-1", "due_date": "2026-12-30",
                 "days_before": 7, "link": "/w/1"},
        created_at=datetime(2026, 12, 23, tzinfo=UTC),
    )  # fmt: skip
    message = render_notification(notification, recipient)
    assert message.subject == "Rappel : Diagnostic d'entrée pour Y-1, échéance le 30 déc. 2026"
    assert message.body.startswith("Bonjour Nadia <b>,")


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_an_incident_email_does_not_name_the_kind_the_inbox_does(language):
    recipient = User(id=3, username="n", display_name="Nadia", role=Role.coordinator,
                     language=language, email="n@example.ma", password_hash="")  # fmt: skip
    context = {**COMMON, **SAMPLES[NotificationKind.incident], "incident_kind": "pregnancy",
               "youth_code": "Y-0042"}  # fmt: skip
    notification = Notification(
        id=1, idempotency_key="incident:1:L1", recipient_id=3, kind=NotificationKind.incident,
        context=context, created_at=datetime(2026, 12, 23, tzinfo=UTC),
    )  # fmt: skip
    label = {"en": "Pregnancy", "fr": "Grossesse", "ar": "حمل"}[language.value]
    message = render_notification(notification, recipient)  # leaves the organisation
    assert "Y-0042" in message.subject and label not in message.subject + message.body
    subject, body = render_plain("incident", language.value, context)  # the inbox
    assert label in subject and label in body


def test_plain_text_is_the_escaped_text_unescaped_for_terminals_and_json():
    context = {
        **COMMON,
        **SAMPLES[NotificationKind.reminder],
        "work_item_kind": "intake_assessment",
    }
    subject, _ = render_text("reminder", "fr", context)
    plain, _ = render_plain("reminder", "fr", context)
    assert "d&#39;entrée" in subject and "d'entrée" in plain
