"""The dashboard of coordinators and supervisors, and its two forms, without a browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from api.main import create_app
from api.pages import dashboard as dashboard_page
from mowakaba.db import session_scope
from mowakaba.enums import EventKind
from mowakaba.models import AuditEvent, Escalation, Institution, PathwayEvent, User, WorkItem
from mowakaba.rules import add_months
from tests.factories import at, make_youth
from tests.pages.conftest import sign_in
from tests.pages.dashboard_world import build_dashboard_world
from tests.pages.world import PageWorld, csrf_of

Client = Callable[[str], TestClient]


@pytest.fixture
def dash(committed) -> PageWorld:
    return build_dashboard_world()


@pytest.fixture
def client_of() -> Iterator[Client]:
    """A signed-in browser-like client per user name; all closed afterwards."""
    opened: list[TestClient] = []

    def open_for(username: str) -> TestClient:
        client = TestClient(create_app())
        client.__enter__()
        opened.append(client)
        assert sign_in(client, username).status_code == 303
        return client

    yield open_for
    for client in opened:
        client.__exit__(None, None, None)


def stage_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-stage="(\w+)"><span class="figure">(\d+)</span>', html)
    return {stage: int(n) for stage, n in found}


def listed(html: str, section: str) -> list[str]:
    """The youth codes of one list of the dashboard (escalations, plans, leaving)."""
    part = html.split(f'<ol class="items {section}">', 1)
    return (
        re.findall(r'data-youth="([^"]+)"', part[1].split("</ol>", 1)[0]) if len(part) > 1 else []
    )


def audit_rows(after: int, **where) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        query = select(AuditEvent).where(col(AuditEvent.id) > after)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(s.exec(query))


def last_audit_id() -> int:
    with session_scope() as s:
        return s.exec(select(func.max(AuditEvent.id))).one() or 0


def escalation_of(item_id: int, level: int) -> Escalation:
    with session_scope() as s:
        return s.exec(
            select(Escalation).where(Escalation.work_item_id == item_id, Escalation.level == level)
        ).one()


def item(item_id: int) -> WorkItem:
    with session_scope() as s:
        return s.get_one(WorkItem, item_id)


# ---------------------------------------------------------------- what it shows


def test_coordinators_and_supervisors_land_on_the_dashboard_mediators_on_their_work(dash):
    for username, landing in (("coord", "/dashboard"), ("super", "/dashboard"),
                              ("med1", "/work")):  # fmt: skip
        with TestClient(create_app()) as client:
            assert sign_in(client, username).headers["location"] == landing
            nav = client.get(landing).text
            assert ('href="/dashboard"' in nav) is (landing == "/dashboard")


def test_a_coordinator_sees_their_institution_per_stage_and_what_needs_them(dash, client_of):
    page = client_of("coord").get("/dashboard")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    # Institution A only: three youths in intake, one planning, one preparing the exit.
    assert stage_counts(html) == {"enrolled": 0, "intake": 3, "planning": 1, "active": 0,
                                  "exit_preparation": 1, "exited": 0, "follow_up": 0,
                                  "closed": 0}  # fmt: skip
    assert dash.codes["in_b"] not in html and dash.codes["in_c"] not in html
    assert 'id="by-institution"' not in html  # one institution: no roll-up table
    # Level-1 escalations sent to the coordinator, oldest first; the level 2 goes elsewhere.
    escalated = listed(html, "escalations")
    assert escalated[0] == dash.codes["late"] and dash.codes["planned"] not in escalated
    assert f'action="/work/{dash.ids["late_intake"]}/reschedule"' in html
    assert listed(html, "plans") == [dash.codes["planned"]]
    assert f'href="/work/{dash.ids["plan_approval"]}"' in html
    assert listed(html, "leaving") == [dash.codes["leaving"]]
    assert "0 sur 7" in html or "0 of 7" in html  # the exit checklist: nothing done yet
    # Overdue per mediator: Nadia Alaoui has the one item late today.
    table = html.split('id="overdue-by-mediator"', 1)[1].split("</table>", 1)[0]
    assert "Nadia Alaoui" in table and "med2" not in table
    assert 'action="/youths"' in html and 'name="q"' in html  # the search box


def test_the_dashboard_audits_every_youth_it_names(dash, client_of):
    client = client_of("coord")
    before = last_audit_id()
    html = client.get("/dashboard").text
    shown = set(re.findall(r'data-youth="([^"]+)"', html))
    ids = {code: dash.ids[name] for name, code in dash.codes.items()}
    rows = audit_rows(before, action="dashboard.view")
    assert {r.youth_id for r in rows} == {ids[c] for c in shown}
    assert all(r.outcome == "allowed" and r.actor_id == dash.ids["coord"] for r in rows)


def test_a_supervisor_sees_the_region_rolled_up_per_institution(dash, client_of):
    html = client_of("super").get("/dashboard").text
    table = html.split('id="by-institution"', 1)[1].split("</table>", 1)[0]
    assert "Dar Al Atfal Ain Chock" in table and "Dar Al Atfal Mohammedia" in table
    assert "Salé" not in table  # another region
    assert stage_counts(html)["intake"] == 4  # three in A, one in B
    # Names only in the escalations sent to them (level 2); no lists of youths otherwise.
    assert set(listed(html, "escalations")) == {
        dash.codes["late"],
        dash.codes["planned"],
        dash.codes["in_b"],
    }
    assert listed(html, "plans") == [] and listed(html, "leaving") == []
    assert "/reschedule" not in html  # only coordinators grant new dates
    national = client_of("nation").get("/dashboard").text
    assert "Dar Al Atfal Salé" in national and "Rabat-Salé-Kénitra" in national


@pytest.mark.parametrize("username", ["med1", "partner", "admin"])
def test_other_roles_get_the_403_page_audited(dash, client_of, username):
    before = last_audit_id()
    page = client_of(username).get("/dashboard")
    assert page.status_code == 403 and "Accès refusé" in page.text
    (row,) = audit_rows(before, action="dashboard.view")
    assert row.outcome == "denied"


# ---------------------------------------------------------------- paging


def nav_of(html: str, section: str) -> str:
    """The paging links of one section of the page ("" when it has one page)."""
    part = html.split(f'id="{section}" tabindex="-1">', 1)[1].split("</section>", 1)[0]
    found = re.search(r'<nav class="pagination".*?</nav>', part, re.S)
    return found.group(0) if found else ""


def one_more_leaving(dash: PageWorld) -> None:
    """A second youth of institution A leaving care soon (in three months)."""
    today = date.today()
    with session_scope() as s:
        a = s.get_one(Institution, dash.ids["institution"])
        med1 = s.get_one(User, dash.ids["med1"])
        youth = make_youth(s, a, med1, first_name="Omar", last_name="Tazi",
                           first_name_ar="عمر", last_name_ar="التازي",
                           date_of_birth=add_months(today, -(17 * 12 + 9)), as_of=at(today))  # fmt: skip
        dash.ids["leaving2"], dash.codes["leaving2"] = youth.pk, youth.code


def test_each_list_pages_on_its_own_and_the_links_keep_the_others(dash, client_of, monkeypatch):
    one_more_leaving(dash)
    coord, supervisor = client_of("coord"), client_of("super")
    every_leaving = listed(coord.get("/dashboard").text, "leaving")
    every_escalation = listed(supervisor.get("/dashboard").text, "escalations")
    assert len(every_leaving) == 2 and len(every_escalation) == 3
    monkeypatch.setattr(dashboard_page, "PAGE_SIZE", 1)

    first = coord.get("/dashboard").text
    assert listed(first, "leaving") == every_leaving[:1]
    nav = nav_of(first, "leaving")
    assert "Page 1 sur 2" in nav or "Page 1 of 2" in nav
    assert 'href="/dashboard?leaving_page=2#leaving" rel="next"' in nav and 'rel="prev"' not in nav
    assert nav_of(first, "plans") == ""  # one plan: one page, no links

    before = last_audit_id()
    second = coord.get("/dashboard?leaving_page=2&plans_page=3")
    assert second.status_code == 200
    assert listed(second.text, "leaving") == every_leaving[1:]
    assert listed(second.text, "plans") == []  # past its last page: nothing
    nav = nav_of(second.text, "leaving")
    assert "Page 2 sur 2" in nav or "Page 2 of 2" in nav
    assert 'href="/dashboard?plans_page=3&amp;leaving_page=1#leaving" rel="prev"' in nav
    assert 'rel="next"' not in nav
    # The audit names the youths of the pages shown, not those of the other pages.
    audited = {r.youth_id for r in audit_rows(before, action="dashboard.view")}
    shown = set(re.findall(r'data-youth="([^"]+)"', second.text))
    assert audited == {dash.ids[n] for n, code in dash.codes.items() if code in shown}

    page = supervisor.get("/dashboard?escalations_page=2&leaving_page=4").text
    assert listed(page, "escalations") == every_escalation[1:2]
    nav = nav_of(page, "escalations")
    assert "Page 2 sur 3" in nav or "Page 2 of 3" in nav
    assert 'href="/dashboard?leaving_page=4&amp;escalations_page=1#escalations"' in nav
    assert 'href="/dashboard?leaving_page=4&amp;escalations_page=3#escalations"' in nav


@pytest.mark.parametrize("query", ["escalations_page=0", "plans_page=x", "leaving_page=100001"])
def test_a_bad_page_number_is_the_422_page(dash, client_of, query):
    page = client_of("coord").get(f"/dashboard?{query}")
    assert page.status_code == 422 and "<html" in page.text


# ---------------------------------------------------------------- acknowledging


def test_a_coordinator_acknowledges_an_escalation_in_place(dash, client_of):
    client = client_of("coord")
    escalation = escalation_of(dash.ids["late_intake"], 1)
    html = client.get("/dashboard").text
    before = last_audit_id()
    done = client.post(
        f"/escalations/{escalation.id}/acknowledge", data={"csrf_token": csrf_of(html)},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"] == "/dashboard?done=acknowledged#escalations"
    acknowledged = escalation_of(dash.ids["late_intake"], 1)
    assert acknowledged.acknowledged_by_id == dash.ids["coord"]
    (row,) = audit_rows(before, action="escalations.acknowledge")
    assert (row.outcome, row.youth_id) == ("allowed", dash.ids["late"])
    after = client.get("/dashboard?done=acknowledged").text
    assert 'role="status"' in after
    assert f'data-escalation="{escalation.id}"' not in after
    # A second click changes nothing and lands on the dashboard all the same.
    again = client.post(f"/escalations/{escalation.id}/acknowledge",
                        data={"csrf_token": csrf_of(html)}, follow_redirects=False)  # fmt: skip
    assert again.status_code == 303
    assert escalation_of(dash.ids["late_intake"], 1).acknowledged_at == acknowledged.acknowledged_at


def test_acknowledging_without_the_csrf_token_is_refused(dash, client_of):
    client = client_of("coord")
    escalation = escalation_of(dash.ids["late_intake"], 1)
    for data in ({}, {"csrf_token": "forged"}):
        refused = client.post(f"/escalations/{escalation.id}/acknowledge", data=data)
        assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    assert escalation_of(dash.ids["late_intake"], 1).acknowledged_at is None


def test_an_escalation_not_sent_to_me_is_the_404_page(dash, client_of):
    client = client_of("coord")
    token = csrf_of(client.get("/dashboard").text)
    before = last_audit_id()
    for escalation_id in (escalation_of(dash.ids["b_intake"], 1).id, 999_999):
        missing = client.post(f"/escalations/{escalation_id}/acknowledge",
                              data={"csrf_token": token})  # fmt: skip
        assert missing.status_code == 404 and "Page introuvable" in missing.text
    rows = audit_rows(before, action="escalations.acknowledge")
    assert [r.outcome for r in rows] == ["not_found", "not_found"]
    assert all(r.youth_id is None for r in rows)
    assert escalation_of(dash.ids["b_intake"], 1).acknowledged_at is None


# ---------------------------------------------------------------- rescheduling


def reschedule(client: TestClient, item_id: int, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/dashboard").text)
    return client.post(f"/work/{item_id}/reschedule", data={"csrf_token": token, **data},
                       follow_redirects=False)  # fmt: skip


def test_a_coordinator_reschedules_an_overdue_item_with_a_reason(dash, client_of):
    client = client_of("coord")
    new = date.today() + timedelta(days=14)
    before = last_audit_id()
    done = reschedule(client, dash.ids["late_intake"], due_date=new.isoformat(),
                      reason="Le jeune était hospitalisé")  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"] == "/dashboard?done=rescheduled#escalations"
    moved = item(dash.ids["late_intake"])
    assert (moved.due_date, moved.cycle, moved.escalation_level) == (new, 1, 0)
    assert escalation_of(dash.ids["late_intake"], 1).closed_at is not None
    with session_scope() as s:
        event = s.exec(select(PathwayEvent).where(
            PathwayEvent.work_item_id == dash.ids["late_intake"],
            PathwayEvent.kind == EventKind.work_item_rescheduled,
        )).one()  # fmt: skip
    assert event.actor_id == dash.ids["coord"]
    (row,) = audit_rows(before, action="work_items.reschedule")
    assert (row.outcome, row.youth_id) == ("allowed", dash.ids["late"])
    assert dash.codes["late"] not in listed(client.get("/dashboard").text, "escalations")


@pytest.mark.parametrize(
    "due_date, reason, field, message",
    [
        ("", "Raison", "due", "Indiquez la nouvelle échéance"),
        ("31/12/2026", "Raison", "due", "Indiquez la nouvelle échéance"),
        ("yesterday", "Raison", "due", "Indiquez la nouvelle échéance"),
        ("past", "Raison", "due", "Choisissez une date entre aujourd'hui et"),
        ("far", "Raison", "due", "Choisissez une date entre aujourd'hui et"),
        ("soon", "   ", "reason", "Dites pourquoi la date change"),
        ("soon", "x" * 501, "reason", "500 caractères au plus"),
        ("soon", "bad\u202ebidi", "reason", "caractères qui ne peuvent pas être enregistrés"),
    ],
)
def test_a_wrong_new_date_reshows_the_form_with_the_error_by_its_field(
    dash, client_of, due_date, reason, field, message
):
    client = client_of("coord")
    today = date.today()
    typed = {"past": today - timedelta(days=1), "far": today + timedelta(days=400),
             "soon": today + timedelta(days=7)}.get(due_date)  # fmt: skip
    sent = typed.isoformat() if typed else due_date
    before = item(dash.ids["late_intake"])
    page = reschedule(client, dash.ids["late_intake"], due_date=sent, reason=reason)
    assert page.status_code == 422
    key = dash.ids["late_intake"]
    error = re.search(
        rf'<span class="field-error" id="{field}-{key}-error">([^<]+)</span>', page.text
    )
    assert error and message in error.group(1), page.text
    assert re.search(
        rf'id="{field}-{key}"[^>]*aria-describedby="[^"]*{field}-{key}-error', page.text
    )
    assert f'value="{sent}"' in page.text  # what was typed is kept
    if "\u202e" not in reason:
        assert reason.strip()[:20] in page.text
    after = item(dash.ids["late_intake"])
    assert (after.due_date, after.cycle) == (before.due_date, before.cycle)  # nothing changed


def test_rescheduling_is_for_the_coordinators_of_the_items_institution(dash, client_of):
    new = (date.today() + timedelta(days=7)).isoformat()
    for username in ("med1", "super"):
        refused = reschedule(client_of(username), dash.ids["late_intake"], due_date=new,
                             reason="Raison")  # fmt: skip
        assert refused.status_code == 403
    before = last_audit_id()
    elsewhere = reschedule(client_of("coord"), dash.ids["b_intake"], due_date=new, reason="R")
    assert elsewhere.status_code == 404 and "Page introuvable" in elsewhere.text
    (row,) = audit_rows(before, action="work_items.reschedule")
    assert (row.outcome, row.youth_id) == ("not_found", None)
    assert item(dash.ids["b_intake"]).cycle == 0 and item(dash.ids["late_intake"]).cycle == 0


def test_rescheduling_without_the_csrf_token_is_refused(dash, client_of):
    client = client_of("coord")
    new = (date.today() + timedelta(days=7)).isoformat()
    refused = client.post(f"/work/{dash.ids['late_intake']}/reschedule",
                          data={"due_date": new, "reason": "Raison"})  # fmt: skip
    assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    assert item(dash.ids["late_intake"]).cycle == 0
