"""The toolkit's printables and the young person's voice, through the pages: the youth
file's panel, the print view and its PDF in scope only (audited), the agreement recorded
after submission, and bad agreements refused with nothing changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.enums import AgreementMethod, EventKind, Role, WorkItemKind
from mowakaba.models import Institution, PathwayEvent, Plan
from tests.factories import assessment, make_user, plan
from tests.pages.conftest import sign_in
from tests.pages.form_world import complete, open_item
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.world import csrf_of
from tests.test_letters import has_arabic, pdf_text

GOALS = "أريد أن أتعلم الطبخ"  # "I want to learn cooking"


@pytest.fixture
def planned(world):
    """med1's late youth: assessed (with their view), a plan with their goals, approved."""
    youth_id = world.ids["late"]
    with session_scope() as s:
        payload = assessment(3) | {"youth_view": "Je veux un travail"}
        complete(s, open_item(s, youth_id, WorkItemKind.intake_assessment).pk, world.ids["med1"],
                 payload)  # fmt: skip
        proposal = plan(("employment", date.today() + timedelta(days=60))) | {"youth_goals": GOALS}
        complete(s, open_item(s, youth_id, WorkItemKind.integration_plan).pk, world.ids["med1"],
                 proposal)  # fmt: skip
        complete(s, open_item(s, youth_id, WorkItemKind.plan_approval).pk, world.ids["coord"],
                 {"decision": "approve"})  # fmt: skip
        region = s.exec(select(Institution.region)).first()
        world.ids["super"] = make_user(s, Role.supervisor, [], username="super",
                                       region=region).pk  # fmt: skip
    return world


def client_of(username: str) -> TestClient:
    client = TestClient(create_app(), base_url="http://testserver")
    client.__enter__()
    sign_in(client, username)
    return client


def test_the_file_shows_the_goals_the_missing_agreement_and_the_print_links(planned):
    client = client_of("med1")
    page = client.get(f"/youths/{planned.ids['late']}")
    assert page.status_code == 200
    assert GOALS in page.text and "Accord pas encore enregistré" in page.text
    for document in ("intake-assessment", "plan"):
        assert f"/youths/{planned.ids['late']}/print/{document}" in page.text
    assert "/print/exit-checklist" not in page.text  # nothing to print yet


