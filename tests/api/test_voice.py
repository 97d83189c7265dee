"""The young person's own voice through the API: their view in the assessment, their goals
in the plan, their agreement recorded after submission (in person, before a witness), the
language of their documents; bad agreements refused with nothing changed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import WorkItemKind
from mowakaba.models import Assessment, Plan
from mowakaba.services import reconciliation
from tests.api.test_access import intake_of
from tests.factories import assessment, plan


def item(w, who: str, kind: WorkItemKind) -> int:
    items = w.get(who, "/work-items", params={"youth_id": w.ids["y1"]}).json()["items"]
    return next(i["id"] for i in items if i["kind"] == kind.value and i["status"] == "open")


def submit_plan(w, **extra) -> None:
    body = assessment(3) | {"youth_view": "Je veux apprendre la cuisine"}
    done = w.post("m1", f"/work-items/{intake_of(w.ids['y1'])}/complete", json=body)
    assert done.status_code == 200, done.text
    with session_scope() as s:  # what the youth's pathway run does (no Prefect here)
        reconciliation.reconcile_youth(s, w.ids["y1"])
    proposal = plan(("employment", date.today() + timedelta(days=60)))
    proposal |= {"youth_goals": "أريد أن أصبح طباخا"} | extra
    plan_item = item(w, "m1", WorkItemKind.integration_plan)
    answer = w.post("m1", f"/work-items/{plan_item}/complete", json=proposal)
    assert answer.status_code == 200, answer.text


def agreement(**fields):
    return {"agreement_method": "in_person", "agreement_date": str(date.today()),
            "agreement_witness_name": "Fatima Zahra", "agreement_witness_role": "Éducatrice",
            **fields}  # fmt: skip


def test_the_youths_words_are_kept_and_the_agreement_is_recorded_in_person(world):
    w = world
    submit_plan(w)
    with session_scope() as s:
        assert s.exec(select(Assessment.youth_view)).one() == "Je veux apprendre la cuisine"
        assert s.exec(select(Plan.youth_goals)).one() == "أريد أن أصبح طباخا"
    path = f"/youths/{w.ids['y1']}/plans/1/agreement"
    assert w.post("m2", path, json=agreement()).status_code == 404  # not m2's youth
    answer = w.post("m1", path, json=agreement(), headers={"Idempotency-Key": "agree-1"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["agreement_method"], body["agreement_witness_name"]) == (
        "in_person",
        "Fatima Zahra",
    )
    replay = w.post("m1", path, json=agreement(), headers={"Idempotency-Key": "agree-1"})
    assert replay.status_code == 201 and replay.json() == body
    again = w.post("m1", path, json=agreement(agreement_method="signed_on_paper"))
    assert again.status_code == 409
    timeline = w.get("m1", f"/youths/{w.ids['y1']}/timeline").json()["items"]
    assert [e["kind"] for e in timeline].count("plan_agreement_recorded") == 1


def test_a_future_date_or_an_empty_witness_is_refused_naming_the_field(world):
    w = world
    submit_plan(w)
    path = f"/youths/{w.ids['y1']}/plans/1/agreement"
    tomorrow = str(date.today() + timedelta(days=1))
    future = w.post("m1", path, json=agreement(agreement_date=tomorrow))
    assert future.status_code == 422 and "agreement_date" in future.json()["error"]["message"]
    empty = w.post("m1", path, json=agreement(agreement_witness_name=""))
    assert empty.status_code == 422
    assert "agreement_witness_name" in empty.json()["error"]["message"]
    with session_scope() as s:
        assert s.exec(select(Plan.agreement_method)).one() is None
    missing = f"/youths/{w.ids['y1']}/plans/2/agreement"
    assert w.post("m1", missing, json=agreement()).status_code == 404  # no version 2


def test_the_plan_can_carry_its_agreement_and_the_youth_their_language(world):
    w = world
    submit_plan(w, agreement_method="signed_on_paper", agreement_date=str(date.today()))
    with session_scope() as s:
        row = s.exec(select(Plan)).one()
        assert row.agreement_method == "signed_on_paper" and row.agreement_witness_name is None
    assert w.get("m1", f"/youths/{w.ids['y1']}").json()["language"] == "ar"
    changed = w.patch("m1", f"/youths/{w.ids['y1']}", json={"language": "fr"})
    assert changed.status_code == 200 and changed.json()["language"] == "fr"
    assert w.patch("m1", f"/youths/{w.ids['y1']}", json={"language": "es"}).status_code == 422
