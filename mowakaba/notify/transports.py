"""Transports: where an email goes (SMTP), an SMS (an HTTP gateway), or the console."""

from __future__ import annotations

import smtplib
import sys
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TextIO

import httpx

from mowakaba.enums import Channel
from mowakaba.services.notifications import Message
from mowakaba.services.sms import PermanentFailure


@dataclass
class SmtpTransport:
    """Send over SMTP (STARTTLS and login when configured)."""

    host: str
    port: int = 25
    sender: str = "mowakaba@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    channel: Channel = Channel.email

    def send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Message-ID"] = message.message_id
        email.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


@dataclass
class ConsoleTransport:
    """Print messages (development, and the demo without a mail server)."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    channel: Channel = Channel.console

    def send(self, message: Message) -> None:
        print(
            f"--- mail to {message.to} {message.message_id}\n"
            f"Subject: {message.subject}\n\n{message.body}",
            file=self.stream,
        )


def configured_transport() -> SmtpTransport | ConsoleTransport:
    """Return SMTP when MOWAKABA_SMTP_HOST is set, else the console."""
    from mowakaba.settings import get_settings

    settings = get_settings()
    if settings.smtp_host:
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    return ConsoleTransport()


@dataclass
class HttpSmsTransport:
    """Send an SMS through a gateway: a JSON POST {to, text, sender, id} with a bearer token.

    The outbox key is the message `id` and the Idempotency-Key header, so a gateway can
    drop a repeat. 2xx: sent; 4xx: refused for good; 5xx, a timeout, no answer: raised,
    tried again later with the outbox's backoff.
    """

    url: str
    token: str = ""
    sender: str = "Mowakaba"
    timeout: float = 10.0
    channel: Channel = Channel.sms

    def send(self, message: Message) -> None:
        body = {"to": message.to, "text": message.body, "sender": self.sender,
                "id": message.message_id}  # fmt: skip
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": message.message_id}
        response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        if 400 <= response.status_code < 500:
            raise PermanentFailure(f"gateway answered {response.status_code}")
        response.raise_for_status()  # a 5xx: tried again


@dataclass
class ConsoleSmsTransport:
    """Print SMS (development, and the demo without a gateway)."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    channel: Channel = Channel.console

    def send(self, message: Message) -> None:
        print(f"--- sms to {message.to} {message.message_id}\n{message.body}", file=self.stream)


def configured_sms_transport() -> HttpSmsTransport | ConsoleSmsTransport:
    """Return the HTTP gateway when MOWAKABA_SMS_GATEWAY_URL is set, else the console."""
    from mowakaba.settings import get_settings

    settings = get_settings()
    if settings.sms_gateway_url:
        return HttpSmsTransport(
            url=settings.sms_gateway_url,
            token=settings.sms_gateway_token or "",
            sender=settings.sms_sender,
            timeout=settings.sms_timeout_seconds,
        )
    return ConsoleSmsTransport()
