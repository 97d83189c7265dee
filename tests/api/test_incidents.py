"""Incidents through HTTP: escalated within the request, scoped, the runaway decision."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import ExitKind, NotificationKind
from mowakaba.models import AuditEvent, Notification, Youth
from mowakaba.services import sweep


def report(kind: str, when: datetime | None = None) -> dict:
    at = (when or datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="minutes")
    return {"kind": kind, "occurred_at": at, "description": "Bagarre à la sortie du lycée"}


def test_an_incident_is_escalated_within_the_request(world):
    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents", json=report("violence"))
    assert created.status_code == 201, created.text
    incident = created.json()
    assert incident["serious"] and incident["status"] == "open"
    with session_scope() as s:  # no sweep ran: the outbox holds them already
        rows = s.exec(select(Notification).where(Notification.kind == NotificationKind.incident))
        recipients = {n.recipient_id for n in rows}
    assert recipients == {world.ids["coord_a"], world.ids["supervisor"]}
    inbox = world.get("coord_a", "/notifications").json()["items"]
    assert [n["kind"] for n in inbox] == ["incident"]
    # The supervisor sees it happened, not what was written; the coordinator reads it.
    (seen,) = world.get("supervisor", "/incidents").json()["items"]
    assert seen["id"] == incident["id"] and seen["description"] is None
    (read,) = world.get("coord_a", "/incidents").json()["items"]
    assert read["description"] == "Bagarre à la sortie du lycée"
    assert world.get("coord_b", "/incidents").json()["total"] == 0
    with session_scope() as s:
        actions = s.exec(select(AuditEvent.action).where(
            AuditEvent.object_type == "incident")).all()  # fmt: skip
    assert "incidents.create" in actions


def test_an_incident_outside_the_scope_is_not_found(world):
    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents", json=report("other"))
    incident_id = created.json()["id"]
    missing = world.post("coord_b", "/incidents/999999/acknowledge", json={})
    other = world.post("coord_b", f"/incidents/{incident_id}/acknowledge", json={})
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    assert world.post("m2", f"/youths/{world.ids['y1']}/incidents",
                      json=report("other")).status_code == 404  # fmt: skip
    done = world.post("coord_a", f"/incidents/{incident_id}/acknowledge", json={"note": "Vu"})
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    again = world.post("coord_a", f"/incidents/{incident_id}/acknowledge", json={})
    assert again.status_code == 409


def test_a_runaway_not_back_is_decided_through_the_api(world):
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents",
                         json=report("runaway", eight_days_ago))  # fmt: skip
    incident_id = created.json()["id"]
    too_soon = world.post("coord_a", f"/incidents/{incident_id}/runaway-decision",
                          json={"decision": "record_exit"})  # fmt: skip
    assert too_soon.status_code == 409  # nothing is asked before the sweep finds it
    with session_scope() as s:
        assert sweep.sweep(s).runaway_decisions == 1
    asked = world.get("coord_a", f"/youths/{world.ids['y1']}/incidents").json()["items"][0]
    assert asked["decision_work_item_id"] is not None
    decided = world.post("coord_a", f"/incidents/{incident_id}/runaway-decision",
                         json={"decision": "record_exit", "reason": "Pas de nouvelles"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "closed"
    with session_scope() as s:
        youth = s.get(Youth, world.ids["y1"])
        assert youth.exit_kind == ExitKind.runaway
        assert youth.exit_date == date.fromisoformat(created.json()["occurred_date"])


def test_the_sms_agreement_is_recorded_with_its_date(world):
    path = f"/youths/{world.ids['y1']}/sms-agreement"
    agreed = world.put("m1", path, json={"agreed": True, "language": "fr"})
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["agreed_date"] is not None and agreed.json()["language"] == "fr"
    future = world.put("m1", path, json={"agreed": True, "agreed_date": "2099-01-01"})
    assert future.status_code == 422
    withdrawn = world.put("m1", path, json={"agreed": False})
    assert withdrawn.json() == {"youth_id": world.ids["y1"], "agreed": False,
                                "agreed_date": None, "language": None}  # fmt: skip
    assert world.put("mb", path, json={"agreed": True}).status_code == 404


def test_the_acknowledgement_note_is_kept_on_the_incident_not_shown_to_supervisors(world):
    from mowakaba.models import Incident, WorkItem
    from tests.api.test_reassign import page_of

    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents", json=report("pregnancy"))
    incident = created.json()
    note = "Confirmed 12 weeks pregnant; appointment at the maternity"
    acked = world.post("coord_a", f"/incidents/{incident['id']}/acknowledge", json={"note": note})
    assert acked.status_code == 200, acked.text
    with session_scope() as s:
        assert s.get(Incident, incident["id"]).acknowledgement_note == note
        assert not (s.get(WorkItem, incident["work_item_id"]).payload or {}).get("note")
    page = page_of("supervisor", f"/work/{incident['work_item_id']}")
    assert page.status_code == 200 and "12 weeks" not in page.text


def test_a_denied_incident_action_is_audited_naming_the_incident_and_its_youth(world):
    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents", json=report("arrest"))
    incident = created.json()["id"]
    refused = world.post("supervisor", f"/incidents/{incident}/close", json={})
    assert refused.status_code == 403
    with session_scope() as s:
        (row,) = s.exec(select(AuditEvent).where(
            AuditEvent.request_id == refused.headers["x-request-id"])).all()  # fmt: skip
    assert (row.object_type, row.object_id, row.youth_id, row.outcome) == (
        "incident", str(incident), world.ids["y1"], "denied")  # fmt: skip
