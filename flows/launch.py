"""The one way edges start and read flow runs: the API, the CLI and the sweep all use it.

Every call to the Prefect server from an edge is bounded: a hung or dead server
costs the caller a few seconds at most (`MOWAKABA_PREFECT_WAIT_SECONDS`), never a
held database lock. A run that could not be started leaves the youth flagged for
reconciliation, and the next sweep catches it up: the commit before it stands.
"""

from __future__ import annotations

import contextvars
import hashlib
import itertools
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flows.deployments import PATHWAY, PATHWAY_BATCH, PATHWAY_FLOWS, REFERRAL
from flows.labels import institution_tag, partner_tag, youth_of_tags, youth_tag, youth_tags
from mowakaba.db import session_scope
from mowakaba.errors import Unavailable
from mowakaba.models import Youth
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.settings import get_settings

log = logging.getLogger("mowakaba.flows")
T = TypeVar("T")

# Calls whose caller gave up waiting (a hung server) are capped: past this many still
# hanging, edges do not even try. Calls that answer in time are never counted.
MAX_ABANDONED = 8
_abandoned = 0
_abandoned_lock = threading.Lock()


class PrefectUnavailable(Exception):
    """The Prefect server did not answer in time, or refused."""


def bounded(call: Callable[[], T], *, seconds: float | None = None) -> T:
    """Run a Prefect call in a helper thread and wait for it a bounded time.

    The thread's client gives up by itself soon after (its request timeout is set
    just above the wait); the caller never waits longer than `seconds`.
    """
    global _abandoned
    # Imported here, not in the thread: the first import of Prefect (~1 s) is no wait on it.
    from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_API_URL, temporary_settings

    settings = get_settings()
    wait = seconds if seconds is not None else settings.prefect_wait_seconds
    if _abandoned >= MAX_ABANDONED:
        raise PrefectUnavailable("earlier calls to the Prefect server are still unanswered")
    future: Future[T] = Future()
    state = {"finished": False, "abandoned": False}  # both changed under _abandoned_lock

    def work() -> None:
        global _abandoned
        try:
            # The client's own retries stay on: a Prefect server on SQLite answers 503
            # now and then while it is busy, and a retry a second later goes through.
            updates: dict[Any, Any] = {PREFECT_API_REQUEST_TIMEOUT: wait + 2}
            if settings.prefect_api_url:  # MOWAKABA_PREFECT_API_URL names the server to use
                updates[PREFECT_API_URL] = settings.prefect_api_url
            with temporary_settings(updates=updates):
                future.set_result(call())
        except BaseException as exc:  # handed to the caller
            future.set_exception(exc)
        finally:
            with _abandoned_lock:
                state["finished"] = True
                if state["abandoned"]:
                    _abandoned -= 1

    # The caller's context (Prefect's settings and client) goes along to the thread.
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(work,), name="prefect-call", daemon=True).start()
    try:
        return future.result(timeout=wait)
    except TimeoutError:
        with _abandoned_lock:
            if not state["finished"]:
                _abandoned += 1
                state["abandoned"] = True
        raise PrefectUnavailable(f"no answer from the Prefect server in {wait:g} s") from None
    except PrefectUnavailable:
        raise
    except Exception as exc:
        raise PrefectUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from None


def started_run(call: Callable[[], Any], what: str) -> str | None:
    """Start a run with a bounded call; its id, or None (logged) if Prefect did not take it."""
    try:
        run = bounded(call)
    except PrefectUnavailable as exc:
        log.warning("%s not started: %s", what, exc)
        return None
    return str(run.id)


@dataclass(frozen=True)
class RunLabels:
    """What names and tags a youth's runs: ids and codes only."""

    youth_id: int
    code: str
    institution_id: int
    stage: str

    @classmethod
    def of(cls, youth: Youth) -> RunLabels:
        """The labels of a youth's runs as the youth is now."""
        return cls(youth.pk, youth.code, youth.institution_id, youth.stage.value)

    @property
    def tags(self) -> list[str]:
        return youth_tags(
            youth_id=self.youth_id, institution_id=self.institution_id, stage=self.stage
        )


def labels_of(youth_id: int) -> RunLabels | None:
    """Read the labels of a youth's runs (None if there is no such youth)."""
    with session_scope(write=False) as session:
        youth = session.get(Youth, youth_id)
        if youth is None:
            return None
        return RunLabels.of(youth)


