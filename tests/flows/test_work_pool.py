"""Scale-out on the test server: batched pathway runs, the youths' concurrency slots, and
`mowakaba deploy`'s work pool (the real workers are driven by `make test-scale`)."""

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import select

from flows import pathway as pathway_module
from flows.deployments import youth_slot_name
from flows.pathway import pathway, pathway_batch
from flows.pool import deploy, ensure_youth_slots, existing_slots
from flows.sweep import sweep
from mowakaba.db import session_scope
from mowakaba.enums import Role, Stage
from mowakaba.models import Youth
from mowakaba.services import completions as completion_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import work_items as work_service
from mowakaba.settings import get_settings
from tests.factories import at, make_institution, make_user, make_youth
from tests.prefect_helpers import run_scheduled_pathway_runs, runs_tagged
from tests.services.test_replay import payload_for

DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _settings_read_again() -> Iterator[None]:
    """Settings are cached: read them again before and after each test (set up before the
    test's monkeypatch, so torn down after it has put the environment back)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def youths_with_intake_done(count: int) -> list[int]:
    """Youths whose intake is done but whose pathway has not run: each due for planning."""
    ids = []
    with session_scope() as s:
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution])
        for _ in range(count):
            youth = make_youth(s, institution, mediator, as_of=at(date(2026, 11, 30)))
            intake = work_service.open_items(s, youth_id=youth.id)[0]
            completion_service.complete_work_item(
                s, work_item_id=intake.id, actor=mediator, payload=payload_for(intake, DAY),
                as_of=at(DAY),
            )  # fmt: skip
            ids.append(youth.id)
        reconciliation_service.flag_for_reconciliation(s, youth_ids=ids)
    return ids


def stages(ids: list[int]) -> list[Stage]:
    with session_scope() as s:
        return [s.get(Youth, i).stage for i in ids]


def test_the_sweep_sends_its_stage_changes_in_batch_runs_tagged_per_youth(
    committed, deployed, monkeypatch
):
    monkeypatch.setenv("MOWAKABA_PATHWAY_BATCH_SIZE", "2")
    get_settings.cache_clear()
    ids = youths_with_intake_done(3)
    result = sweep(as_of=at(DAY, 12).isoformat())  # runs on the deployment, not inline
    get_settings.cache_clear()
    assert result["pathway_runs"] == 3 and result["pathway_batch_runs"] == 2
    assert not result.get("pathway_runs_failed")
    assert stages(ids) == [Stage.intake] * 3  # not yet: the runs wait for a worker
    ran = run_scheduled_pathway_runs()
    mine = [r for r in ran if f"youth:{ids[0]}" in r.tags or f"youth:{ids[2]}" in r.tags]
    assert sorted(len(r.parameters["youth_ids"]) for r in mine) == [1, 2]
    assert stages(ids) == [Stage.planning] * 3
    for youth_id in ids:  # a youth's runs are found by its tag, as for a single run
        (run,) = [
            r for r in runs_tagged(f"youth:{youth_id}") if r.name.startswith("pathway-batch-")
        ]
        assert run.state.is_completed()
        assert all(not t.startswith("stage:") for t in run.tags)


def test_one_youth_failing_leaves_the_others_reconciled_and_itself_flagged(
    committed, prefect_api, monkeypatch
):
    ids = youths_with_intake_done(3)
    real = pathway_module.reconcile.fn

    def reconcile(youth_id, as_of=None, flow_run_id=None):
        if youth_id == ids[1]:
            raise RuntimeError("boom")
        return real(youth_id, as_of, flow_run_id)

    monkeypatch.setattr(pathway_module, "reconcile", pathway_module.reconcile.with_options(
        retries=0))  # fmt: skip
    monkeypatch.setattr(pathway_module.reconcile, "fn", reconcile)
    with pytest.raises(RuntimeError, match=rf"1 of 3 youths not reconciled .*\[{ids[1]}\]"):
        pathway_batch(youth_ids=ids, as_of=at(DAY, 12).isoformat())
    assert stages(ids) == [Stage.planning, Stage.intake, Stage.planning]
    with session_scope() as s:
        flagged = s.exec(select(Youth.id).where(Youth.needs_reconciliation)).all()
    assert list(flagged) == [ids[1]]


def test_a_youth_slot_keeps_a_second_run_of_the_youth_waiting(committed, prefect_api):
    from prefect.concurrency.sync import concurrency

    slots = 7
    ensure_youth_slots_for_test(slots)
    (youth_id,) = youths_with_intake_done(1)
    holding, release = threading.Event(), threading.Event()

    def other_run() -> None:  # another run of the youth, on another worker
        with concurrency(youth_slot_name(youth_id, slots), occupy=1, strict=True):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=other_run)
    thread.start()
    assert holding.wait(30)
    finished: dict[str, float] = {}

    def this_run() -> None:
        pathway(youth_id=youth_id, as_of=at(DAY, 12).isoformat(), youth_slots=slots)
        finished["at"] = time.monotonic()

    runner = threading.Thread(target=this_run)
    runner.start()
    time.sleep(3)
    assert stages([youth_id]) == [Stage.intake]  # waiting for the slot, not reconciling
    released = time.monotonic()
    release.set()
    thread.join(30)
    runner.join(60)
    assert finished["at"] >= released
    assert stages([youth_id]) == [Stage.planning]


def test_a_missing_slot_is_an_error_not_a_silent_pass(committed, prefect_api, monkeypatch):
    (youth_id,) = youths_with_intake_done(1)
    missing = f"pathway-youth-never-made-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(pathway_module, "youth_slot_name", lambda youth_id, slots: missing)
    with pytest.raises(Exception, match="missing, inactive"):
        pathway(youth_id=youth_id, as_of=at(DAY, 12).isoformat(), youth_slots=3)
    assert stages([youth_id]) == [Stage.intake]


def ensure_youth_slots_for_test(slots: int) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        ensure_youth_slots(client, slots)


def test_deploy_makes_the_pool_its_deployments_and_slots_once(prefect_api, monkeypatch):
    from prefect.client.orchestration import get_client

    monkeypatch.setenv("MOWAKABA_PATHWAY_YOUTH_SLOTS", "5")
    get_settings.cache_clear()
    pool = f"pool-{uuid.uuid4().hex[:8]}"
    try:
        first = deploy(pool)
        second = deploy(pool)
        with get_client(sync_client=True) as client:
            assert client.read_work_pool(pool).type == "process"
            pathway_deployment = client.read_deployment_by_name("pathway/pathway")
            deliver_deployment = client.read_deployment_by_name("deliver/deliver")
            slots = existing_slots(client)
    finally:
        get_settings.cache_clear()
        restore_test_deployments()
    assert first.pool_created and not second.pool_created
    assert second.slots_created == 0 and first.slots_total == 5
    assert "pathway_batch/pathway_batch" in first.deployments
    assert pathway_deployment.work_pool_name == pool
    assert pathway_deployment.entrypoint == "flows.pathway.pathway"
    assert pathway_deployment.parameters == {"youth_slots": 5}
    assert deliver_deployment.global_concurrency_limit.limit == 1
    assert all(slots[f"pathway-youth-{n}"] == (1, True) for n in range(5))


def restore_test_deployments() -> None:
    """Put back the deployments the other tests use (served by none, no pool)."""
    from prefect.client.orchestration import get_client

    from flows.serve import build_deployments

    deployments = build_deployments()
    with get_client(sync_client=True) as client:
        for deployment in deployments:
            try:
                found = client.read_deployment_by_name(f"{deployment.flow_name}/{deployment.name}")
            except Exception:
                continue
            client.delete_deployment(found.id)
    for deployment in deployments:
        deployment.apply(_sync=True)


def test_batches_are_cut_between_slots_so_that_runs_together_hold_disjoint_slots(monkeypatch):
    from flows.launch import RunLabels, in_batches

    monkeypatch.setenv("MOWAKABA_PATHWAY_BATCH_SIZE", "3")
    monkeypatch.setenv("MOWAKABA_PATHWAY_YOUTH_SLOTS", "4")
    get_settings.cache_clear()
    try:
        chunks = in_batches([RunLabels(i, f"Y-{i}", 1, "enrolled") for i in range(1, 9)])
    finally:
        get_settings.cache_clear()
    # Slots 0: 4, 8; 1: 1, 5; 2: 2, 6; 3: 3, 7 — a slot's youths never split.
    assert [[labels.youth_id for labels in chunk] for chunk in chunks] == [
        [4, 8, 1, 5], [2, 6, 3, 7]
    ]  # fmt: skip


def test_a_second_sweep_while_the_workers_are_away_queues_nothing_new(committed, deployed):
    with session_scope() as s:  # two 13-year-olds, 14 on 5 January: due for intake then
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution])
        ids = [make_youth(s, institution, mediator, date_of_birth=date(2013, 1, 5),
                          as_of=at(date(2026, 11, 30))).id for _ in range(2)]  # fmt: skip
    first = sweep(as_of=at(date(2027, 1, 6), 12).isoformat())
    second = sweep(as_of=at(date(2027, 1, 6), 13).isoformat())  # nothing has run since
    assert first["pathway_batch_runs"] == second["pathway_batch_runs"] == 1
    runs = {  # this test's: ids restart, and the test server may list a run twice
        r.id for r in runs_tagged(f"youth:{ids[0]}")
        if r.name.startswith("pathway-batch-") and r.parameters["as_of"].startswith("2027-01-06")
    }  # fmt: skip
    assert len(runs) == 1
    run_scheduled_pathway_runs()
    assert stages(ids) == [Stage.intake] * 2


def test_an_inactive_slot_is_refused(committed, prefect_api):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    slots = 7
    ensure_youth_slots_for_test(slots)
    (youth_id,) = youths_with_intake_done(1)
    name = youth_slot_name(youth_id, slots)
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active=False))
    try:
        with pytest.raises(RuntimeError, match="missing, inactive"):
            pathway(youth_id=youth_id, as_of=at(DAY, 12).isoformat(), youth_slots=slots)
        assert stages([youth_id]) == [Stage.intake]
        ensure_youth_slots_for_test(slots)  # `mowakaba deploy` switches it back on
        pathway(youth_id=youth_id, as_of=at(DAY, 12).isoformat(), youth_slots=slots)
        assert stages([youth_id]) == [Stage.planning]
    finally:
        ensure_youth_slots_for_test(slots)
