"""Render notification messages from templates/notifications/, in the recipient's language.

Each kind of message has a template per language, `notifications/<lang>/<kind>.txt`
(first line `Subject: …`, then the body), written in that language: a message's
grammar (Arabic plurals and gender, French agreement) belongs to its text, not to
fragments. What a message is about is stored language-neutral in the notification's
context (a work item's kind, ISO dates) and put into words here, at render time: the
kind's name through the Babel catalogs (`mowakaba.labels`), dates and instants by
`mowakaba.i18n` (Arabic with Western digits and Moroccan month names).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from mowakaba import i18n, labels
from mowakaba.enums import IncidentKind, Language, WorkItemKind
from mowakaba.models import Notification, SmsMessage, User
from mowakaba.schedule import KIND_LABELS as ENGLISH_KIND_LABELS
from mowakaba.services.notifications import Message
from mowakaba.settings import REPO_ROOT

TEMPLATES = REPO_ROOT / "templates"
# Rows written before the context held the kind itself carry its English label.
KIND_OF_LABEL = {label: kind for kind, label in ENGLISH_KIND_LABELS.items()}


@lru_cache
def environment(root: Path = TEMPLATES) -> jinja2.Environment:
    """Return the one Jinja2 environment: strict about undefined names, autoescaping."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def template_for(kind: str, language: str) -> jinja2.Template:
    """Return the template of a notification kind in a language (every kind has all three)."""
    return environment().get_template(f"notifications/{language}/{kind}.txt")


def render_text(kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Return (subject, body), HTML-escaped: the template's first line is the subject."""
    chosen = i18n.parse_language(language) or i18n.DEFAULT
    values = message_values(context, chosen)
    text = template_for(kind, chosen.value).render(**values).strip()
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip(), body.strip() + "\n"


def render_plain(kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Return (subject, body) as plain text: for an email, a terminal, a JSON answer."""
    subject, body = render_text(kind, language, context)
    return Markup(subject).unescape(), Markup(body).unescape()


def message_values(context: Mapping[str, Any], language: Language) -> dict[str, Any]:
    """A notification's context put into words in a language (labels, dates)."""
    values = dict(context)
    values.setdefault("email", False)  # an email leaves the organisation: it says less
    kind = str(
        values.pop("work_item_kind", "") or KIND_OF_LABEL.get(str(values.get("kind_label")), "")
    )
    if kind in WorkItemKind.__members__:
        values["kind_label"] = labels.work_item_kind(WorkItemKind(kind), language)
    incident = str(values.pop("incident_kind", ""))
    if incident in IncidentKind.__members__:
        values["incident_label"] = labels.incident_kind(IncidentKind(incident), language)
    for name in (
        "due_date",
        "response_due_date",
        "occurred_date",
    ):  # a referral's answer is due too
        if isinstance(values.get(name), str):
            values[name] = i18n.format_date(date.fromisoformat(values[name]), language)
    if isinstance(values.get("until"), str):
        values["until"] = i18n.format_datetime(instant(values["until"]), language)
    if values.get("assignee") == "the coordinators":  # rows written before None meant a pool
        values["assignee"] = None
    return values


def instant(value: str) -> datetime:
    """An ISO instant (older rows wrote `YYYY-MM-DD HH:MM UTC`); naive means UTC."""
    at = datetime.fromisoformat(value.removesuffix(" UTC"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def render_notification(notification: Notification, recipient: User) -> Message:
    """Render an outbox row for its recipient, in their language, with its key as Message-ID."""
    subject, body = render_plain(
        notification.kind.value,
        recipient.language.value,
        {**notification.context, "recipient_name": recipient.display_name, "email": True},
    )
    return Message(
        to=recipient.email or "",
        subject=subject,
        body=body,
        message_id=message_id(notification.idempotency_key),
    )


def message_id(key: str) -> str:
    """Return the Message-ID of a notification: its idempotency key, made header-safe."""
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "." for ch in key)
    return f"<{safe}@mowakaba>"


def render_sms(sms: SmsMessage) -> str:
    """Write an SMS of the outbox in its language (templates/sms/<lang>/<kind>.txt): short,
    no name, nothing sensitive."""
    values = message_values(sms.context, sms.language)
    template = environment().get_template(f"sms/{sms.language.value}/{sms.kind.value}.txt")
    return str(Markup(template.render(**values).strip()).unescape())