def start_pathway(labels: RunLabels, *, event: str, as_of: str | None = None) -> str | None:
    """Start a `pathway` deployment run (after the commit); None if Prefect did not take it."""
    from prefect.deployments import run_deployment

    parameters: dict[str, Any] = {"youth_id": labels.youth_id}
    if as_of is not None:
        parameters["as_of"] = as_of

    def call() -> Any:
        return run_deployment(
            PATHWAY.full_name,
            parameters=parameters,
            timeout=0,
            flow_run_name=f"pathway-{labels.code}",
            tags=labels.tags,
            idempotency_key=f"pathway:{labels.youth_id}:{event}",
            as_subflow=False,
        )

    # Prefect down or hung, deployment missing: the sweep catches the youth up.
    return started_run(call, f"pathway run for youth {labels.youth_id}")


def start_pathway_after_commit(youth_id: int, event: str, as_of: str | None = None) -> str | None:
    """Start a youth's pathway run; if Prefect does not take it, flag the youth for the sweep."""
    labels = labels_of(youth_id)
    if labels is None:
        return None
    run_id = start_pathway(labels, event=event, as_of=as_of)
    if run_id is None:
        with session_scope() as session:
            reconciliation_service.flag_for_reconciliation(session, youth_ids=[youth_id])
    return run_id


def in_batches(due: Sequence[RunLabels]) -> list[list[RunLabels]]:
    """The youths in `pathway_batch` chunks of about `MOWAKABA_PATHWAY_BATCH_SIZE`, cut
    between concurrency slots, never inside one: the youths who share a slot go in the
    same batch, so batches running at the same time hold disjoint slots and never wait on
    each other (a batch may pass the size by the few youths of its last slot)."""
    settings = get_settings()
    slots, size = settings.pathway_youth_slots, settings.pathway_batch_size
    ordered = sorted(due, key=lambda labels: (labels.youth_id % slots, labels.youth_id))
    chunks: list[list[RunLabels]] = []
    for _, group in itertools.groupby(ordered, key=lambda labels: labels.youth_id % slots):
        if not chunks or len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1].extend(group)
    return chunks


def start_pathway_batch(
    batch: Sequence[RunLabels],
    *,
    event: str,
    as_of: str | None = None,
    events: Mapping[int, str] | None = None,
) -> str | None:
    """Start one `pathway_batch` deployment run for these youths (after the commit), tagged
    with each youth's and institution's tag; None if Prefect did not take it. The run's
    key is the youths with each one's event (`events`, else `event`): the same youths at
    the same events start one run however often this is called (a sweep every 15 minutes
    while the workers are down queues nothing new)."""
    from prefect.deployments import run_deployment

    youth_ids = [labels.youth_id for labels in batch]
    parameters: dict[str, Any] = {"youth_ids": youth_ids}
    if as_of is not None:
        parameters["as_of"] = as_of
    tags = sorted({tag for labels in batch for tag in labels.tags if not tag.startswith("stage:")})
    keyed = sorted(f"{y}:{(events or {}).get(y, event)}" for y in youth_ids)
    digest = hashlib.sha256(",".join(keyed).encode()).hexdigest()[:24]

    def call() -> Any:
        return run_deployment(
            PATHWAY_BATCH.full_name,
            parameters=parameters,
            timeout=0,
            flow_run_name=f"pathway-batch-{batch[0].code}-{len(batch)}",
            tags=tags,
            idempotency_key=f"pathway-batch:{digest}",
            as_subflow=False,
        )

    return started_run(call, f"pathway batch run for {len(batch)} youths")


def start_pathways_after_commit(youth_ids: list[int], as_of: str | None = None) -> int:
    """Start the pathway runs of the youths just registered (an imported register): one run
    for a single youth, as a registration does, else `pathway_batch` runs of
    `MOWAKABA_PATHWAY_BATCH_SIZE` youths (a process start each on a work pool, not one per
    youth). Once Prefect does not take one, flag the rest for the sweep at once rather than
    wait on each. Returns how many youths' runs started."""
    found = [labels for youth_id in youth_ids if (labels := labels_of(youth_id)) is not None]
    if len(found) == 1:
        run_id = start_pathway(found[0], event=f"registered-{found[0].youth_id}", as_of=as_of)
        batches = [found] if run_id else []
        chunks = [found]
    else:
        chunks = in_batches(found)
        batches = []
        for chunk in chunks:
            if start_pathway_batch(chunk, event=f"registered-{chunk[0].youth_id}",
                                   as_of=as_of) is None:  # fmt: skip
                break
            batches.append(chunk)
    started = sum(len(chunk) for chunk in batches)
    if len(batches) < len(chunks):
        with session_scope() as session:
            reconciliation_service.flag_for_reconciliation(
                session, youth_ids=[labels.youth_id for chunk in chunks[len(batches):]
                                    for labels in chunk]
            )  # fmt: skip
    return started


