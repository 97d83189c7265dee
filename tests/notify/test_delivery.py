"""Email through a real SMTP server on a loopback port: once, with its Message-ID; retried when down."""

import socket
from datetime import date, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from mowakaba.enums import DeliveryStatus, Role
from mowakaba.models import DeliveryAttempt, Notification
from mowakaba.notify.delivery import deliver_pending
from mowakaba.notify.render import render_notification, render_text
from mowakaba.notify.transports import SmtpTransport
from mowakaba.services import sweep
from tests.factories import at, make_institution, make_user, make_youth


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def reminder(session):
    institution = make_institution(session)
    mediator = make_user(session, Role.mediator, [institution], email="mediator@example.ma")
    make_youth(session, institution, mediator, as_of=at(date(2026, 11, 30)))
    sweep.sweep(session, at(date(2026, 12, 23)))
    (notification,) = session.exec(select(Notification)).all()
    return notification


def test_an_email_arrives_once_with_its_key_as_message_id(session, reminder):
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport = SmtpTransport(host="127.0.0.1", port=port, sender="mowakaba@example.ma")
        first = deliver_pending(session, at(date(2026, 12, 23), 9), transport=transport)
        second = deliver_pending(session, at(date(2026, 12, 23), 10), transport=transport)
    finally:
        controller.stop()
    assert (first.sent, second.sent) == (1, 0)
    (message,) = handler.messages
    assert message["Message-ID"] == f"<{reminder.idempotency_key.replace(':', '.')}@mowakaba>"
    assert message["To"] == "mediator@example.ma"
    subject = str(make_header(decode_header(message["Subject"])))
    assert "Diagnostic d'entrée" in subject  # the recipient reads French (the default)
    assert reminder.email_status == DeliveryStatus.sent


def test_with_the_server_down_attempts_are_recorded_and_it_goes_out_once_back(session, reminder):
    port = free_port()
    transport = SmtpTransport(host="127.0.0.1", port=port, timeout=2)
    start = at(date(2026, 12, 23), 9)
    failed = deliver_pending(session, start, transport=transport)
    assert (failed.sent, failed.failed) == (0, 1)
    assert reminder.email_status == DeliveryStatus.pending
    assert (
        deliver_pending(session, start + timedelta(seconds=30), transport=transport).failed == 0
    )  # backing off
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        back = deliver_pending(session, start + timedelta(minutes=2), transport=transport)
        again = deliver_pending(session, start + timedelta(hours=3), transport=transport)
    finally:
        controller.stop()
    assert (back.sent, again.sent) == (1, 0)
    assert len(handler.messages) == 1
    attempts = session.exec(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [a.success for a in attempts] == [False, True]
    assert "ConnectionRefused" in attempts[0].error


def test_messages_render_in_the_recipients_language_with_strict_templates(session, reminder):
    from mowakaba.models import User

    user = session.get(User, reminder.recipient_id)
    message = render_notification(reminder, user)
    assert message.subject.startswith("Rappel : Diagnostic d'entrée pour Y-")  # French reader
    assert "le 30 déc. 2026 (dans 7 jours)" in message.body
    with pytest.raises(Exception, match="undefined"):
        render_text(
            "reminder", "fr", {"recipient_name": "x"}
        )  # a missing value is an error, not blank
    escaped = render_text("reminder", "en", {**reminder.context, "recipient_name": "<b>x</b>"})
    assert "&lt;b&gt;" in escaped[1]
