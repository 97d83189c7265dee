"""SMS through a real HTTP gateway on a loopback port: once, keyed; 5xx retried, 4xx final;
nothing to a youth who has not agreed."""

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from mowakaba.enums import ContactKind, DeliveryStatus, Language, Role, SmsKind
from mowakaba.models import Contact, SmsAttempt, SmsMessage
from mowakaba.notify.delivery import deliver_pending_sms
from mowakaba.notify.transports import HttpSmsTransport
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import sms as sms_service
from mowakaba.services import sweep
from tests.factories import at, make_institution, make_user, make_youth

TOKEN = "s3cret-token"
EVE = date(2026, 12, 1)  # the day before the first checkpoint (due Wed 2 Dec)


class Gateway:
    """A local SMS gateway: records each request, answers the scripted statuses (then 200)."""

    def __init__(self, statuses=()):
        self.statuses, self.requests = list(statuses), []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append((dict(self.headers), body))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def gateway():
    with Gateway() as g:
        yield g


def transport(g: Gateway) -> HttpSmsTransport:
    return HttpSmsTransport(url=g.url, token=TOKEN, sender="Mowakaba", timeout=5)


@pytest.fixture
def left(session):
    """A youth who left care a month ago, with a current phone; the first checkpoint is due."""
    institution = make_institution(session)
    mediator = make_user(session, Role.mediator, [institution])
    youth = make_youth(session, institution, mediator, as_of=at(date(2026, 11, 20)),
                       date_of_birth=date(2008, 1, 10), exit_date=date(2026, 11, 2),
                       exit_kind="planned")  # fmt: skip
    reconciliation_service.reconcile_youth(session, youth.pk, at(date(2026, 11, 20)))
    session.add(Contact(youth_id=youth.pk, kind=ContactKind.phone, value="+212611111111"))
    session.flush()
    return youth


def agree(session, youth, language=Language.fr):
    youth.sms_agreed_date, youth.language = date(2026, 11, 20), language
    session.add(youth)
    session.flush()


def test_a_youth_who_agreed_gets_the_reminder_once_in_their_language(session, left, gateway):
    agree(session, left)
    assert sweep.sweep(session, at(EVE)).sms_reminders == 1
    assert sweep.sweep(session, at(EVE, 15)).sms_reminders == 0  # keyed: written once
    first = deliver_pending_sms(session, at(EVE, 16), transport=transport(gateway))
    second = deliver_pending_sms(session, at(EVE, 17), transport=transport(gateway))
    assert (first.sent, second.sent) == (1, 0)
    ((headers, body),) = gateway.requests
    (sms,) = session.exec(select(SmsMessage)).all()
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Idempotency-Key"] == sms.idempotency_key == body["id"]
    assert body["to"] == "+212611111111" and body["sender"] == "Mowakaba"
    assert "rendez-vous de suivi le 2 déc. 2026" in body["text"]
    assert "Amine" not in body["text"] and "Benali" not in body["text"] and len(body["text"]) < 160
    assert sms.status == DeliveryStatus.sent


def test_a_reminder_in_arabic(session, left, gateway):
    agree(session, left, Language.ar)
    sweep.sweep(session, at(EVE))
    deliver_pending_sms(session, at(EVE, 16), transport=transport(gateway))
    ((_, body),) = gateway.requests
    assert body["text"].startswith("مواكبة: تذكير بموعد التتبع يوم 2 دجنبر 2026")


def test_a_server_error_is_tried_again_with_the_backoff(session, left):
    agree(session, left)
    sweep.sweep(session, at(EVE))
    start = at(EVE, 16)
    with Gateway([500]) as g:
        failed = deliver_pending_sms(session, start, transport=transport(g))
        too_soon = deliver_pending_sms(
            session, start + timedelta(seconds=30), transport=transport(g)
        )
        back = deliver_pending_sms(session, start + timedelta(minutes=2), transport=transport(g))
        assert len(g.requests) == 2  # the same key both times
        assert g.requests[0][1]["id"] == g.requests[1][1]["id"]
    assert (failed.failed, too_soon.sent + too_soon.failed, back.sent) == (1, 0, 1)
    attempts = session.exec(select(SmsAttempt.success).order_by(SmsAttempt.id)).all()
    assert attempts == [False, True]


def test_a_timeout_is_tried_again(session, left):
    agree(session, left)
    sweep.sweep(session, at(EVE))
    nowhere = HttpSmsTransport(url="http://127.0.0.1:9/sms", token=TOKEN, timeout=0.5)
    result = deliver_pending_sms(session, at(EVE, 16), transport=nowhere)
    (sms,) = session.exec(select(SmsMessage)).all()
    assert result.failed == 1 and sms.status == DeliveryStatus.pending


def test_a_refusal_is_final_and_never_sent_again(session, left):
    agree(session, left)
    sweep.sweep(session, at(EVE))
    with Gateway([400]) as g:
        refused = deliver_pending_sms(session, at(EVE, 16), transport=transport(g))
        later = deliver_pending_sms(session, at(EVE, 23), transport=transport(g))
        assert len(g.requests) == 1
    (sms,) = session.exec(select(SmsMessage)).all()
    assert (refused.gave_up, later.sent + later.failed) == (1, 0)
    assert sms.status == DeliveryStatus.failed


def test_nothing_goes_to_a_youth_without_their_agreement(session, left, gateway):
    assert sweep.sweep(session, at(EVE)).sms_reminders == 0
    assert session.exec(select(SmsMessage)).all() == []
    # Queued with the agreement, withdrawn before it was sent: nothing is sent.
    agree(session, left)
    sweep.sweep(session, at(EVE, 10))
    left.sms_agreed_date = None
    session.add(left)
    result = deliver_pending_sms(session, at(EVE, 16), transport=transport(gateway))
    assert gateway.requests == [] and result.gave_up == 1


def test_an_sms_to_a_user_goes_to_their_phone(session, gateway):
    user = make_user(session, Role.coordinator, [make_institution(session)])
    user.phone = "+212622222222"
    session.add(user)
    sms_service.enqueue_sms(session, key="sms:test:1", kind=SmsKind.incident, language=Language.en,
                            recipient=user, context={"incident_kind": "arrest",
                                                     "youth_code": "Y-0042"})  # fmt: skip
    deliver_pending_sms(session, transport=transport(gateway))
    ((_, body),) = gateway.requests
    assert body["to"] == "+212622222222"
    # Neutral: the code and "urgent", never what happened (an SMS is read over shoulders).
    assert body["text"] == "Mowakaba: urgent incident for Y-0042. Please check Mowakaba now."