def test_the_mediator_prints_the_plan_in_arabic_by_default_and_in_french_on_request(planned):
    youth_id = planned.ids["late"]
    before = audit_mark()
    client = client_of("med1")
    page = client.get(f"/youths/{youth_id}/print/plan")
    assert page.status_code == 200 and 'lang="ar" dir="rtl"' in page.text and GOALS in page.text
    assert (
        "<nav" not in page.text and "style-src 'sha256-" in page.headers["content-security-policy"]
    )
    french = client.get(f"/youths/{youth_id}/print/plan?lang=fr")
    assert 'lang="fr"' in french.text and "Accord pas encore enregistré" in french.text
    pdf = client.get(f"/youths/{youth_id}/print/plan?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].endswith('-ar.pdf"')
    assert has_arabic(pdf_text(pdf.content), GOALS.replace(" ", ""))
    intake = client.get(f"/youths/{youth_id}/print/intake-assessment?lang=en&format=html")
    assert intake.status_code == 200 and "Je veux un travail" in intake.text
    rows = audit_since(before, "youths.print")
    assert {(r.outcome.value, r.youth_id) for r in rows} == {("allowed", youth_id)}
    assert [r.object_type for r in rows] == ["plan", "plan", "plan", "intake-assessment"]


def test_out_of_scope_is_not_found_a_partner_is_refused_a_supervisor_sees_no_own_words(planned):
    youth_id = planned.ids["late"]
    before = audit_mark()
    assert client_of("med2").get(f"/youths/{youth_id}/print/plan").status_code == 404
    assert client_of("med1").get("/youths/999999/print/plan").status_code == 404
    assert client_of("partner").get(f"/youths/{youth_id}/print/plan").status_code == 403
    assert client_of("med1").get(f"/youths/{youth_id}/print/follow-up").status_code == 404
    assert client_of("med1").get(f"/youths/{youth_id}/print/letter").status_code == 404
    supervisor = client_of("super").get(f"/youths/{youth_id}/print/plan?lang=en")
    assert supervisor.status_code == 200 and GOALS not in supervisor.text
    assert "not shown on this copy" in supervisor.text
    outcomes = [r.outcome.value for r in audit_since(before, "youths.print")]
    assert outcomes[:2] == ["not_found", "not_found"]


def post_agreement(client: TestClient, youth_id: int, **fields: str):
    form = client.get(f"/youths/{youth_id}/plans/1/agreement")
    data = {"csrf_token": csrf_of(form.text), "agreement_method": "", "agreement_date": "",
            "agreement_witness_name": "", "agreement_witness_role": "", **fields}  # fmt: skip
    return client.post(f"/youths/{youth_id}/plans/1/agreement", data=data, follow_redirects=False)


def test_the_agreement_confirmed_in_person_with_a_witness_is_recorded_and_shown(planned):
    youth_id = planned.ids["late"]
    client = client_of("med1")
    today = date.today().isoformat()
    answer = post_agreement(client, youth_id, agreement_method="in_person", agreement_date=today,
                            agreement_witness_name="Fatima Zahra",
                            agreement_witness_role="Éducatrice")  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"].endswith("#voice")
    page = client.get(f"/youths/{youth_id}")
    assert "Fatima Zahra" in page.text and "Accord pas encore enregistré" not in page.text
    assert 'data-kind="plan_agreement_recorded"' in page.text  # on the timeline
    printed = client.get(f"/youths/{youth_id}/print/plan?lang=en")
    assert "Fatima Zahra" in printed.text and "Éducatrice" in printed.text
    with session_scope() as s:
        plan_row = s.exec(select(Plan).where(Plan.youth_id == youth_id)).one()
        assert plan_row.agreement_method == AgreementMethod.in_person
        assert plan_row.agreement_recorded_by_id == planned.ids["med1"]
        kinds = s.exec(select(PathwayEvent.kind).where(PathwayEvent.youth_id == youth_id)).all()
        assert kinds.count(EventKind.plan_agreement_recorded) == 1
    again = post_agreement(client, youth_id, agreement_method="signed_on_paper",
                           agreement_date=today)  # fmt: skip
    assert again.status_code == 422 and "déjà enregistré" in again.text


def test_a_future_date_or_a_missing_witness_is_refused_and_nothing_changes(planned):
    youth_id = planned.ids["late"]
    client = client_of("med1")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = post_agreement(client, youth_id, agreement_method="signed_on_paper",
                            agreement_date=tomorrow)  # fmt: skip
    assert (
        future.status_code == 422
        and "Choisissez la date du jour ou une date antérieure." in future.text
    )
    no_witness = post_agreement(client, youth_id, agreement_method="in_person",
                                agreement_date=date.today().isoformat(),
                                agreement_witness_role="Éducatrice")  # fmt: skip
    assert no_witness.status_code == 422
    assert 'id="agreement_witness_name-error"' in no_witness.text
    assert 'id="agreement_witness_role-error"' not in no_witness.text
    with session_scope() as s:
        assert s.exec(select(Plan.agreement_method).where(Plan.youth_id == youth_id)).one() is None
    assert client_of("med2").get(f"/youths/{youth_id}/plans/1/agreement").status_code == 404


def test_the_forms_ask_for_the_youths_words_and_refuse_an_agreement_dated_tomorrow(world):
    youth_id = world.ids["late"]
    client = client_of("med1")
    with session_scope() as s:
        intake_id = open_item(s, youth_id, WorkItemKind.intake_assessment).pk
    intake = client.get(f"/work/{intake_id}").text
    assert 'name="youth_view"' in intake and "Le point de vue du jeune" in intake
    with session_scope() as s:
        complete(s, intake_id, world.ids["med1"], assessment(4))
        plan_id = open_item(s, youth_id, WorkItemKind.integration_plan).pk
    form = client.get(f"/work/{plan_id}").text
    for name in ("youth_goals", "agreement_method", "agreement_date", "agreement_witness_name"):
        assert f'name="{name}"' in form, name
    later = (date.today() + timedelta(days=40)).isoformat()
    data = {"csrf_token": csrf_of(form), "milestones.0.axis": "employment",
            "milestones.0.title": "Stage", "milestones.0.owner": "le jeune",
            "milestones.0.due_date": later, "youth_goals": GOALS,
            "agreement_method": "signed_on_paper",
            "agreement_date": (date.today() + timedelta(days=1)).isoformat()}  # fmt: skip
    refused = client.post(f"/work/{plan_id}", data=data, follow_redirects=False)
    assert refused.status_code == 422 and 'id="f-agreement_date-error"' in refused.text
    data["agreement_date"] = date.today().isoformat()
    assert client.post(f"/work/{plan_id}", data=data, follow_redirects=False).status_code == 303
    with session_scope() as s:
        row = s.exec(select(Plan).where(Plan.youth_id == youth_id)).one()
        assert row.youth_goals == GOALS and row.agreement_method == AgreementMethod.signed_on_paper


def test_the_coordinator_may_approve_a_plan_the_youth_has_not_agreed_to_yet_and_is_told(world):
    youth_id = world.ids["late"]
    with session_scope() as s:
        complete(s, open_item(s, youth_id, WorkItemKind.intake_assessment).pk,
                 world.ids["med1"], assessment(4))  # fmt: skip
        complete(s, open_item(s, youth_id, WorkItemKind.integration_plan).pk, world.ids["med1"],
                 plan(("employment", date.today() + timedelta(days=60))))  # fmt: skip
        approval_id = open_item(s, youth_id, WorkItemKind.plan_approval).pk
    client = client_of("coord")
    page = client.get(f"/work/{approval_id}")
    assert "Accord pas encore enregistré" in page.text
    data = {"csrf_token": csrf_of(page.text), "decision": "approve"}
    assert client.post(f"/work/{approval_id}", data=data, follow_redirects=False).status_code == 303
    with session_scope() as s:
        assert s.exec(select(Plan.status).where(Plan.youth_id == youth_id)).one() == "approved"


def test_the_signed_plan_uploaded_records_the_agreement_and_the_file_links_it(planned):
    """A signed paper copy of the plan (no version given: the one to agree to) records the
    agreement "signed on paper" on its date of issue, once; the file and the print say so."""
    from mowakaba.models import User, Youth
    from tests.documents_files import store_document

    youth_id, signed_on = planned.ids["late"], date.today() - timedelta(days=2)
    with session_scope() as s:
        youth, med1 = s.get(Youth, youth_id), s.get(User, planned.ids["med1"])
        document = store_document(s, youth, med1, kind="signed_plan",
                                  issued_date=str(signed_on))  # fmt: skip
        plan_row = s.exec(select(Plan).where(Plan.youth_id == youth_id)).one()
        assert document.plan_id == plan_row.id
        assert (plan_row.agreement_method, plan_row.agreement_date) == (
            AgreementMethod.signed_on_paper,
            signed_on,
        )
        store_document(s, youth, med1, kind="signed_plan", issued_date=str(date.today()),
                       plan_id=plan_row.id)  # a second copy: the agreement stays  # fmt: skip
        assert plan_row.agreement_date == signed_on
        events = s.exec(select(PathwayEvent.kind).where(PathwayEvent.youth_id == youth_id)).all()
        assert events.count(EventKind.plan_agreement_recorded) == 1
    client = client_of("med1")
    page = client.get(f"/youths/{youth_id}")
    assert "Signé sur papier" in page.text and "La copie signée" in page.text
    assert f"/youths/{youth_id}/documents/" in page.text.split('class="signed-copy"')[1][:200]
    printed = client.get(f"/youths/{youth_id}/print/plan?lang=fr")
    assert "La copie signée est conservée dans le dossier" in printed.text


def test_the_printed_exit_checklist_names_the_document_that_met_an_item(planned):
    from mowakaba.models import User, WorkItem, Youth
    from mowakaba.rules import WorkItemSpec
    from mowakaba.services.work_items import create_work_item
    from tests.documents_files import store_document

    youth_id = planned.ids["late"]
    with session_scope() as s:
        youth, med1 = s.get(Youth, youth_id), s.get(User, planned.ids["med1"])
        spec = WorkItemSpec(WorkItemKind.exit_checklist_item, date.today() + timedelta(days=30),
                            subject="national_id_card")  # fmt: skip
        create_work_item(s, youth=youth, spec=spec, on=date.today())
        store_document(s, youth, med1, issued_date="2024-01-10",
                       expiry_date=str(date.today() + timedelta(days=3650)))  # fmt: skip
        item = s.exec(select(WorkItem).where(WorkItem.youth_id == youth_id,
                                             WorkItem.subject == "national_id_card")).one()  # fmt: skip
        assert item.payload["document_id"]
    printed = client_of("med1").get(f"/youths/{youth_id}/print/exit-checklist?lang=fr")
    assert printed.status_code == 200, printed.text
    assert "Rempli par le document : Carte nationale (CIN)" in printed.text
