"""As a client would: a coordinator registers a 14-year-old; the mediator does the intake."""

from __future__ import annotations

from datetime import date

from tests.factories import assessment
from tests.prefect_helpers import run_scheduled_pathway_runs


def test_register_complete_and_see_the_flow_runs(world, deployed):
    today = date.today()
    born = date(today.year - 14, 1, 2) if today.month > 1 else date(today.year - 15, 1, 2)
    registered = world.post("coord_a", "/youths", json={
        "first_name": "Nour", "last_name": "Alaoui", "first_name_ar": "نور", "last_name_ar": "العلوي",
        "date_of_birth": str(born), "sex": "female", "institution_id": world.ids["inst_a"],
        "admission_date": "2020-09-01", "education_level": "lower_secondary",
        "vocational_level": "none", "mediator_id": world.ids["m1"],
    }, headers={"Idempotency-Key": "nour-1"})  # fmt: skip
    assert registered.status_code == 201, registered.text
    youth = registered.json()
    assert youth["stage"] == "intake" and youth["code"].startswith("Y-")
    run_scheduled_pathway_runs()

    mine = world.get("m1", "/work-items", params={"assignee": "me", "youth_id": youth["id"]}).json()
    (intake,) = mine["items"]
    assert intake["kind"] == "intake_assessment"
    detail = world.get("m1", f"/work-items/{intake['id']}").json()
    assert "axes" in detail["payload_schema"]["properties"]
    done = world.post("m1", f"/work-items/{intake['id']}/complete", json=assessment(3))
    assert done.status_code == 200, done.text
    assert done.json()["kind"] == "work_item_completed"
    assert done.json()["pathway_run"] == "started" and done.json()["pathway_run_id"]
    run_scheduled_pathway_runs()  # what serve() does in `mowakaba up`

    kinds = [
        i["kind"]
        for i in world.get("m1", "/work-items", params={"youth_id": youth["id"]}).json()["items"]
    ]
    assert kinds == ["integration_plan"]
    timeline = world.get("m1", f"/youths/{youth['id']}/timeline").json()["items"]
    assert timeline[0]["occurred_at"] >= timeline[-1]["occurred_at"]  # newest first
    assert any(e["kind"] == "stage_entered" and e["stage"] == "planning" for e in timeline)
    runs = world.get("m1", f"/youths/{youth['id']}/flow-runs").json()
    assert len(runs) == 2 and all(r["name"] == f"pathway-{youth['code']}" for r in runs)
    assert all(r["state"] == "Completed" for r in runs)
    schedule = world.get("m1", f"/youths/{youth['id']}/schedule").json()
    assert schedule and schedule[0]["date"] >= str(today)
