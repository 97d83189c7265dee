"""Flow runs (/runs): coordinators monitor the pathway runs of their institutions, from
Prefect by tag; run a youth's pathway again; still see who waits when Prefect is down."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from api.main import create_app
from api.pages import runs as runs_page
from flows import launch
from mowakaba import clock
from mowakaba.db import session_scope
from mowakaba.enums import AuditOutcome, Role
from mowakaba.models import AuditEvent, Youth
from mowakaba.services import reconciliation as reconciliation_service
from tests.api.test_prefect_down import dead_prefect, hung_prefect  # noqa: F401  (fixtures)
from tests.factories import at, make_institution, make_user, make_youth
from tests.pages.conftest import sign_in
from tests.pages.world import PageWorld, build_world, csrf_of
from tests.prefect_helpers import run_scheduled_pathway_runs, runs_tagged


@pytest.fixture
def world(committed) -> PageWorld:
    """The pages' world, plus another institution (its coordinator and youth), a
    supervisor of the first one's region, and an admin."""
    return runs_world()


def runs_world() -> PageWorld:
    from datetime import date

    world = build_world()
    with session_scope() as s:
        far = make_institution(s, name="Dar Al Atfal Fès", region="Fès-Meknès")
        coord_far = make_user(s, Role.coordinator, [far], username="coord_far")
        make_user(s, Role.supervisor, region="Casablanca-Settat", username="sup")
        make_user(s, Role.admin, username="admin")
        youth = make_youth(s, far, None, first_name="Yassine", last_name="Fassi",
                           first_name_ar="ياسين", last_name_ar="الفاسي", as_of=at(date.today()))  # fmt: skip
        world.ids.update(far=youth.pk, coord_far=coord_far.pk, inst_far=far.pk)
        world.codes["far"] = youth.code
    return world


@contextmanager
def signed_in(username: str) -> Iterator[TestClient]:
    """A browser of its own, signed in."""
    with TestClient(create_app(), base_url="http://testserver") as client:
        assert sign_in(client, username).status_code == 303
        yield client


def rerun(client: TestClient, youth_id: int, token: str | None = None):  # type: ignore[no-untyped-def]
    """Press "Run again" (the CSRF token from the page, unless one is given)."""
    if token is None:
        token = csrf_of(client.get("/runs").text)
    return client.post(f"/runs/rerun/{youth_id}", data={"csrf_token": token},
                       follow_redirects=False)  # fmt: skip


def audit_since(first_id: int, action: str) -> list[AuditEvent]:
    with session_scope() as s:
        return list(
            s.exec(
                select(AuditEvent)
                .where(col(AuditEvent.id) > first_id, AuditEvent.action == action)
                .order_by(col(AuditEvent.id))
            )
        )


def last_audit_id() -> int:
    with session_scope() as s:
        return s.exec(select(func.coalesce(func.max(AuditEvent.id), 0))).one()


def flagged(youth_id: int) -> bool:
    with session_scope() as s:
        return s.get(Youth, youth_id).needs_reconciliation


def count_of(html: str, state: str) -> int:
    found = re.search(rf'data-state="{state}"><dt>[^<]*</dt><dd>(\d+)</dd>', html)
    assert found, f"no count of {state} on the page"
    return int(found.group(1))


# ---------------------------------------------------------------- with a real Prefect server


def fail_a_run(youth_id: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """Start a youth's pathway run and execute it here with its reconciliation broken:
    a real run, failed by Prefect with the exception as its state's message."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow

    from flows import pathway as pathway_module

    labels = launch.labels_of(youth_id)
    run_id = launch.start_pathway(labels, event=f"test-{uuid.uuid4()}")
    assert run_id is not None
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(run_id))

    def broken(*args: object) -> None:
        raise RuntimeError("database is locked\nwhile reconciling")

    with monkeypatch.context() as patched:
        patched.setattr(pathway_module, "reconcile", broken)
        with pytest.raises(RuntimeError):
            run_flow(pathway_module.pathway, flow_run=run, parameters=run.parameters)
    return run_id


def run_in_state(youth_id: int, state: str) -> str:
    """Start a youth's pathway run and set its state as Prefect would: crashed, or late."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.states import Crashed, Late

    run_id = launch.start_pathway(launch.labels_of(youth_id), event=f"test-{uuid.uuid4()}")
    assert run_id is not None
    new = (
        Crashed(message="Flow run infrastructure exited with non-zero status code 137.")
        if state == "crashed"
        else Late(scheduled_time=datetime.now(UTC))
    )
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run_id), new, force=True)
    return run_id


