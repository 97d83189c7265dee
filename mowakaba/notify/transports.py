"""Transports: where an email goes (SMTP), or the console in development."""

from __future__ import annotations

import smtplib
import sys
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TextIO

from mowakaba.enums import Channel
from mowakaba.services.notifications import Message


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
