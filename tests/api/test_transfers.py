"""A youth moves to another institution: asked by the sending coordinators, accepted by
the receiving ones; the file, its open work and its history move; the old institution
reads the history up to the transfer, and nothing else."""

from __future__ import annotations

from sqlmodel import col, func, select

from mowakaba.db import session_scope
from mowakaba.enums import NotificationKind, WorkItemStatus
from mowakaba.models import Notification, WorkItem, Youth
from mowakaba.services import reconciliation
from tests.api.test_access import intake_of
from tests.factories import assessment


def ask(w, youth="y1", to="inst_b", who="coord_a"):  # type: ignore[no-untyped-def]
    return w.post(who, f"/youths/{w.ids[youth]}/transfers",
                  json={"to_institution_id": w.ids[to], "reason": "Placement closer to family"})  # fmt: skip


def notices(kind: NotificationKind) -> list[int]:
    with session_scope() as s:
        rows = s.exec(select(Notification).where(Notification.kind == kind)).all()
        return sorted(n.recipient_id for n in rows)


def test_a_transfer_is_asked_accepted_and_moves_the_file_and_its_work(world):
    w = world
    y1, item = w.ids["y1"], intake_of(w.ids["y1"])
    asked = ask(w)
    assert asked.status_code == 201, asked.text
    transfer = asked.json()
    assert transfer["status"] == "requested" and transfer["youth_code"]
    assert notices(NotificationKind.transfer_requested) == [w.ids["coord_b"]]
    assert ask(w).status_code == 422  # one request at a time
    # The receiving coordinators see the request, not yet the youth.
    incoming = w.get("coord_b", "/transfers?direction=incoming").json()
    assert [t["id"] for t in incoming["items"]] == [transfer["id"]]
    assert w.get("coord_b", f"/youths/{y1}").status_code == 404
    assert w.get("coord_a", "/transfers?direction=incoming").json()["total"] == 0
    # Only the receiving side decides; the sender may not accept its own request.
    refused = w.post("coord_a", f"/transfers/{transfer['id']}/accept", json={})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_receiver"
    wrong = w.post("coord_b", f"/transfers/{transfer['id']}/accept",
                   json={"mediator_id": w.ids["m2"]})  # fmt: skip
    assert wrong.status_code == 422  # a mediator of the sending institution

    accepted = w.post("coord_b", f"/transfers/{transfer['id']}/accept",
                      json={"mediator_id": w.ids["mb"], "comment": "Welcome"})  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "accepted" and body["mediator_id"] == w.ids["mb"]
    assert body["pathway_run"] == "deferred"  # no Prefect here: the sweep catches up
    assert notices(NotificationKind.transfer_decided) == [w.ids["coord_a"]]
    with session_scope() as s:
        youth = s.get(Youth, y1)
        assert youth.institution_id == w.ids["inst_b"] and youth.mediator_id == w.ids["mb"]
        assert youth.needs_reconciliation  # flagged for the next sweep
        moved = s.get(WorkItem, item)
        assert moved.institution_id == w.ids["inst_b"] and moved.assignee_id == w.ids["mb"]
    # The new institution sees and works everything.
    assert w.get("coord_b", f"/youths/{y1}").status_code == 200
    assert w.get("mb", f"/work-items/{item}").status_code == 200
    done = w.post("mb", f"/work-items/{item}/complete", json=assessment(3))
    assert done.status_code == 200, done.text
    # The old mediator sees nothing any more; deciding twice is refused.
    assert w.get("m1", f"/youths/{y1}").status_code == 404
    again = w.post("coord_b", f"/transfers/{transfer['id']}/refuse", json={"reason": "no"})
    assert again.status_code == 409


def test_the_old_institution_reads_the_history_before_the_transfer_only(world):
    w = world
    y1, item = w.ids["y1"], intake_of(w.ids["y1"])
    transfer = ask(w).json()
    w.post("coord_b", f"/transfers/{transfer['id']}/accept", json={"mediator_id": w.ids["mb"]})
    assert w.post("mb", f"/work-items/{item}/complete", json=assessment(3)).status_code == 200

    new_side = [e["kind"] for e in w.get("coord_b", f"/youths/{y1}/timeline").json()["items"]]
    assert "registered" in new_side and "work_item_completed" in new_side  # everything
    for who in ("coord_a", "supervisor"):  # the sending coordinators, the region's supervisor
        old_side = w.get(who, f"/youths/{y1}/timeline")
        assert old_side.status_code == 200, (who, old_side.text)
        kinds = [e["kind"] for e in old_side.json()["items"]]
        assert kinds[0] == "transfer_accepted" and "registered" in kinds
        assert "work_item_completed" not in kinds and "stage_entered" in kinds
        # No current work, record, schedule or referrals: 404 like a missing id.
        missing = w.get(who, "/youths/999999")
        for path in (f"/youths/{y1}", f"/youths/{y1}/schedule", f"/work-items/{item}",
                     f"/youths/{y1}/referrals", f"/youths/{y1}/consents"):  # fmt: skip
            response = w.get(who, path)
            assert response.status_code == 404 and response.json() == missing.json(), path
        assert y1 not in [y["id"] for y in w.get(who, "/youths").json()["items"]]
    # The old mediator reads nothing, not even the history.
    assert w.get("m1", f"/youths/{y1}/timeline").status_code == 404
    # An institution the youth never belonged to reads nothing either.
    assert w.get("coord_b", f"/youths/{w.ids['y2']}/timeline").status_code == 404


