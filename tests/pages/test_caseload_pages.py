"""The caseload page and the transfer pages, through the TestClient: who sees them, a
caseload moved from a form, a transfer asked from the youth's file, decided by the
receiving coordinator, and the history the sending institution keeps."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from mowakaba.db import session_scope
from mowakaba.models import Transfer, WorkItem, Youth
from tests.pages.conftest import sign_in
from tests.pages.dashboard_world import build_dashboard_world
from tests.pages.world import csrf_of


def client_of(username: str) -> TestClient:
    client = TestClient(create_app(), base_url="http://testserver")
    assert sign_in(client, username).status_code == 303
    return client


def post(client: TestClient, path: str, form: str, data: dict) -> object:  # type: ignore[type-arg]
    token = csrf_of(client.get(form).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_caseload_page_and_a_caseload_moved_from_its_form(committed):
    w = build_dashboard_world(escalate=False)
    coord = client_of("coord")
    page = coord.get("/caseloads")
    assert page.status_code == 200 and 'href="/caseloads"' in page.text
    assert f'data-mediator="{w.ids["med1"]}"' in page.text
    assert f'href="/caseloads/{w.ids["med1"]}"' in page.text
    assert client_of("med1").get("/caseloads").status_code == 403
    assert client_of("super").get("/caseloads").status_code == 200
    assert coord.get(f"/caseloads/{w.ids['med_b']}").status_code == 404  # not of my institution

    form = f"/caseloads/{w.ids['med1']}"
    ticked = re.findall(r'name="youth_ids" value="(\d+)" checked', coord.get(form).text)
    assert len(ticked) == 3  # late, soon, leaving
    refused = post(coord, f"{form}/reassign", form, {"youth_ids": ticked})
    assert refused.status_code == 422 and 'id="form-error"' in refused.text
    moved = post(
        coord, f"{form}/reassign", form, {"youth_ids": ticked[:2], "target": str(w.ids["med2"])}
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/caseloads?done=2"
    assert 'id="done"' in coord.get("/caseloads?done=2").text
    with session_scope() as s:
        held = dict(s.exec(select(Youth.id, Youth.mediator_id)).all())
        assert [held[int(y)] for y in ticked] == [w.ids["med2"], w.ids["med2"], w.ids["med1"]]
        items = s.exec(select(WorkItem).where(WorkItem.youth_id == int(ticked[0]))).all()
        assert w.ids["med1"] not in {i.assignee_id for i in items if i.status == "open"}


def test_a_transfer_asked_from_the_file_and_accepted_by_the_receiving_coordinator(committed):
    w = build_dashboard_world(escalate=False)
    soon = w.ids["soon"]
    coord, coord_b = client_of("coord"), client_of("coord_b")
    assert f'href="/youths/{soon}/transfer"' in coord.get(f"/youths/{soon}").text
    assert client_of("med1").get(f"/youths/{soon}/transfer").status_code == 403
    form = f"/youths/{soon}/transfer"
    wrong = post(coord, form, form, {"to_institution_id": str(w.ids["b"]), "reason": " "})
    assert wrong.status_code == 422 and 'id="reason-error"' in wrong.text
    asked = post(
        coord, form, form, {"to_institution_id": str(w.ids["b"]), "reason": "Famille à Mohammedia"}
    )
    assert asked.status_code == 303, asked.text
    with session_scope() as s:
        transfer_id = s.exec(select(Transfer.id)).one()
    assert asked.headers["location"] == f"/transfers/{transfer_id}?done=requested"
    assert f'href="/transfers/{transfer_id}"' in coord.get(f"/youths/{soon}").text  # it waits

    waiting = coord_b.get("/transfers")
    assert waiting.status_code == 200 and f'data-transfer="{transfer_id}"' in waiting.text
    assert 'name="decision" value="accept"' in waiting.text
    assert 'name="decision" value="accept"' not in coord.get("/transfers").text  # the sender
    refusal = post(coord_b, f"/transfers/{transfer_id}/decide", "/transfers",
                   {"decision": "refuse", "reason": ""})  # fmt: skip
    assert refusal.status_code == 422
    accepted = post(coord_b, f"/transfers/{transfer_id}/decide", "/transfers",
                    {"decision": "accept", "mediator_id": str(w.ids["med_b"])})  # fmt: skip
    assert accepted.status_code == 303
    assert coord_b.get(f"/youths/{soon}").status_code == 200
    assert coord.get(f"/youths/{soon}").status_code == 404
    # The sending coordinator keeps the history up to the transfer, on the transfer's page.
    history = coord.get(f"/transfers/{transfer_id}")
    assert history.status_code == 200 and 'id="history-title"' in history.text
    assert (
        'data-kind="transfer_accepted"' in history.text and 'data-kind="registered"' in history.text
    )
    assert f'href="/youths/{soon}"' not in history.text
    assert client_of("med1").get(f"/transfers/{transfer_id}").status_code == 403