def start_referral(
    *, referral_id: int, youth_id: int, institution_id: int, partner_id: int, event: str
) -> str | None:
    """Start a `referral` deployment run after the commit of a referral's move, tagged
    with its youth and partner; None if Prefect did not take it (the sweep settles the
    move then: an unsettled move is its own flag)."""
    from prefect.deployments import run_deployment

    def call() -> Any:
        return run_deployment(
            REFERRAL.full_name,
            parameters={"referral_id": referral_id},
            timeout=0,
            flow_run_name=f"referral-{referral_id}",
            tags=[youth_tag(youth_id), institution_tag(institution_id), partner_tag(partner_id)],
            idempotency_key=f"referral:{referral_id}:{event}",
            as_subflow=False,
        )

    return started_run(call, f"referral run for referral {referral_id}")


@contextmanager
def in_process() -> Iterator[None]:
    """Run flows in this process without heartbeats (~1 s saved per sync run)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@contextmanager
def inline_runs() -> Iterator[None]:
    """For many runs in this process: no heartbeats, and one API client for them all
    (a new client per run costs ~0.1 s)."""
    from prefect.context import SyncClientContext

    with in_process(), SyncClientContext.get_or_create():
        yield


def run_pathway_inline(labels: RunLabels, *, as_of: str | None = None) -> dict[str, Any]:
    """Run a youth's `pathway` flow here; it tags itself with the youth's tags (not a
    `tags()` block, whose tags its task runs would inherit); return what it did."""
    from flows.pathway import pathway

    with in_process():
        result: dict[str, Any] = pathway(youth_id=labels.youth_id, as_of=as_of)
    return result


def prefect_status(seconds: float = 2.0) -> str:
    """Tell whether the configured Prefect server is ours and answers: "ok", "down", or
    "refused" (it answers, but not to our credentials: another system's server)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    def call() -> str:
        try:
            with get_client(sync_client=True) as client:  # it may check the version first
                client.read_flows(limit=1)  # authenticated, unlike /health
        except PrefectHTTPStatusError as exc:
            if exc.response.status_code in (401, 403):
                return "refused"
            raise
        return "ok"

    try:
        return bounded(call, seconds=seconds)
    except PrefectUnavailable:
        return "down"


def prefect_reachable(seconds: float = 2.0) -> bool:
    """Tell whether the configured Prefect server answers to us, within a few seconds."""
    return prefect_status(seconds) == "ok"


def youth_runs(labels: RunLabels, *, limit: int = 200) -> list[dict[str, Any]]:
    """Read a youth's pathway runs from the Prefect API by tag, newest first.

    Raises Unavailable when the server does not answer in time.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort

    def call() -> list[Any]:
        with get_client(sync_client=True) as client:
            return client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    tags=FlowRunFilterTags(all_=[youth_tag(labels.youth_id)])
                ),
                sort=FlowRunSort.START_TIME_DESC,
                limit=limit,
            )

    try:
        runs = bounded(call)
    except PrefectUnavailable as exc:
        raise Unavailable(f"the Prefect server does not answer ({exc})") from None
    return [
        {
            "id": str(r.id),
            "name": r.name,
            "state": r.state.name if r.state else None,
            "tags": r.tags,
            "started": r.start_time,
            "ended": r.end_time,
        }  # fmt: skip
        for r in runs
        # The code, too: ids restart in a new database. A referral run names its referral.
        if r.name == f"pathway-{labels.code}" or r.name.startswith(("referral-", "pathway-batch-"))
    ]


# The states the monitoring page counts: a state type, or (Late, Scheduled) a state name.
MONITORED = ("completed", "failed", "crashed", "late", "scheduled")
PROBLEMS = ("failed", "crashed", "late")


@dataclass(frozen=True)
class RunSeen:
    """A flow run as the monitoring page shows it: ids and codes only."""

    id: str
    name: str
    flow: str
    state: str  # one of MONITORED (or another state's lower-case type)
    youth_id: int | None
    at: datetime | None  # when it entered its state (failed at, late since)
    error: str | None  # the first line of its state's message


@dataclass(frozen=True)
class RunsOverview:
    """The runs of a window: how many in each state, and a page of the failed, crashed and
    late ones (of `problems_total`)."""

    counts: dict[str, int]
    problems: list[RunSeen]
    problems_total: int = 0


def recent_runs(
    *,
    institution_ids: Sequence[int] | None,
    every_flow: bool = False,
    days: int = 7,
    limit: int = 50,
    offset: int = 0,
) -> RunsOverview:
    """Read the flow runs expected to start in the last `days` days (and those scheduled
    after), by state, from the Prefect API: the `pathway` runs of these institutions (by
    tag; None: of all), or, `every_flow`, the runs of every flow (operators); of the
    failed, crashed and late ones, `limit` from `offset` (latest first). One bounded
    call.

    Raises Unavailable when the server does not answer in time.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterId,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateName,
        FlowRunFilterStateType,
        FlowRunFilterTags,
        Operator,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    if institution_ids is not None and not institution_ids:
        return RunsOverview(counts=dict.fromkeys(MONITORED, 0), problems=[])
    since = datetime.now(UTC) - timedelta(days=days)
    flows = None if every_flow else FlowFilter(name=FlowFilterName(any_=list(PATHWAY_FLOWS)))
    tags = (
        FlowRunFilterTags(any_=[institution_tag(i) for i in institution_ids])
        if institution_ids
        else None
    )
    by_state = {
        "completed": FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED])),
        "failed": FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.FAILED])),
        "crashed": FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CRASHED])),
        "late": FlowRunFilterState(name=FlowRunFilterStateName(any_=["Late"])),
        "scheduled": FlowRunFilterState(name=FlowRunFilterStateName(any_=["Scheduled"])),
    }
    problem_states = FlowRunFilterState(
        operator=Operator.or_,
        type=FlowRunFilterStateType(any_=[StateType.FAILED, StateType.CRASHED]),
        name=FlowRunFilterStateName(any_=["Late"]),
    )

    def runs_filter(state: Any) -> Any:
        return FlowRunFilter(
            tags=tags, state=state, expected_start_time=FlowRunFilterExpectedStartTime(after_=since)
        )

    def call() -> tuple[dict[str, int], int, list[Any], dict[Any, str]]:
        with get_client(sync_client=True) as client:
            counts = {
                key: client.count_flow_runs(flow_filter=flows, flow_run_filter=runs_filter(state))
                for key, state in by_state.items()
            }
            total = client.count_flow_runs(
                flow_filter=flows, flow_run_filter=runs_filter(problem_states)
            )
            runs = client.read_flow_runs(
                flow_filter=flows, flow_run_filter=runs_filter(problem_states),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=limit, offset=offset,
            )  # fmt: skip
            ids = list({run.flow_id for run in runs})
            names = {}
            if ids:
                found = client.read_flows(flow_filter=FlowFilter(id=FlowFilterId(any_=ids)))
                names = {f.id: f.name for f in found}
            return counts, total, runs, names

    try:
        counts, total, runs, names = bounded(call)
    except PrefectUnavailable as exc:
        raise Unavailable(f"the Prefect server does not answer ({exc})") from None
    problems = [seen(run, names.get(run.flow_id, "")) for run in runs]
    problems.sort(key=lambda run: run.at or since, reverse=True)
    return RunsOverview(counts=counts, problems=problems, problems_total=total)


def seen(run: Any, flow: str) -> RunSeen:
    """What the monitoring page shows of a run."""
    state = run.state
    name = state.name.lower() if state and state.name in ("Late", "Scheduled") else None
    kind = name or (state.type.value.lower() if state else "unknown")
    message = (state.message or "").strip() if state else ""
    return RunSeen(
        id=str(run.id), name=run.name, flow=flow, state=kind, youth_id=youth_of_tags(run.tags),
        at=state.timestamp if state else run.expected_start_time,
        error=message.splitlines()[0][:300] if message else None,
    )  # fmt: skip


def prefect_ui_url() -> str:
    """The address of the Prefect UI that edges talk to (for operators: admins)."""
    from prefect.settings import PREFECT_API_URL

    settings = get_settings()
    api = settings.prefect_api_url or PREFECT_API_URL.value() or settings.effective_prefect_api_url
    return api.rstrip("/").removesuffix("/api")
