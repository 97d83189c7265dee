"""Completing work through the forms, one per kind, as a browser posts them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from api.main import create_app
from api.pages.form_fields import specs_of
from mowakaba.db import session_scope
from mowakaba.enums import Axis, WorkItemKind, WorkItemStatus
from mowakaba.models import Assessment, AuditEvent, Plan, WorkItem, Youth
from mowakaba.schemas import PAYLOADS
from tests.pages.conftest import sign_in
from tests.pages.form_world import build_form_world
from tests.pages.world import PageWorld, csrf_of

TODAY = date.today()


@pytest.fixture
def world(committed) -> PageWorld:
    return build_form_world()


@cache
def shared_app():  # type: ignore[no-untyped-def]
    """One app for the module's clients: FastAPI builds an app's routes on its first request
    (~0.4 s each), and these tests never change the app (each client signs in afresh)."""
    return create_app()


def client_of(username: str) -> TestClient:
    client = TestClient(shared_app(), base_url="http://testserver")
    sign_in(client, username)
    return client


@pytest.fixture
def med1():  # type: ignore[no-untyped-def]
    with client_of("med1") as client:
        yield client


@pytest.fixture
def coord():  # type: ignore[no-untyped-def]
    with client_of("coord") as client:
        yield client


def post(client: TestClient, item_id: int, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(f"/work/{item_id}").text)
    return client.post(f"/work/{item_id}", data={"csrf_token": token, **data},
                       follow_redirects=False)  # fmt: skip


def item(item_id: int) -> WorkItem:
    with session_scope(write=False) as s:
        found = s.get(WorkItem, item_id)
        assert found is not None
        return found


def scores(value: int = 3, **axes: str) -> dict[str, str]:
    form = {f"axes.{a.value}.score": str(value) for a in Axis}
    form.update({f"axes.{k}.score": v for k, v in axes.items()})
    return form


def error_of(html: str, field_id: str) -> str:
    """The error shown next to a field; its control names it in aria-describedby."""
    found = re.search(rf'<span class="field-error" id="{field_id}-error">(.*?)</span>', html, re.S)
    assert found, f"no error next to {field_id}"
    assert re.search(rf'aria-describedby="[^"]*{field_id}-error', html)
    return found.group(1).strip()


def last_audit_id() -> int:
    with session_scope(write=False) as s:
        return s.exec(select(func.max(AuditEvent.id))).one() or 0


def audits_after(first: int) -> list[AuditEvent]:
    with session_scope(write=False) as s:
        return list(s.exec(select(AuditEvent).where(col(AuditEvent.id) > first)).all())


def test_every_field_and_option_of_every_payload_has_words():
    for model in set(PAYLOADS.values()):
        assert specs_of(model)  # a field or an option without a label raises KeyError


# A plan review is the intake's form (the same payload); the world has none open.
@pytest.mark.parametrize(
    "kind", [k for k in WorkItemKind if k != WorkItemKind.plan_review], ids=str
)
def test_each_kind_shows_its_form_to_whoever_completes_it(world, kind, med1, coord):
    client = (
        coord
        if kind
        in (
            WorkItemKind.plan_approval,
            WorkItemKind.exit_extension_decision,
            WorkItemKind.incident_response,
            WorkItemKind.runaway_decision,
        )
        else med1
    )
    page = client.get(f"/work/{world.ids[kind.value]}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'class="work-form"' in page.text and 'name="csrf_token"' in page.text
    assert '<link rel="stylesheet" href="/static/forms.css">' in page.text


def test_an_intake_assessment_is_completed_and_back_to_my_work_with_a_confirmation(world, med1):
    item_id, before = world.ids["intake_assessment"], last_audit_id()
    page = med1.get(f"/work/{item_id}").text
    assert "Santé" in page and "couverture médicale" in page  # each axis named and explained
    done = post(med1, item_id, {**scores(4, health="2"), "axes.health.needs": "Suivi dentaire"})
    assert done.status_code == 303 and done.headers["location"] == f"/work?done={item_id}"
    assert item(item_id).status == WorkItemStatus.done
    with session_scope(write=False) as s:
        assessment = s.exec(select(Assessment).where(Assessment.work_item_id == item_id)).one()
        assert assessment.assessed_by_id == world.ids["med1"]
    rows = audits_after(before)
    assert any(a.action == "work_items.complete" and a.youth_id == world.ids["late"] for a in rows)
    assert any(a.action == "work_items.read" and a.youth_id == world.ids["late"] for a in rows)
    notice = med1.get(done.headers["location"]).text
    assert 'id="done"' in notice and "Enregistré" in notice


def test_a_wrong_assessment_shows_each_error_by_its_field_keeps_the_input_and_changes_nothing(
    world, med1
):
    item_id = world.ids["intake_assessment"]
    form = {**scores(3), "axes.health.score": "", "axes.housing.needs": "Chambre chez un oncle",
            "axes.employment.needs": "x" * 2001, "notes": "bad \x00 byte"}  # fmt: skip
    wrong = post(med1, item_id, form)
    assert wrong.status_code == 422
    html = wrong.text
    assert error_of(html, "f-axes-health-score") == "Obligatoire."
    assert "2000" in error_of(html, "f-axes-employment-needs")
    assert error_of(html, "f-notes")
    assert "Chambre chez un oncle" in html  # kept
    assert re.search(r'name="axes.life_skills.score" value="3"\s+checked', html)
    assert 'class="error-summary"' in html and 'href="#f-axes-health-score"' in html
    assert item(item_id).status == WorkItemStatus.open


def test_plan_rows_are_added_and_removed_without_javascript_keeping_what_was_typed(world, med1):
    item_id = world.ids["integration_plan"]
    page = med1.get(f"/work/{item_id}").text
    assert page.count('class="row"') == 1
    assert "Santé" in page and "Logement" in page  # the weak axes named
    typed = {"milestones.0.axis": "health", "milestones.0.title": "Bilan de santé"}
    added = post(med1, item_id, {**typed, "add_row": "1"})
    assert added.status_code == 200 and added.text.count('class="row"') == 2
    assert 'value="Bilan de santé"' in added.text
    two = {**typed, "milestones.1.axis": "housing", "milestones.1.title": "Foyer"}
    removed = post(med1, item_id, {**two, "remove_row": "0"})
    assert removed.text.count('class="row"') == 1
    assert 'value="Foyer"' in removed.text and "Bilan de santé" not in removed.text
    assert item(item_id).status == WorkItemStatus.open


def test_a_plan_is_checked_by_the_model_then_by_the_service_and_then_submitted(world, med1):
    item_id = world.ids["integration_plan"]
    later = str(TODAY + timedelta(days=40))
    row = {"milestones.0.axis": "health", "milestones.0.title": "Bilan",
           "milestones.0.owner": "Le jeune", "milestones.0.due_date": later}  # fmt: skip
    missing = post(med1, item_id, {**row, "milestones.0.owner": ""})
    assert missing.status_code == 422
    assert error_of(missing.text, "f-milestones-0-owner") == "Obligatoire."
    uncovered = post(med1, item_id, row)  # housing, assessed 1, has no milestone
    assert uncovered.status_code == 422
    assert "1 ou 2" in error_of(uncovered.text, "f-milestones")
    housing = {"milestones.1.axis": "housing", "milestones.1.title": "Foyer",
               "milestones.1.owner": "Le médiateur", "milestones.1.due_date": str(TODAY)}  # fmt: skip
    past = post(med1, item_id, {**row, **housing})
    assert past.status_code == 422
    assert error_of(past.text, "f-milestones-1-due_date").startswith("Choisissez une date après")
    assert 'value="Foyer"' in past.text and item(item_id).status == WorkItemStatus.open
    done = post(med1, item_id, {**row, **housing, "milestones.1.due_date": later})
    assert done.status_code == 303
    with session_scope(write=False) as s:
        kinds = s.exec(select(WorkItem.kind).where(WorkItem.youth_id == world.ids["soon"],
                                                   WorkItem.status == WorkItemStatus.open)).all()  # fmt: skip
    assert WorkItemKind.plan_approval in kinds


def test_a_coordinator_sends_a_plan_back_with_a_comment_and_the_mediator_reworks_it(
    world, coord, med1
):
    item_id = world.ids["plan_approval"]
    page = coord.get(f"/work/{item_id}").text
    assert "Bilan de santé au centre" in page  # the plan to approve
    no_comment = post(coord, item_id, {"decision": "reject"})
    assert no_comment.status_code == 422
    assert "commentaire" in error_of(no_comment.text, "f-comment")
    back = post(coord, item_id, {"decision": "reject", "comment": "Ajouter un jalon logement"})
    assert back.status_code == 303 and item(item_id).status == WorkItemStatus.done
    with session_scope(write=False) as s:
        rework = s.exec(select(WorkItem).where(WorkItem.youth_id == world.ids["planned"],
                                               WorkItem.kind == WorkItemKind.integration_plan,
                                               WorkItem.status == WorkItemStatus.open)).one()  # fmt: skip
    again = med1.get(f"/work/{rework.id}").text
    assert "Ajouter un jalon logement" in again
    assert 'value="Bilan de santé au centre"' in again  # the rows of the plan sent back


def test_a_coordinator_approves_a_plan(world, coord):
    assert post(coord, world.ids["plan_approval"], {"decision": "approve"}).status_code == 303
    with session_scope(write=False) as s:
        plan = s.exec(select(Plan).where(Plan.youth_id == world.ids["planned"])).one()
        assert plan.status.value == "approved"


def test_an_unplanned_exit_needs_a_reason_and_a_date_not_in_the_future(world, med1):
    item_id = world.ids["record_exit"]
    form = {"exit_date": str(TODAY), "kind": "runaway", "destination": "unknown"}
    no_reason = post(med1, item_id, form)
    assert no_reason.status_code == 422 and error_of(no_reason.text, "f-reason")
    future = post(
        med1, item_id, {**form, "reason": "Parti", "exit_date": str(TODAY + timedelta(days=3))}
    )
    assert future.status_code == 422 and error_of(future.text, "f-exit_date")
    assert 'value="Parti"' not in future.text and ">Parti</textarea>" in future.text
    assert post(med1, item_id, {**form, "reason": "Parti de nuit"}).status_code == 303
    with session_scope(write=False) as s:
        youth = s.get(Youth, world.ids["leaving"])
        assert youth is not None and youth.exit_date == TODAY and youth.exit_kind.value == "runaway"


def test_a_checkpoint_with_contact_records_every_finding_or_says_no_contact(world, med1):
    item_id = world.ids["follow_up_checkpoint"]
    partial = post(med1, item_id, {"contact": "true", "housing": "shared_flat"})
    assert partial.status_code == 422
    for name in ("activity", "income", "well_being"):
        assert error_of(partial.text, f"f-{name}")
    assert 'value="shared_flat" selected' in partial.text
    assert post(med1, item_id, {"contact": "false", "notes": "Téléphone coupé"}).status_code == 303


def test_milestone_checks_and_checklist_items_need_their_details(world, med1):
    check = world.ids["milestone_check"]
    delayed = post(med1, check, {"outcome": "delayed"})
    assert delayed.status_code == 422 and error_of(delayed.text, "f-new_due_date")
    new_date = str(TODAY + timedelta(days=30))
    assert post(med1, check, {"outcome": "delayed", "new_due_date": new_date}).status_code == 303
    checklist = world.ids["exit_checklist_item"]
    assert post(med1, checklist, {"outcome": "not_needed"}).status_code == 422
    assert post(med1, checklist, {"outcome": "done"}).status_code == 303
    shown = med1.get(f"/work/{checklist}").text  # read-only now, with what it recorded
    assert 'class="work-form"' not in shown and "Terminé le" in shown and "Fait" in shown


def test_an_extension_is_decided_by_a_coordinator(world, coord):
    item_id = world.ids["exit_extension_decision"]
    assert "Finit sa formation OFPPT" in coord.get(f"/work/{item_id}").text
    assert post(coord, item_id, {"decision": "approve"}).status_code == 303


def test_another_mediators_item_is_not_found_like_a_missing_one(world, med1):
    with client_of("med2") as med2:
        before = last_audit_id()
        theirs = med2.get(f"/work/{world.ids['intake_assessment']}")
        missing = med2.get("/work/999999")
        assert theirs.status_code == missing.status_code == 404
        assert "introuvable" in theirs.text.lower()
        token = csrf_of(med2.get("/work").text)
        posted = med2.post(f"/work/{world.ids['intake_assessment']}",
                           data={"csrf_token": token, **scores()})  # fmt: skip
        assert posted.status_code == 404
    assert item(world.ids["intake_assessment"]).status == WorkItemStatus.open
    refused = [a for a in audits_after(before) if a.outcome.value == "not_found"]
    assert {a.action for a in refused} == {"work_items.read", "work_items.complete"}


def test_a_partner_is_refused_and_a_coordinator_reads_a_mediators_item_without_its_form(
    world, coord
):
    with client_of("partner") as partner:
        assert partner.get(f"/work/{world.ids['intake_assessment']}").status_code == 403
    page = coord.get(f"/work/{world.ids['intake_assessment']}")
    assert page.status_code == 200 and 'class="work-form"' not in page.text
    assert "Assigné à Nadia Alaoui" in page.text
    token = csrf_of(page.text)
    refused = coord.post(f"/work/{world.ids['intake_assessment']}",
                         data={"csrf_token": token, **scores()})  # fmt: skip
    assert refused.status_code == 403


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(world, med1):
    item_id = world.ids["intake_assessment"]
    for data in ({}, {"csrf_token": "nope"}):
        refused = med1.post(f"/work/{item_id}", data={**data, **scores()})
        assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    assert item(item_id).status == WorkItemStatus.open


def test_a_completed_item_is_not_completed_twice(world, med1):
    item_id = world.ids["exit_checklist_item"]
    assert post(med1, item_id, {"outcome": "done"}).status_code == 303
    assert post(med1, item_id, {"outcome": "done"}).status_code == 409


def test_the_form_speaks_arabic_right_to_left(world, med1):
    token = csrf_of(med1.get("/work").text)
    med1.post("/language", data={"csrf_token": token, "language": "ar", "back": "/work"})
    page = med1.get(f"/work/{world.ids['intake_assessment']}").text
    assert 'dir="rtl"' in page and "الصحة" in page and "حفظ التقييم" in page
