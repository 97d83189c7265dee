"""The retention flow end to end: purges each due youth once (even killed half-way), keeps
held files, deletes the youths' Prefect runs (retrying when Prefect does not answer),
removes orphan files; a dry run changes nothing."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import date

import pytest
from sqlmodel import SQLModel, col, func, select

import tasks.retention as retention_tasks
from flows.deployments import REGISTRY, RETENTION
from flows.labels import youth_tag
from flows.retention import retention
from flows.serve import build_deployments
from mowakaba.db import get_engine, session_scope
from mowakaba.enums import Role, Stage
from mowakaba.models import AuditEvent, User, Youth
from mowakaba.services.privacy import holds
from mowakaba.settings import Settings, get_settings
from tests.factories import make_institution, make_user
from tests.prefect_helpers import next_runs, runs_tagged
from tests.services import indicator_builders as b
from tests.services.retention_world import CLOSED, every_indicator, fill_youth, texts_of

AS_OF = "2026-11-30T12:00:00+00:00"
DUE = 5


def dump() -> dict[str, list[str]]:
    """Every row of every table, as text."""
    with get_engine().connect() as connection:
        return {t.name: sorted(map(repr, connection.execute(t.select()).all()))
                for t in SQLModel.metadata.sorted_tables}  # fmt: skip


START: list[int] = [0]  # the trail is never emptied between tests: rows after this one


def purge_audits() -> Counter[tuple[int | None, str]]:
    with session_scope() as s:
        rows = s.exec(select(AuditEvent.youth_id, AuditEvent.object_type)
                      .where(AuditEvent.action == "purge", col(AuditEvent.id) > START[0])).all()  # fmt: skip
    return Counter((youth_id, kind) for youth_id, kind in rows)


@pytest.fixture
def world(committed, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MOWAKABA_RETENTION_BATCH_SIZE", "2")
    get_settings.cache_clear()
    with session_scope() as s:
        START[0] = s.exec(select(func.max(AuditEvent.id))).one() or 0
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution])
        coordinator = make_user(s, Role.coordinator, [institution])
        due, files = [], []
        for n in range(DUE + 2):
            youth = b.youth(s, institution, dob=date(1995, 1, 1 + n), stage=Stage.follow_up)
            recent = n == DUE + 1
            files += fill_youth(s, youth, mediator, closed=date(2026, 10, 1) if recent else CLOSED)
            due.append(youth.pk)
        held, recent = due[DUE], due[DUE + 1]
        holds.place_hold(s, youth=s.get(Youth, held), actor=s.get(User, coordinator.pk),
                         reason="Court case 114")  # fmt: skip
    yield {"due": due[:DUE], "held": held, "recent": recent, "files": files}
    get_settings.cache_clear()


def create_run(youth_id: int) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client

    @flow(name="pathway")
    def pathway_stub() -> None:
        pass

    with get_client(sync_client=True) as client:
        client.create_flow_run(pathway_stub, tags=[youth_tag(youth_id), "stage:closed"])


def test_the_retention_deployment_runs_daily_in_the_institutions_zone():
    assert RETENTION in REGISTRY and retention_tasks.youth_tag(7) == youth_tag(7)
    (deployment,) = [d for d in build_deployments(Settings()) if d.name == "retention"]
    (schedule,) = deployment.schedules
    assert schedule.schedule.timezone == "Africa/Casablanca"
    assert next_runs(schedule.schedule) == [(3, 15), (3, 15)]


def test_retention_purges_each_due_youth_once_even_when_killed_half_way(world, prefect_api,
                                                                       monkeypatch):  # fmt: skip
    first = world["due"][0]
    # The Prefect test server is shared by the suite and youth ids restart in each test:
    # runs other tests left under these youths' tags are not this world's.
    for youth_id in (*world["due"], world["held"], world["recent"]):
        retention_tasks.delete_runs_tagged(youth_tag(youth_id))
    create_run(first)
    assert len(runs_tagged(youth_tag(first))) == 1
    orphan = get_settings().documents_dir / ("ab" * 16)
    orphan.write_bytes(b"left by a purge killed before it removed the file")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    with session_scope() as s:
        indicators = every_indicator(s)
        held_texts = texts_of(s, world["held"])

    # A dry run lists what would go and changes nothing.
    before = dump()
    dry = retention(as_of=AS_OF, dry_run=True)
    assert dump() == before
    assert sorted(y["youth_id"] for y in dry["youths"]) == world["due"]
    assert dry["youths"][0]["rows"]["documents"] == {"document": 2} and dry["orphan_files"] == 1
    assert orphan.exists()

    # Killed half-way: the third youth's purge raises; the first two are purged.
    real = retention_tasks.purge_one
    seen: list[int] = []

    def dies_on_the_third(youth_id, as_of, dry_run):  # type: ignore[no-untyped-def]
        seen.append(youth_id)
        if len(seen) == 3:
            raise RuntimeError("killed")
        return real(youth_id, as_of, dry_run)

    monkeypatch.setattr(retention_tasks, "purge_one", dies_on_the_third)
    with pytest.raises(RuntimeError, match="killed"):
        retention(as_of=AS_OF)
    done = {y for y, _ in purge_audits()}
    assert done == set(world["due"][:2])

    # Prefect does not answer on the rerun: everything else is purged, the runs wait.
    monkeypatch.setattr(retention_tasks, "purge_one", real)
    real_delete = retention_tasks.delete_runs_tagged

    def unreachable(tag, **kw):  # type: ignore[no-untyped-def]
        raise ConnectionError("Prefect does not answer")

    monkeypatch.setattr(retention_tasks, "delete_runs_tagged", unreachable)
    second = retention(as_of=AS_OF)
    assert second["runs"]["failed"] == DUE
    assert len(runs_tagged(youth_tag(first))) == 1
    monkeypatch.setattr(retention_tasks, "delete_runs_tagged", real_delete)
    third = retention(as_of=AS_OF)
    assert third["runs"] == {"youths": DUE, "runs": 1, "failed": 0, "old_runs": 0}
    assert runs_tagged(youth_tag(first)) == []

    # Each class of each due youth purged exactly once; the held and recent ones untouched.
    counts = purge_audits()
    classes = ("documents", "sensitive_notes", "case_file", "run_history")
    assert counts == Counter({(y, c): 1 for y in world["due"] for c in classes})
    assert retention(as_of=AS_OF)["youths"] == [] and purge_audits() == counts
    with session_scope() as s:
        assert every_indicator(s) == indicators
        assert texts_of(s, world["held"]) == held_texts
        assert "Karim" in texts_of(s, world["recent"])
        for youth_id in world["due"]:
            assert "Karim" not in texts_of(s, youth_id)
    folder = get_settings().documents_dir
    left = {p.name for p in folder.iterdir()}
    assert len([f for f in world["files"] if f in left]) == 4  # the held and recent youths'
    assert not orphan.exists()


def test_finished_runs_past_their_age_go_and_scheduled_ones_stay(committed, prefect_api):
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.states import Completed, Scheduled

    @flow(name="sweep")
    def sweep_stub() -> None:
        pass

    later = "2030-01-01T00:00:00+00:00"  # every run made now is older than 6 months then
    with session_scope() as s:
        START[0] = s.exec(select(func.max(AuditEvent.id))).one() or 0
    with get_client(sync_client=True) as client:
        done = client.create_flow_run(sweep_stub, tags=["retention-test"], state=Completed())
        waiting = client.create_flow_run(sweep_stub, tags=["retention-test"], state=Scheduled())
    assert retention_tasks.delete_old_runs.fn(later, dry_run=True) >= 1
    assert len(runs_tagged("retention-test")) == 2
    deleted = retention_tasks.delete_old_runs.fn(later, dry_run=False)
    assert deleted >= 1
    assert [r.id for r in runs_tagged("retention-test")] == [waiting.id] != [done.id]
    audits = purge_audits()
    assert audits[(None, "run_history")] == 1
