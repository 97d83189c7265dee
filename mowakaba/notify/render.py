"""Render notification messages from templates/notifications/, in the recipient's language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from mowakaba.models import Notification, User
from mowakaba.services.notifications import Message
from mowakaba.settings import REPO_ROOT

TEMPLATES = REPO_ROOT / "templates"


@lru_cache
def environment(root: Path = TEMPLATES) -> jinja2.Environment:
    """Return the one Jinja2 environment: strict about undefined names, autoescaping."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def template_for(kind: str, language: str) -> jinja2.Template:
    """Return the template of a notification kind in a language (English if missing)."""
    env = environment()
    return env.select_template(
        [f"notifications/{language}/{kind}.txt", f"notifications/en/{kind}.txt"]
    )


def render_text(kind: str, language: str, context: dict[str, object]) -> tuple[str, str]:
    """Return (subject, body): the template's first line is the subject."""
    text = template_for(kind, language).render(**context).strip()
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip(), body.strip() + "\n"


def render_notification(notification: Notification, recipient: User) -> Message:
    """Render an outbox row for its recipient, with its key as Message-ID."""
    subject, body = render_text(
        notification.kind.value,
        recipient.language.value,
        {**notification.context, "recipient_name": recipient.display_name},
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
