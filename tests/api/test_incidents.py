"""Incidents through HTTP: escalated within the request, scoped, the runaway decision."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

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


def test_sms_go_in_the_youth_s_one_language(world):
    """One language of the youth (documents and SMS): the agreement reads it, or changes it."""
    path, youth = f"/youths/{world.ids['y1']}/sms-agreement", f"/youths/{world.ids['y1']}"
    assert world.patch("m1", youth, json={"language": "fr"}).status_code == 200
    agreed = world.put("m1", path, json={"agreed": True})
    assert agreed.status_code == 200 and agreed.json()["language"] == "fr"
    assert world.get("m1", youth).json()["language"] == "fr"
    world.put("m1", path, json={"agreed": False})
    changed = world.put("m1", path, json={"agreed": True, "language": "en"})
    assert changed.json()["language"] == "en" and world.get("m1", youth).json()["language"] == "en"
    with session_scope() as s:
        assert not hasattr(s.get(Youth, world.ids["y1"]), "sms_language")


def test_acknowledging_an_incident_s_escalation_acknowledges_the_incident_once(world):
    from mowakaba.enums import EventKind
    from mowakaba.models import PathwayEvent

    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents", json=report("violence"))
    incident_id = created.json()["id"]
    (level_2,) = world.get("supervisor", "/escalations").json()["items"]
    (level_1,) = world.get("coord_a", "/escalations").json()["items"]
    # The supervisor has seen it: the coordinators still have to respond.
    seen = world.post("supervisor", f"/escalations/{level_2['id']}/acknowledge")
    assert seen.status_code == 200 and seen.json()["acknowledged_at"] is not None
    (still,) = world.get("coord_a", "/incidents").json()["items"]
    assert still["status"] == "open"
    # The coordinator's acknowledgement of their escalation is the incident's.
    with session_scope() as s:
        last_audit = max(s.exec(select(AuditEvent.id)).all(), default=0)
    done = world.post("coord_a", f"/escalations/{level_1['id']}/acknowledge")
    assert done.status_code == 200, done.text
    assert done.json()["acknowledged_by_id"] == world.ids["coord_a"]
    with session_scope() as s:
        audited = s.exec(select(AuditEvent.actor_id).where(
            AuditEvent.action == "incidents.acknowledge", col(AuditEvent.id) > last_audit,
            AuditEvent.object_id == str(incident_id))).all()  # fmt: skip
    assert audited == [world.ids["coord_a"]]
    (answered,) = world.get("coord_a", "/incidents").json()["items"]
    assert answered["status"] == "acknowledged" and answered["acknowledged_at"] is not None
    assert (
        world.post("coord_a", f"/incidents/{incident_id}/acknowledge", json={}).status_code == 409
    )
    assert world.post("coord_a", f"/escalations/{level_1['id']}/acknowledge").status_code == 409
    with session_scope() as s:
        kinds = s.exec(select(PathwayEvent.kind).where(
            PathwayEvent.youth_id == world.ids["y1"])).all()  # fmt: skip
    assert kinds.count(EventKind.incident_acknowledged) == 1
    assert EventKind.escalation_acknowledged in kinds  # the supervisor's, as for any kind


def test_acknowledging_the_incident_acknowledges_its_escalations(world):
    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents", json=report("other"))
    world.post("coord_a", f"/incidents/{created.json()['id']}/acknowledge", json={})
    assert world.get("coord_a", "/escalations?acknowledged=false").json()["total"] == 0


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


def test_a_runaway_decision_s_reason_is_not_shown_to_supervisors(world):
    from tests.api.test_reassign import page_of

    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    created = world.post("m1", f"/youths/{world.ids['y1']}/incidents",
                         json=report("runaway", eight_days_ago))  # fmt: skip
    incident_id = created.json()["id"]
    with session_scope() as s:
        assert sweep.sweep(s).runaway_decisions == 1
    asked = world.get("coord_a", f"/youths/{world.ids['y1']}/incidents").json()["items"][0]
    kept = world.post("coord_a", f"/incidents/{incident_id}/runaway-decision",
                      json={"decision": "keep_open", "reason": "Vu chez sa tante à Salé",
                            "review_date": str(date.today() + timedelta(days=14))})  # fmt: skip
    assert kept.status_code == 200, kept.text
    item = asked["decision_work_item_id"]
    assert "chez sa tante" in page_of("coord_a", f"/work/{item}").text
    shown = page_of("supervisor", f"/work/{item}")
    assert shown.status_code == 200 and "chez sa tante" not in shown.text
