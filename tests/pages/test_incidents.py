"""Incidents on the pages: recorded from the youth file (escalated at once), handled from
the incidents list, the runaway decision through its work form; the SMS agreement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.enums import ExitKind, IncidentStatus, Language, NotificationKind
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import Incident, Notification, User, Youth
from mowakaba.services import incidents as incident_service
from tests.pages.conftest import sign_in
from tests.pages.test_youths import speak
from tests.pages.world import csrf_of


def client_of(username: str) -> TestClient:
    client = TestClient(create_app(), base_url="http://testserver")
    assert sign_in(client, username).status_code == 303
    return client


def post(client: TestClient, path: str, form: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(form).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_a_mediator_records_an_incident_from_the_file_and_the_coordinator_is_told(world):
    med1, late = client_of("med1"), world.ids["late"]
    file = med1.get(f"/youths/{late}").text
    assert 'id="incidents"' in file and "Signaler un incident" in file
    answer = post(med1, f"/youths/{late}/incidents", f"/youths/{late}",
                  {"kind": "arrest", "occurred_date": date.today().isoformat(),
                   "occurred_time": "00:05", "description": "Interpellé au marché"})  # fmt: skip
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/youths/{late}?done=incident#incidents"
    with session_scope() as s:
        told = s.exec(select(Notification.recipient_id).where(
            Notification.kind == NotificationKind.incident)).all()  # fmt: skip
    assert world.ids["coord"] in told
    shown = med1.get(answer.headers["location"]).text
    assert "Arrestation" in shown and "Interpellé au marché" in shown and 'id="done"' in shown
    assert '<a href="/incidents"' not in shown  # the list is the coordinators'
    assert med1.get("/incidents").status_code == 403


def test_a_wrong_incident_form_comes_back_with_its_errors_and_nothing_recorded(world):
    med1, late = client_of("med1"), world.ids["late"]
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    wrong = post(med1, f"/youths/{late}/incidents", f"/youths/{late}",
                 {"kind": "fire", "occurred_date": tomorrow, "description": ""})  # fmt: skip
    assert wrong.status_code == 422
    assert 'id="incident-kind-error"' in wrong.text
    assert 'id="incident-description-error"' in wrong.text
    later = post(med1, f"/youths/{late}/incidents", f"/youths/{late}",
                 {"kind": "other", "occurred_date": tomorrow, "description": "x"})  # fmt: skip
    assert later.status_code == 422 and "après maintenant" in later.text
    with session_scope() as s:
        assert s.exec(select(Incident)).all() == []
    other = post(med1, f"/youths/{world.ids['other']}/incidents", f"/youths/{late}",
                 {"kind": "other", "occurred_date": date.today().isoformat(),
                  "description": "x"})  # fmt: skip
    assert other.status_code == 404  # another mediator's youth


def runaway(world, days_ago: int = 8) -> tuple[int, int | None]:
    with session_scope() as s:
        incident = incident_service.record_incident(
            s, youth_id=world.ids["late"], actor=s.get(User, world.ids["med1"]),
            report=IncidentReport(kind="runaway", description="Parti la nuit",
                                  occurred_at=datetime.now(UTC) - timedelta(days=days_ago)),
        )  # fmt: skip
        incident_service.runaway_batch(s, at=datetime.now(UTC),
                                       today_of=lambda _: date.today(), after_id=0, limit=10)  # fmt: skip
        decision = incident_service.decision_item(s, incident)
        return incident.pk, decision.pk if decision else None


def test_the_coordinator_handles_incidents_from_their_list_in_arabic(world):
    incident_id, _ = runaway(world, days_ago=1)
    speak("coord", Language.ar)
    coord = client_of("coord")
    page = coord.get("/incidents")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert '<a href="/incidents" aria-current="page">الحوادث' in page.text
    assert "هروب" in page.text and "Parti la nuit" in page.text
    done = post(coord, f"/incidents/{incident_id}/acknowledge", "/incidents", {"back": "list"})
    assert done.status_code == 303 and done.headers["location"] == "/incidents?done=acknowledged"
    back = post(coord, f"/incidents/{incident_id}/returned", "/incidents",
                {"returned_date": date.today().isoformat(), "back": "list"})  # fmt: skip
    assert back.status_code == 303
    with session_scope() as s:
        incident = s.get(Incident, incident_id)
        assert incident.status == IncidentStatus.acknowledged
        assert incident.returned_date == date.today()


def test_the_runaway_decision_form_records_the_exit(world):
    incident_id, decision_id = runaway(world)
    coord = client_of("coord")
    listed = coord.get("/incidents").text
    assert f'href="/work/{decision_id}"' in listed
    form = coord.get(f"/work/{decision_id}").text
    assert 'value="record_exit"' in form and 'value="keep_open"' in form
    done = post(coord, f"/work/{decision_id}", f"/work/{decision_id}",
                {"decision": "record_exit", "destination": "unknown",
                 "reason": "Pas de nouvelles"})  # fmt: skip
    assert done.status_code == 303, done.text
    with session_scope() as s:
        youth = s.get(Youth, world.ids["late"])
        assert youth.exit_kind == ExitKind.runaway and youth.exit_date is not None
        assert s.get(Incident, incident_id).status == IncidentStatus.closed


def test_the_youth_s_agreement_to_sms_is_recorded_from_the_file(world):
    med1, late = client_of("med1"), world.ids["late"]
    answer = post(med1, f"/youths/{late}/sms-agreement", f"/youths/{late}",
                  {"agreed": "true", "language": "fr"})  # fmt: skip
    assert answer.status_code == 303
    shown = med1.get(answer.headers["location"]).text
    assert "Le jeune a accepté le" in shown
    with session_scope() as s:
        youth = s.get(Youth, late)
        assert youth.sms_agreed_date == date.today() and youth.language == Language.fr
