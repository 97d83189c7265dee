"""A coordinator reassigns a youth: the open work goes with it to the new mediator."""

from __future__ import annotations

from tests.api.test_access import intake_of
from tests.factories import assessment


def test_reassigned_youth_takes_its_open_work_to_the_new_mediator(world):
    y1, item = world.ids["y1"], intake_of(world.ids["y1"])
    assert world.get("m1", f"/work-items/{item}").status_code == 200

    moved = world.patch("coord_a", f"/youths/{y1}", json={"mediator_id": world.ids["m2"]})
    assert moved.status_code == 200, moved.text

    assert world.get("m1", f"/work-items/{item}").status_code == 404
    refused = world.post("m1", f"/work-items/{item}/complete", json=assessment(3))
    assert refused.status_code == 404
    detail = world.get("m2", f"/work-items/{item}")
    assert detail.status_code == 200 and detail.json()["assignee_id"] == world.ids["m2"]
    done = world.post("m2", f"/work-items/{item}/complete", json=assessment(3))
    assert done.status_code == 200, done.text

    timeline = world.get("m2", f"/youths/{y1}/timeline").json()["items"]
    (change,) = [e for e in timeline if e["kind"] == "mediator_changed"]
    assert change["data"] == {"from": world.ids["m1"], "to": world.ids["m2"], "work_items": [item]}


def done_item(w, kind, subject, payload=None):  # type: ignore[no-untyped-def]
    """A work item of y1 that m1 completed before losing the youth."""
    from datetime import date, timedelta

    from mowakaba.clock import now
    from mowakaba.db import session_scope
    from mowakaba.enums import WorkItemStatus
    from mowakaba.models import Youth
    from mowakaba.rules import WorkItemSpec
    from mowakaba.services.work_items import create_work_item

    with session_scope() as s:
        youth = s.get(Youth, w.ids["y1"])
        spec = WorkItemSpec(kind, date.today() + timedelta(days=30), subject=subject)
        item = create_work_item(s, youth=youth, on=date.today(), spec=spec)
        item.status, item.completed_at = WorkItemStatus.done, now()
        item.completed_by_id, item.payload = w.ids["m1"], payload
        s.add(item)
        s.flush()
        return item.id


def page_of(who, path):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests.pages.conftest import sign_in

    with TestClient(create_app(), base_url="http://testserver") as client:
        assert sign_in(client, who).status_code == 303
        return client.get(path)


def test_a_mediator_who_lost_a_youth_reads_their_own_done_item_not_the_youths_file(world):
    from mowakaba.enums import WorkItemKind
    from tests.api.test_documents import send
    from tests.documents_files import pdf_bytes

    w, y1 = world, world.ids["y1"]
    checkpoint = done_item(w, WorkItemKind.follow_up_checkpoint, "m1")
    mine = send(w, "m1", data=pdf_bytes(), name="old-card.pdf").json()["id"]
    checklist = done_item(w, WorkItemKind.exit_checklist_item, "national_id_card",
                          {"outcome": "done", "document_id": mine})  # fmt: skip
    moved = w.post("coord_a", "/caseloads/reassign",
                   json={"from_mediator_id": w.ids["m1"], "to_mediator_id": w.ids["m2"]})  # fmt: skip
    assert moved.status_code == 200, moved.text
    moved_to = w.put("m2", f"/youths/{y1}/contacts", json={"address": "New hideout 7"})
    assert moved_to.status_code == 200
    assert send(w, "m2", data=pdf_bytes(), name="new-card.pdf").status_code == 201

    page = page_of("m1", f"/work/{checkpoint}")
    assert page.status_code == 200  # the worker's own record
    assert "New hideout 7" not in page.text and "Amine" not in page.text
    page = page_of("m1", f"/work/{checklist}")
    assert page.status_code == 200 and "old-card.pdf" in page.text  # the answer it recorded
    assert "new-card.pdf" not in page.text and "Amine" not in page.text
    # The youth's mediator now reads the same pages with the youth's current details.
    page = page_of("m2", f"/work/{checkpoint}")
    assert "New hideout 7" in page.text and "Amine" in page.text
