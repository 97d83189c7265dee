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
