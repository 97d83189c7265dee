"""A coordinator moves a whole caseload (a mediator leaving) in one action and one
transaction: every open item follows its youth, each receiving mediator is told once,
every youth's timeline says so, and a failure half-way changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, func, select

from mowakaba.db import session_scope
from mowakaba.enums import EventKind, NotificationKind, Role, WorkItemStatus
from mowakaba.models import Institution, Notification, PathwayEvent, User, WorkItem, Youth
from mowakaba.services import youths as youth_service
from tests.factories import at, make_user, make_youth

CASELOAD = 30


@pytest.fixture
def caseload(world):
    """m1 holds 30 youths of institution A (y1 and 29 more), each with its open intake;
    three of the items are overdue; m3 is a third mediator of A."""
    with session_scope() as s:
        a = s.get(Institution, world.ids["inst_a"])
        m1 = s.get(User, world.ids["m1"])
        today = at(date.today())
        for n in range(CASELOAD - 1):
            make_youth(s, a, m1, first_name="Youssef", date_of_birth=date(2011, 1, 1 + n % 28),
                       as_of=today)  # fmt: skip
        world.ids["m3"] = make_user(s, Role.mediator, [a], username="m3").pk
        late = s.exec(
            select(WorkItem).where(WorkItem.assignee_id == m1.pk).order_by(col(WorkItem.id))
        ).all()[:3]
        for item in late:
            item.due_date = date.today() - timedelta(days=5)
            s.add(item)
    return world


def state(ids):
    """Who holds what: youths per mediator, open items per assignee, events, notifications."""
    with session_scope() as s:
        youths = dict(s.exec(select(Youth.id, Youth.mediator_id)).all())
        items = dict(
            s.exec(
                select(WorkItem.id, WorkItem.assignee_id).where(
                    WorkItem.status == WorkItemStatus.open
                )
            ).all()
        )
        changes = s.exec(
            select(func.count()).where(PathwayEvent.kind == EventKind.mediator_changed)
        ).one()
        notices = s.exec(
            select(Notification).where(Notification.kind == NotificationKind.caseload_assigned)
        ).all()
        return youths, items, changes, [(n.recipient_id, n.context) for n in notices]


def test_the_caseload_page_counts_youths_open_and_overdue_work(caseload):
    w = caseload
    rows = w.get("coord_a", "/caseloads").json()
    by = {r["mediator_id"]: r for r in rows}
    assert {r["institution_id"] for r in rows} == {w.ids["inst_a"]}
    assert by[w.ids["m1"]]["youths"] == CASELOAD and by[w.ids["m1"]]["open_items"] == CASELOAD
    assert by[w.ids["m1"]]["overdue_items"] == 3
    assert by[w.ids["m2"]]["youths"] == 1 and by[w.ids["m3"]]["youths"] == 0
    assert by[None]["youths"] == 0  # the line of youths without a mediator, and the pool
    assert {r["institution_id"] for r in w.get("coord_b", "/caseloads").json()} == {w.ids["inst_b"]}
    assert w.get("supervisor", "/caseloads").status_code == 200
    assert w.get("coord_a", f"/caseloads?institution_id={w.ids['inst_b']}").status_code == 404
    assert w.get("m1", "/caseloads").status_code == 403


def test_a_whole_caseload_moves_with_its_work_and_a_retry_tells_nobody_twice(caseload):
    w = caseload
    m1, m2 = w.ids["m1"], w.ids["m2"]
    youths, items, changes, _ = state(w.ids)
    mine = sorted(y for y, m in youths.items() if m == m1)
    my_items = sorted(i for i, a in items.items() if a == m1)
    assert len(mine) == CASELOAD and len(my_items) == CASELOAD
    body = {"from_mediator_id": m1, "to_mediator_id": m2}
    headers = {"Idempotency-Key": "m1-leaves"}

    first = w.post("coord_a", "/caseloads/reassign", json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = w.post("coord_a", "/caseloads/reassign", json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert sorted(first.json()["work_items"]) == my_items
    assert [y["youth_id"] for y in first.json()["youths"]] == mine

    youths, items, after, notices = state(w.ids)
    assert all(youths[y] == m2 for y in mine)
    assert all(items[i] == m2 for i in my_items) and m1 not in items.values()
    assert after == changes + CASELOAD  # one mediator_changed per youth, not two
    assert len(notices) == 1
    ((recipient, context),) = notices
    assert recipient == m2 and context["count"] == CASELOAD and context["work_items"] == CASELOAD
    # Without the key, a second request finds nothing left to move and tells nobody.
    empty = w.post("coord_a", "/caseloads/reassign", json=body)
    assert empty.status_code == 200 and empty.json()["youths"] == []
    assert state(w.ids)[3] == notices
    # The timeline of each youth says who from and who to, with the items moved.
    line = w.get("m2", f"/youths/{mine[0]}/timeline").json()["items"]
    (change,) = [e for e in line if e["kind"] == "mediator_changed"]
    assert change["data"]["from"] == m1 and change["data"]["to"] == m2
    assert len(change["data"]["work_items"]) == 1
    # The old mediator sees none of it any more.
    assert w.get("m1", "/youths").json()["total"] == 0
    assert w.get("m1", "/work-items").json()["total"] == 0


def test_spread_evenly_over_the_other_mediators(caseload):
    w = caseload
    moved = w.post("coord_a", "/caseloads/reassign",
                   json={"from_mediator_id": w.ids["m1"], "spread": True})  # fmt: skip
    assert moved.status_code == 200, moved.text
    targets = [y["mediator_id"] for y in moved.json()["youths"]]
    assert set(targets) == {w.ids["m2"], w.ids["m3"]}
    youths = state(w.ids)[0]
    held = [sum(1 for m in youths.values() if m == who) for who in (w.ids["m2"], w.ids["m3"])]
    assert sum(held) == CASELOAD + 1 and abs(held[0] - held[1]) <= 1  # m2 had y2 already
    assert len(state(w.ids)[3]) == 2  # one summary per receiving mediator


def test_a_chosen_subset_moves_alone(caseload):
    w = caseload
    youths = state(w.ids)[0]
    chosen = sorted(y for y, m in youths.items() if m == w.ids["m1"])[:2]
    moved = w.post("coord_a", "/caseloads/reassign", json={
        "from_mediator_id": w.ids["m1"], "to_mediator_id": w.ids["m3"], "youth_ids": chosen})  # fmt: skip
    assert moved.status_code == 200, moved.text
    after = state(w.ids)[0]
    assert [y for y, m in after.items() if m == w.ids["m3"]] == chosen
    assert sum(1 for m in after.values() if m == w.ids["m1"]) == CASELOAD - 2


def test_refusals_change_nothing(caseload):
    w = caseload
    before = state(w.ids)
    m1 = w.ids["m1"]
    cases = [
        ("coord_a", {"from_mediator_id": m1, "to_mediator_id": w.ids["mb"]}, 422),  # not of A
        ("coord_a", {"from_mediator_id": m1}, 422),  # nowhere to go
        ("coord_a", {"from_mediator_id": m1, "to_mediator_id": w.ids["m2"], "spread": True}, 422),
        ("coord_b", {"from_mediator_id": m1, "to_mediator_id": w.ids["mb"]}, 422),  # not B's
        ("coord_a", {"from_mediator_id": m1, "to_mediator_id": w.ids["m2"],
                     "youth_ids": [w.ids["y3"]]}, 404),  # another institution's youth
        ("coord_a", {"from_mediator_id": m1, "to_mediator_id": w.ids["m2"],
                     "youth_ids": [w.ids["y2"]]}, 422),  # not m1's
        ("m1", {"from_mediator_id": m1, "to_mediator_id": w.ids["m2"]}, 403),
    ]  # fmt: skip
    for who, body, status in cases:
        response = w.post(who, "/caseloads/reassign", json=body)
        assert response.status_code == status, (body, response.text)
    assert state(w.ids) == before


def test_a_failure_half_way_changes_nothing(caseload, monkeypatch):
    w = caseload
    before = state(w.ids)
    real, calls = youth_service.update_youth, []

    def breaks_at_the_fifteenth(session, **kw):  # type: ignore[no-untyped-def]
        calls.append(kw["youth_id"])
        if len(calls) == 15:
            raise RuntimeError("the database went away")
        return real(session, **kw)

    monkeypatch.setattr(youth_service, "update_youth", breaks_at_the_fifteenth)
    response = w.post("coord_a", "/caseloads/reassign",
                      json={"from_mediator_id": w.ids["m1"], "to_mediator_id": w.ids["m2"]},
                      headers={"Idempotency-Key": "half-way"})  # fmt: skip
    assert response.status_code == 500 and len(calls) == 15
    assert state(w.ids) == before  # no youth, item, event or notification changed
    monkeypatch.setattr(youth_service, "update_youth", real)
    # The key was rolled back with the rest: the same request now does the whole move.
    done = w.post("coord_a", "/caseloads/reassign",
                  json={"from_mediator_id": w.ids["m1"], "to_mediator_id": w.ids["m2"]},
                  headers={"Idempotency-Key": "half-way"})  # fmt: skip
    assert done.status_code == 200 and len(done.json()["youths"]) == CASELOAD
