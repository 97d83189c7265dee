"""Every page answers every role without a server error: the GET pages (api/pages) walked as
an admin, a supervisor, coordinators of both institutions, mediators and a partner, over a
case file that has everything issue 13 added (notes, documents with a signed plan, an
incident, a pending transfer, a referral). What a role may not see answers 403 or 404;
nothing answers 500."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from mowakaba.casework_schemas import NoteIn
from mowakaba.db import session_scope
from mowakaba.enums import WorkItemKind
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import Institution, Plan, Transfer, User, Youth
from mowakaba.services import case_notes as note_service
from mowakaba.services import incidents as incident_service
from mowakaba.services import transfers as transfer_service
from mowakaba.settings import REPO_ROOT
from tests.api.conftest import add_referrals, build_world
from tests.documents_files import store_document
from tests.factories import assessment, plan
from tests.pages.conftest import sign_in
from tests.pages.form_world import complete, open_item

ROLES = ("admin", "supervisor", "coord_a", "coord_b", "m1", "m2", "mb", "partner")
PRINTABLES = ("intake-assessment", "plan", "exit-checklist", "follow-up")


def page_paths() -> list[str]:
    """The GET routes of the pages, read from api/pages (every module's `@router.get`)."""
    found = set()
    for module in sorted((REPO_ROOT / "api" / "pages").glob("*.py")):
        found |= set(re.findall(r'@router\.get\(\s*"([^"]+)"', Path(module).read_text()))
    return sorted(found | {"/"})


@pytest.fixture
def full_world(committed):  # type: ignore[no-untyped-def]
    return add_case_file(add_referrals(build_world()))


def add_case_file(w, *, youth_view: str = "Je veux un travail", youth_goals: str = "أريد أن أشتغل",
                  note_text: str = "Visite", incident_text: str = "Parti",
                  document_name: str = "scan.pdf"):  # type: ignore[no-untyped-def]  # fmt: skip
    """y1's case file: an intake assessment, a plan, two documents (one a signed plan), a
    health note, a runaway; a pending transfer of y2. The texts are the caller's to choose
    (tests/privacy/test_minimisation.py plants canaries in them)."""
    y1 = w.ids["y1"]
    with session_scope() as s:
        complete(s, open_item(s, y1, WorkItemKind.intake_assessment).pk, w.ids["m1"],
                 assessment(3) | {"youth_view": youth_view})  # fmt: skip
        proposal = plan(("employment", date.today() + timedelta(days=60)))
        complete(s, open_item(s, y1, WorkItemKind.integration_plan).pk, w.ids["m1"],
                 proposal | {"youth_goals": youth_goals})  # fmt: skip
        youth, m1 = s.get(Youth, y1), s.get(User, w.ids["m1"])
        coord_a = s.get(User, w.ids["coord_a"])
        assert youth is not None and m1 is not None and coord_a is not None
        card = store_document(s, youth, m1, expiry_date=str(date.today() + timedelta(days=20)),
                              name=document_name)  # fmt: skip
        signed = store_document(s, youth, m1, kind="signed_plan", issued_date=str(date.today()))
        note = note_service.write_note(
            s, youth=youth, actor=m1, today=date.today(),
            data=NoteIn(kind="visit", with_whom=["youth"], contact_date=date.today(),
                        text=note_text, sensitivity="health"),
        )  # fmt: skip
        incident = incident_service.record_incident(
            s, youth_id=y1, actor=m1,
            report=IncidentReport(kind="runaway", description=incident_text,
                                  occurred_at=datetime.now(UTC) - timedelta(hours=2)),
        )  # fmt: skip
        transfer = transfer_service.request_transfer(
            s, youth_id=w.ids["y2"], actor=coord_a, to_institution_id=w.ids["inst_b"],
            reason="Rapprochement familial",
        )  # fmt: skip
        plan_row = s.exec(select(Plan).where(Plan.youth_id == y1)).one()
        assert plan_row.agreement_method is not None  # the signed copy recorded it
        w.ids.update(card=card.pk, signed=signed.pk, note=note.pk, incident=incident.pk,
                     transfer=transfer.pk, version=plan_row.version,
                     item=open_item(s, y1, WorkItemKind.plan_approval).pk)  # fmt: skip
        assert s.exec(select(Transfer)).first() is not None
        assert s.get(Institution, w.ids["inst_b"]) is not None
    return w


def concrete(path: str, ids: dict[str, int]) -> list[str]:
    values = {
        "youth_id": ids["y1"], "user_id": ids["m1"], "mediator_id": ids["m1"],
        "partner_id": ids["partner_a"], "service_id": ids["service_a"],
        "referral_id": ids["ref_a"], "transfer_id": ids["transfer"], "item_id": ids["item"],
        "note_id": ids["note"], "document_id": ids["signed"], "version": ids["version"],
        "token": "0" * 32,  # a register upload no one made: the 404 page, never a 500
    }  # fmt: skip
    if "{document}" in path:
        return [path.replace("{youth_id}", str(ids["y1"])).replace("{document}", d)
                for d in PRINTABLES] + [f"/youths/{ids['y1']}/print/plan?format=pdf"]  # fmt: skip
    if "{kind}" in path:  # the subject-access export: the PDF and the JSON archive
        return [path.replace("{youth_id}", str(ids["y1"])).replace("{kind}", k)
                for k in ("pdf", "zip")]  # fmt: skip
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, path
    return [path]


@pytest.mark.parametrize("who", ROLES)
def test_no_page_answers_500_to_any_role(full_world, who):
    client = TestClient(create_app(), base_url="http://testserver")
    client.__enter__()
    try:
        signed_in = sign_in(client, who)
        assert signed_in.status_code == 303, signed_in.text
        answers = {}
        for template in page_paths():
            for path in concrete(template, full_world.ids):
                answers[path] = client.get(path, follow_redirects=False).status_code
        broken = {p: code for p, code in answers.items() if code >= 500}
        assert broken == {}, who
        assert answers[f"/youths/{full_world.ids['y1']}"] in (200, 403, 404)
        # Indicators: coordinators, supervisors and admins; never a mediator or a partner.
        assert answers["/indicators"] == (403 if who in ("m1", "m2", "mb", "partner") else 200)
    finally:
        client.__exit__(None, None, None)
