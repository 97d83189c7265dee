"""The parts of the case file follow the youth: a transfer moves their notes, documents and
incidents (with their open response, runaway decision and renewal items) to the new
institution, and the old one reads none of it (404 like a missing id); a caseload
reassignment moves the new kinds of work items too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import AssigneePool, WorkItemKind
from mowakaba.models import Incident, WorkItem
from mowakaba.services import sweep
from tests.documents_files import pdf_bytes

NOTE = {"kind": "visit", "with_whom": ["youth"], "contact_date": str(date.today()),
        "text": "Visite au foyer", "sensitivity": "family"}  # fmt: skip


def case_file(w) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """y1 with a sensitive note, an ID card expiring soon (its renewal asked), a runaway of
    eight days (its response and its decision asked) and a hospitalisation."""
    y1 = w.ids["y1"]
    note = w.post("m1", f"/youths/{y1}/notes", json=NOTE)
    assert note.status_code == 201, note.text
    expiry = str(date.today() + timedelta(days=20))
    card = w.post("m1", f"/youths/{y1}/documents", files={"file": ("cnie.pdf", pdf_bytes(),
                  "application/pdf")}, data={"kind": "national_id_card",
                  "issued_date": "2020-01-10", "expiry_date": expiry})  # fmt: skip
    assert card.status_code == 201, card.text
    when = (datetime.now(UTC) - timedelta(days=8)).isoformat(timespec="minutes")
    runaway = w.post("m1", f"/youths/{y1}/incidents", json={"kind": "runaway",
                     "occurred_at": when, "description": "Parti sans prévenir"})  # fmt: skip
    assert runaway.status_code == 201, runaway.text
    with session_scope() as s:
        done = sweep.sweep(s)
        assert done.runaway_decisions == 1
    return {
        "note": note.json()["id"],
        "document": card.json()["id"],
        "incident": runaway.json()["id"],
    }


def open_work(youth_id: int) -> dict[WorkItemKind, WorkItem]:
    with session_scope() as s:
        rows = s.exec(select(WorkItem).where(WorkItem.youth_id == youth_id,
                                             WorkItem.status == "open")).all()  # fmt: skip
        return {r.kind: r for r in rows}


def test_a_transfer_moves_notes_documents_and_incidents_and_the_old_side_reads_none(world):
    w, y1 = world, world.ids["y1"]
    ids = case_file(w)
    work = open_work(y1)
    assert work[WorkItemKind.document_renewal].assignee_id == w.ids["m1"]
    assert (
        work[WorkItemKind.incident_response].assignee_pool == AssigneePool.institution_coordinators
    )
    asked = w.post("coord_a", f"/youths/{y1}/transfers",
                   json={"to_institution_id": w.ids["inst_b"], "reason": "Rapprochement"})  # fmt: skip
    accepted = w.post("coord_b", f"/transfers/{asked.json()['id']}/accept",
                      json={"mediator_id": w.ids["mb"]})  # fmt: skip
    assert accepted.status_code == 200, accepted.text

    work = open_work(y1)
    for kind in (WorkItemKind.document_renewal, WorkItemKind.incident_response,
                 WorkItemKind.runaway_decision):  # fmt: skip
        assert work[kind].institution_id == w.ids["inst_b"], kind
    assert work[WorkItemKind.document_renewal].assignee_id == w.ids["mb"]
    for kind in (WorkItemKind.incident_response, WorkItemKind.runaway_decision):
        assert work[kind].assignee_pool == AssigneePool.institution_coordinators
    with session_scope() as s:  # the open incident is the new institution's to follow
        assert s.get(Incident, ids["incident"]).institution_id == w.ids["inst_b"]

    reads = {
        "notes": f"/youths/{y1}/notes",
        "note": f"/youths/{y1}/notes/{ids['note']}",
        "documents": f"/youths/{y1}/documents",
        "document": f"/youths/{y1}/documents/{ids['document']}",
        "incidents": f"/youths/{y1}/incidents",
        "contacts": f"/youths/{y1}/contacts",
    }
    for name, path in reads.items():  # the new side reads everything
        for who in ("coord_b", "mb"):
            assert w.get(who, path).status_code == 200, (who, name)
    assert w.get("mb", f"/youths/{y1}/documents/{ids['document']}/file").status_code == 200
    assert (
        w.get("mb", f"/youths/{y1}/notes/{ids['note']}").json()["versions"][0]["text"]
        == NOTE["text"]
    )
    assert [i["id"] for i in w.get("coord_b", "/incidents").json()["items"]] == [ids["incident"]]

    for who in ("coord_a", "m1"):  # the old side: 404 like a missing id
        for name, path in reads.items():
            answer = w.get(who, path)
            assert answer.status_code == 404, (who, name, answer.status_code)
        assert w.get(who, f"/youths/{y1}/documents/{ids['document']}/file").status_code == 404
    assert w.get("coord_a", "/incidents").json()["total"] == 0
    for action in ("acknowledge", "close"):
        gone = w.post("coord_a", f"/incidents/{ids['incident']}/{action}", json={})
        missing = w.post("coord_a", f"/incidents/999999/{action}", json={})
        assert gone.status_code == 404 and gone.json() == missing.json()
    # The new coordinators act on it.
    done = w.post("coord_b", f"/incidents/{ids['incident']}/acknowledge", json={})
    assert done.status_code == 200, done.text


def test_a_caseload_reassignment_moves_the_renewal_and_leaves_pool_items(world):
    w, y1 = world, world.ids["y1"]
    case_file(w)
    moved = w.post("coord_a", "/caseloads/reassign",
                   json={"from_mediator_id": w.ids["m1"], "to_mediator_id": w.ids["m2"]})  # fmt: skip
    assert moved.status_code == 200, moved.text
    work = open_work(y1)
    assert work[WorkItemKind.document_renewal].assignee_id == w.ids["m2"]
    for kind in (WorkItemKind.incident_response, WorkItemKind.runaway_decision):
        assert work[kind].assignee_id is None
        assert work[kind].assignee_pool == AssigneePool.institution_coordinators
    assert w.get("m2", f"/youths/{y1}/notes").status_code == 200
    assert w.get("m1", f"/youths/{y1}/notes").status_code == 404