def forget_earlier_runs() -> None:
    """Delete the runs earlier tests left on the session's Prefect server: ids start from 1
    in every test, so their runs carry this world's institution tags too, and the page
    shows 50 problems a page."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    tags = FlowRunFilter(tags=FlowRunFilterTags(any_=[f"institution:{i}" for i in (1, 2, 3)]))
    with get_client(sync_client=True) as client:
        while runs := client.read_flow_runs(flow_run_filter=tags, limit=200):
            for run in runs:
                client.delete_flow_run(run.id)


def test_a_coordinator_finds_a_failed_run_of_their_youth_and_runs_it_again(
    world, deployed, monkeypatch
):
    forget_earlier_runs()
    mine = fail_a_run(world.ids["late"], monkeypatch)
    theirs = fail_a_run(world.ids["far"], monkeypatch)
    crashed, late = (
        run_in_state(world.ids["soon"], "crashed"),
        run_in_state(world.ids["other"], "late"),
    )
    first_audit = last_audit_id()
    with signed_in("coord") as client:
        page = client.get("/runs")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert f'data-run="{mine}"' in page.text and f'data-run="{theirs}"' not in page.text
        assert world.codes["far"] not in page.text  # another institution's youth
        assert "Amine Benali" in page.text and world.codes["late"] in page.text
        # The error's first line, not the rest of it.
        assert "RuntimeError: database is locked" in page.text
        assert "while reconciling" not in page.text
        assert count_of(page.text, "failed") >= 1 and count_of(page.text, "late") >= 1
        assert count_of(page.text, "crashed") >= 1
        rows = re.findall(r'<li class="item (\w+)" data-run="([^"]+)"', page.text)
        assert {(mine, "failed"), (crashed, "crashed"), (late, "late")} <= {(r, s) for s, r in rows}
        assert "Exécution échouée" in page.text and "Exécution plantée" in page.text
        assert "Exécution en retard" in page.text and "status code 137" in page.text
        assert 'id="prefect-ui"' not in page.text  # coordinators never need it
        shown = audit_since(first_audit, "flow_runs.monitor")
        assert world.ids["late"] in {a.youth_id for a in shown}
        assert world.ids["far"] not in {a.youth_id for a in shown}

        before = {r.id for r in runs_tagged(f"youth:{world.ids['late']}")}
        scheduled_before = count_of(page.text, "scheduled")
        token = csrf_of(page.text)
        clock.set_now(datetime.now(UTC))  # both clicks in one minute, whatever the time
        first, second = (
            rerun(client, world.ids["late"], token),
            rerun(client, world.ids["late"], token),
        )
        clock.set_now(None)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == f"/runs?rerun=started&youth={world.ids['late']}"
        # A double-click starts one run.
        (new,) = [r for r in runs_tagged(f"youth:{world.ids['late']}") if r.id not in before]
        reruns = audit_since(first_audit, "flow_runs.rerun")
        assert [(a.youth_id, a.outcome) for a in reruns] == [
            (world.ids["late"], AuditOutcome.allowed)
        ] * 2

        confirmed = client.get(first.headers["location"])
        assert 'id="rerun-outcome"' in confirmed.text
        assert "Le parcours de Amine Benali" in confirmed.text  # French by default
        assert count_of(confirmed.text, "scheduled") == scheduled_before + 1

        completed_before = count_of(confirmed.text, "completed")
        run_scheduled_pathway_runs()  # what serve() does
        after = client.get("/runs")
        assert count_of(after.text, "completed") > completed_before
        (ran,) = [r for r in runs_tagged(f"youth:{world.ids['late']}") if r.id == new.id]
        assert ran.state.is_completed() and ran.name == f"pathway-{world.codes['late']}"


def test_an_admin_sees_every_flow_the_prefect_ui_link_and_codes_without_names(
    world, deployed, monkeypatch
):
    failed = fail_a_run(world.ids["far"], monkeypatch)
    with signed_in("admin") as client:
        page = client.get("/runs")
    assert page.status_code == 200
    assert f'data-run="{failed}"' in page.text and world.codes["far"] in page.text
    assert "Yassine" not in page.text and "ياسين" not in page.text  # cases only through audit
    ui = re.search(r'<a href="([^"]+)" id="prefect-ui"', page.text)
    assert ui and ui.group(1).startswith("http://") and not ui.group(1).endswith("/api")


def test_the_problem_runs_page_by_prefects_offset_and_the_links_keep_the_waiting_page(
    world, deployed, monkeypatch
):
    forget_earlier_runs()
    made = {run_in_state(world.ids[name], state)
            for name, state in (("late", "crashed"), ("soon", "late"), ("other", "crashed"))}  # fmt: skip
    monkeypatch.setattr(runs_page, "PAGE_SIZE", 1)
    seen: list[str] = []
    with signed_in("coord") as client:
        for number in (1, 2, 3):
            page = client.get(f"/runs?problems_page={number}&waiting_page=2")
            assert page.status_code == 200
            rows = re.findall(r'<li class="item \w+" data-run="([^"]+)"', page.text)
            assert len(rows) == 1
            seen += rows
            nav = page.text.split('id="problems" tabindex="-1">', 1)[1].split("</section>")[0]
            assert f"Page {number} sur 3" in nav
            if number > 1:
                assert f'href="/runs?waiting_page=2&amp;problems_page={number - 1}#problems"' in nav
            if number < 3:
                assert f'href="/runs?waiting_page=2&amp;problems_page={number + 1}#problems"' in nav
    assert set(seen) == made  # every run once, page after page


# ---------------------------------------------------------------- with Prefect down


def test_the_waiting_youths_page_and_the_links_keep_the_problems_page(
    world,
    dead_prefect,  # noqa: F811
    monkeypatch,
):
    names = ("late", "soon", "other")
    with session_scope() as s:
        reconciliation_service.flag_for_reconciliation(s, youth_ids=[world.ids[n] for n in names])
    waiting = re.compile(r'<ol class="items runs flagged">(.*?)</ol>', re.S)
    with signed_in("coord") as client:
        every = re.findall(r'data-youth="([^"]+)"', waiting.search(client.get("/runs").text)[1])
        assert sorted(every) == sorted(world.codes[n] for n in names)
        monkeypatch.setattr(runs_page, "PAGE_SIZE", 2)
        first_audit = last_audit_id()
        page = client.get("/runs?waiting_page=2&problems_page=5")
        bad = [client.get(f"/runs?{q}") for q in ("waiting_page=0", "problems_page=x")]
    assert page.status_code == 200
    shown = re.findall(r'data-youth="([^"]+)"', waiting.search(page.text)[1])
    assert shown == every[2:]
    assert '<p class="summary" id="flagged-total">3 jeunes en attente</p>' in page.text
    nav = page.text.split('id="waiting" tabindex="-1">', 1)[1].split("</section>")[0]
    assert "Page 2 sur 2" in nav and 'rel="next"' not in nav
    assert 'href="/runs?problems_page=5&amp;waiting_page=1#waiting" rel="prev"' in nav
    audited = {a.youth_id for a in audit_since(first_audit, "flow_runs.monitor")}
    assert audited == {world.ids[n] for n in names if world.codes[n] in shown}
    assert [r.status_code for r in bad] == [422, 422]


@pytest.mark.parametrize("prefect", ["hung_prefect", "dead_prefect"])
def test_with_prefect_down_the_page_answers_in_seconds_and_shows_who_waits(world, prefect, request):
    request.getfixturevalue(prefect)
    import prefect.client.orchestration  # noqa: F401  (imported once per process, ~1-3 s: not timed)

    with session_scope() as s:
        reconciliation_service.flag_for_reconciliation(s, youth_ids=[world.ids["soon"]])
    with signed_in("coord") as client:
        started = time.monotonic()
        page = client.get("/runs")
        assert time.monotonic() - started < 6
    assert page.status_code == 200
    assert 'id="prefect-down"' in page.text and "ne répond pas" in page.text  # the user's French
    waiting = re.search(r'<ol class="items runs flagged">(.*?)</ol>', page.text, re.S)
    assert waiting and world.codes["soon"] in waiting.group(1)
    assert world.codes["late"] not in waiting.group(1)
    assert "En attente depuis" in waiting.group(1) and "<time datetime=" in waiting.group(1)
    assert '<p class="summary" id="flagged-total">1 jeune en attente</p>' in page.text


def test_running_again_with_prefect_down_flags_the_youth_for_the_sweep(world, dead_prefect):  # noqa: F811
    with signed_in("coord") as client:
        response = rerun(client, world.ids["late"])
        assert response.headers["location"] == f"/runs?rerun=flagged&youth={world.ids['late']}"
        page = client.get(response.headers["location"])
    assert flagged(world.ids["late"])
    assert "Prefect ne répond pas" in page.text and "Amine Benali" in page.text
    with session_scope() as s:  # since when: recorded with the flag, cleared by a reconciliation
        youth = s.get(Youth, world.ids["late"])
        assert youth.reconciliation_flagged_at is not None
        reconciliation_service.reconcile_youth(s, youth.pk)
        assert youth.reconciliation_flagged_at is None and not youth.needs_reconciliation


def test_another_institutions_youth_is_the_same_404_as_a_missing_one(world, dead_prefect):  # noqa: F811
    first_audit = last_audit_id()
    with signed_in("coord") as client:
        theirs = rerun(client, world.ids["far"])
        missing = rerun(client, 999_999)
    assert theirs.status_code == missing.status_code == 404
    # The same page, but for the address the language switcher sends back to.
    assert (
        theirs.text.replace(f"/runs/rerun/{world.ids['far']}", "/runs/rerun/999999") == missing.text
    )
    assert not flagged(world.ids["far"])  # nothing started, nothing flagged
    refused = audit_since(first_audit, "flow_runs.rerun")
    assert [(a.youth_id, a.outcome) for a in refused] == [
        (world.ids["far"], AuditOutcome.not_found),
        (None, AuditOutcome.not_found),
    ]


def test_roles_mediators_and_partners_get_403_supervisors_only_look(world, dead_prefect):  # noqa: F811
    for who in ("med1", "partner"):
        with signed_in(who) as client:
            page = client.get("/runs")
            assert page.status_code == 403, who
            assert 'href="/runs"' not in client.get("/inbox").text  # not in their menu
    first_audit = last_audit_id()
    with signed_in("sup") as client:
        page = client.get("/runs")
        assert page.status_code == 200 and 'href="/runs"' in page.text
        assert "/runs/rerun/" not in page.text  # supervisors read; they do not act
        refused = rerun(client, world.ids["late"], csrf_of(page.text))
    assert refused.status_code == 403
    denied = audit_since(first_audit, "flow_runs.rerun")
    assert [(a.youth_id, a.outcome) for a in denied] == [(world.ids["late"], AuditOutcome.denied)]
    assert not flagged(world.ids["late"])


def test_a_rerun_without_the_forms_csrf_token_is_refused_and_changes_nothing(
    world,
    dead_prefect,  # noqa: F811
):
    first_audit = last_audit_id()
    with signed_in("coord") as client:
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "x" * 64}):
            refused = client.post(f"/runs/rerun/{world.ids['late']}", data=data)
            assert refused.status_code == 403
    assert not flagged(world.ids["late"])
    assert audit_since(first_audit, "flow_runs.rerun") == []


def test_a_bad_youth_id_is_refused_in_html(world, dead_prefect):  # noqa: F811
    with signed_in("coord") as client:
        token = csrf_of(client.get("/runs").text)
        for bad in ("0", "abc", str(2**40)):
            response = client.post(f"/runs/rerun/{bad}", data={"csrf_token": token})
            assert response.status_code in (404, 422), bad
            assert response.headers["content-type"].startswith("text/html")
        # A confirmation for a youth out of scope (or made up) shows nothing of them.
        page = client.get(f"/runs?rerun=started&youth={world.ids['far']}")
    assert page.status_code == 200 and 'id="rerun-outcome"' not in page.text
    assert world.codes["far"] not in page.text
