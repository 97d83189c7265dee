"""The audit trail has no holes: every request that names or reveals a youth leaves a row
naming it (denied ones too; lists one row per youth shown), and request ids are ours."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import col, func, select

from mowakaba.db import session_scope
from mowakaba.models import AuditEvent, Escalation, WorkItem
from mowakaba.services import sweep
from tests.factories import at

_START = {"id": 0}


@pytest.fixture(autouse=True)
def only_this_tests_rows(committed):
    """The audit trail is append-only and outlives each test: read this test's rows."""
    with session_scope() as s:
        _START["id"] = s.exec(select(func.max(AuditEvent.id))).one() or 0


def rows(**where) -> list[AuditEvent]:
    with session_scope() as s:
        query = select(AuditEvent).where(col(AuditEvent.id) > _START["id"])
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(s.exec(query.order_by(col(AuditEvent.id))))


def first_item_of(youth_id: int) -> int:
    with session_scope() as s:
        return s.exec(
            select(WorkItem.id).where(WorkItem.youth_id == youth_id).order_by(col(WorkItem.id))
        ).first()


@pytest.fixture
def escalated(world):
    """Every youth's first items overdue past both escalation levels."""
    with session_scope() as s:
        sweep.sweep(s, at(date.today() + timedelta(days=40)))
    return world


@pytest.mark.parametrize(
    "path, action, object_type, key",
    [
        ("/youths/{y}", "youths.read", "youth", "y"),
        ("/youths/{y}/timeline", "youths.timeline", "youth", "y"),
        ("/work-items/{item}", "work_items.read", "work_item", "item"),
        ("/work-items?youth_id={y}", "work_items.list", "youth", "y"),
    ],
)
def test_a_denied_request_names_the_record_and_its_youth(world, path, action, object_type, key):
    y1 = world.ids["y1"]
    item = first_item_of(y1)
    response = world.get("partner", path.format(y=y1, item=item))
    assert response.status_code == 403
    (row,) = rows(actor_id=world.ids["partner"], action=action)
    assert row.outcome == "denied"
    assert row.youth_id == y1
    assert (row.object_type, row.object_id) == (object_type, str(y1 if key == "y" else item))


def test_a_denied_request_on_a_missing_record_names_it_but_no_youth(world):
    assert world.get("partner", "/youths/999999").status_code == 403
    (row,) = rows(actor_id=world.ids["partner"], action="youths.read")
    assert (row.object_type, row.object_id, row.youth_id) == ("youth", "999999", None)


def test_lists_leave_one_row_per_youth_shown(escalated):
    w = escalated
    y1, y2 = w.ids["y1"], w.ids["y2"]
    shown = w.get("coord_a", "/work-items").json()["items"]
    assert {i["youth_id"] for i in shown} == {y1, y2}
    listed = rows(actor_id=w.ids["coord_a"], action="work_items.list")
    assert sorted(r.youth_id for r in listed) == [y1, y2]
    assert len({r.request_id for r in listed}) == 1  # one request

    youths = w.get("coord_a", "/youths").json()["items"]
    assert sorted(r.youth_id for r in rows(action="youths.list")) == sorted(y["id"] for y in youths)

    escalations = w.get("coord_a", "/escalations").json()["items"]
    assert escalations and {e["youth_id"] for e in escalations} == {y1, y2}
    assert {r.youth_id for r in rows(action="escalations.list")} == {y1, y2}

    inbox = w.get("coord_a", "/notifications").json()["items"]
    assert {n["youth_id"] for n in inbox} <= {y1, y2, None}
    assert {r.youth_id for r in rows(action="notifications.list")} == {
        n["youth_id"] for n in inbox if n["youth_id"] is not None
    }


def test_an_empty_list_still_leaves_a_row(world):
    assert world.get("m1", "/work-items?status=done").json()["items"] == []
    (row,) = rows(actor_id=world.ids["m1"], action="work_items.list")
    assert (row.object_type, row.object_id, row.youth_id) == ("youth", None, None)


def test_an_admin_acknowledging_an_escalation_is_audited(escalated):
    w = escalated
    with session_scope() as s:
        escalation = s.exec(select(Escalation).order_by(col(Escalation.id))).first()
        youth_id = s.get(WorkItem, escalation.work_item_id).youth_id
    response = w.post("admin", f"/escalations/{escalation.id}/acknowledge")
    assert response.status_code == 200, response.text
    assert response.json()["youth_id"] == youth_id
    (row,) = rows(actor_id=w.ids["admin"], action="escalations.acknowledge")
    assert (row.object_id, row.youth_id, row.outcome) == (str(escalation.id), youth_id, "allowed")
    # Someone it was not sent to: not found, audited as such.
    assert w.post("coord_b", f"/escalations/{escalation.id}/acknowledge").status_code == 404
    (refused,) = rows(actor_id=w.ids["coord_b"], action="escalations.acknowledge")
    assert refused.outcome == "not_found"


def test_request_ids_are_the_servers_own_and_a_clean_client_id_is_kept_beside(world):
    y1 = world.ids["y1"]
    forged = world.get("m1", f"/youths/{y1}", headers={"X-Request-ID": "forged-id-<script>"})
    ours = forged.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", ours)
    clean = world.get("m1", f"/youths/{y1}", headers={"X-Request-ID": "client-42.a"})
    assert clean.headers["x-request-id"] != "client-42.a"
    first, second = rows(actor_id=world.ids["m1"], action="youths.read")
    assert (first.request_id, first.client_request_id) == (ours, None)
    assert (second.request_id, second.client_request_id) == (
        clean.headers["x-request-id"],
        "client-42.a",
    )