def test_the_pathway_runs_again_without_duplicating_work(world):
    w = world
    y1 = w.ids["y1"]
    transfer = ask(w).json()
    w.post("coord_b", f"/transfers/{transfer['id']}/accept", json={})  # to the pool
    with session_scope() as s:
        before = s.exec(select(func.count()).where(WorkItem.youth_id == y1)).one()
        # What the pathway run (or the sweep's catch-up) does after the commit, twice.
        for _ in range(2):
            assert not reconciliation.reconcile_youth(s, y1).changed
        kinds = s.exec(
            select(WorkItem.kind, WorkItem.subject, func.count())
            .where(WorkItem.youth_id == y1)
            .group_by(col(WorkItem.kind), col(WorkItem.subject))
        ).all()
        assert all(n == 1 for _, _, n in kinds)
        assert s.exec(select(func.count()).where(WorkItem.youth_id == y1)).one() == before
        pool = s.exec(
            select(WorkItem).where(WorkItem.youth_id == y1, WorkItem.status == WorkItemStatus.open)
        ).all()
        assert pool and all(
            i.assignee_id is None and i.institution_id == w.ids["inst_b"] for i in pool
        )
    # Pool work of institution B: its coordinators now see it as theirs.
    mine = w.get("coord_b", "/work-items?assignee=me").json()
    assert {i["youth_id"] for i in mine["items"]} == {y1}


def test_refused_and_cancelled_transfers_leave_the_youth_where_it_is(world):
    w = world
    first = ask(w).json()
    assert (
        w.post("coord_b", f"/transfers/{first['id']}/refuse", json={"reason": ""}).status_code
        == 422
    )
    refused = w.post("coord_b", f"/transfers/{first['id']}/refuse", json={"reason": "No room"})
    assert refused.status_code == 200 and refused.json()["decision_comment"] == "No room"
    second = ask(w).json()
    assert w.post("coord_b", f"/transfers/{second['id']}/cancel", json={}).status_code == 403
    cancelled = w.post("coord_a", f"/transfers/{second['id']}/cancel", json={})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    with session_scope() as s:
        assert s.get(Youth, w.ids["y1"]).institution_id == w.ids["inst_a"]
    kinds = [e["kind"] for e in w.get("coord_a", f"/youths/{w.ids['y1']}/timeline").json()["items"]]
    assert kinds[:4] == ["transfer_cancelled", "transfer_requested", "transfer_refused",
                         "transfer_requested"]  # fmt: skip
    assert notices(NotificationKind.transfer_decided) == sorted(
        [w.ids["coord_a"], w.ids["coord_b"]]
    )
    # The coordinators of either side read them; a third institution's do not.
    assert w.get("coord_b", f"/transfers/{first['id']}").status_code == 200
    assert w.get("coord_a", "/transfers?direction=outgoing").json()["total"] == 2
    # A youth of another institution, the same institution, a missing institution: refused.
    assert ask(w, youth="y3").status_code == 404
    assert ask(w, to="inst_a").status_code == 422
    missing = w.post("coord_a", f"/youths/{w.ids['y1']}/transfers",
                     json={"to_institution_id": 99999, "reason": "x"})  # fmt: skip
    assert missing.status_code == 422 and "to_institution_id" in missing.json()["error"]["message"]


def test_the_old_mediator_reads_nothing_current_of_a_transferred_youth(world):
    from mowakaba.enums import WorkItemKind
    from tests.api.test_reassign import done_item, page_of

    w, y1 = world, world.ids["y1"]
    checkpoint = done_item(w, WorkItemKind.follow_up_checkpoint, "m1")
    asked = ask(w)
    accepted = w.post("coord_b", f"/transfers/{asked.json()['id']}/accept",
                      json={"mediator_id": w.ids["mb"]})  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    new = {"phone": "0612345678", "address": "12 rue Secrète, Fès"}
    assert w.put("mb", f"/youths/{y1}/contacts", json=new).status_code == 200
    page = page_of("m1", f"/work/{checkpoint}")
    assert page.status_code == 200
    assert "rue Secrète" not in page.text and "0612" not in page.text and "Amine" not in page.text
