"""`mowakaba bench indicators`: every indicator over N youths, each beside its 1 s target.

The youths, their work, exits, checkpoints, escalations, extensions and referrals are
written in bulk (executemany, no pathway runs) into a fresh SQLite data directory; then
each indicator is computed three times over every institution, its median kept.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import sqlalchemy as sa

from mowakaba.db import get_engine, session_scope
from mowakaba.enums import (
    ActivityOutcome,
    Axis,
    ChecklistItem,
    CheckpointStatus,
    EducationLevel,
    HousingOutcome,
    PartnerKind,
    ReferralStatus,
    Role,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemKind,
)
from mowakaba.models import (
    Escalation,
    ExitExtension,
    FollowUp,
    Plan,
    Referral,
    WorkItem,
    Youth,
)
from mowakaba.schemas import PartnerIn, ServiceIn
from mowakaba.services import indicators as indicator_service
from mowakaba.services import institutions as institution_service
from mowakaba.services import partners as partner_service
from mowakaba.services import users as user_service
from mowakaba.sim.bench import fresh_home
from mowakaba.sim.timing import Figure

TARGET_SECONDS = 1.0
ORDER: tuple[Any, ...] = (Youth, Plan, WorkItem, Escalation, FollowUp, ExitExtension, Referral)
AS_OF = date(2026, 11, 30)
PERIOD_START = date(2026, 1, 1)
CHUNK = 5000
STAGES_IN_CARE = (
    Stage.enrolled,
    Stage.intake,
    Stage.planning,
    Stage.active,
    Stage.exit_preparation,
)


def _at(day: date) -> datetime:
    return datetime.combine(day, dtime(9), tzinfo=UTC)


class _Writer:
    """Rows of each table, flushed to the database in chunks."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.ids: dict[Any, int] = {}

    def add(self, table: Any, **row: Any) -> int:
        row_id = self.ids.get(table, 0) + 1
        self.ids[table] = row_id
        row.setdefault("id", row_id)
        batch = self.rows.setdefault(table, [])
        batch.append(row)
        if len(batch) >= CHUNK:
            self.flush()
        return row_id

    def flush(self) -> None:
        """Write every table's waiting rows, referenced tables first."""
        for each in ORDER:
            if self.rows.get(each):
                self.connection.execute(sa.insert(each.__table__), self.rows[each])
                self.rows[each] = []


def seed(youths: int, *, seed: int = 1) -> None:
    """Write `youths` youths with their work, exits, checkpoints and referrals."""
    rng = random.Random(seed)
    with session_scope() as session:
        homes = [
            institution_service.create_institution(session, name=f"Bench {n}", region=f"R{n % 3}")
            for n in range(10)
        ]
        mediators = {
            h.pk: [
                user_service.create_user(
                    session, username=f"bench.med.{h.pk}.{m}", password="bench-only-1",
                    role=Role.mediator, institution_ids=[h.pk],
                ).pk
                for m in range(4)
            ]
            for h in homes
        }  # fmt: skip
        services = []
        for n, axis in enumerate(list(Axis)[:5]):
            partner = partner_service.create_partner(
                session, data=PartnerIn(name=f"Bench partner {n}", kind=PartnerKind.association)
            )
            service = partner_service.add_service(
                session, partner_id=partner.pk, data=ServiceIn(axis=axis, name=f"Service {n}")
            )
            services.append((partner.pk, service.id))
    now = _at(AS_OF)
    with get_engine().begin() as connection:
        w = _Writer(connection)
        for n in range(1, youths + 1):
            _youth(w, rng, n, [h.pk for h in homes], mediators, services, now)
        w.flush()


def _youth(
    w: _Writer,
    rng: random.Random,
    n: int,
    homes: list[int],
    mediators: dict[int, list[int]],
    services: list[tuple[int, int | None]],
    now: datetime,
) -> None:
    home = homes[n % len(homes)]
    mediator = rng.choice(mediators[home])
    born = date(1999, 1, 1) + timedelta(days=rng.randint(0, 13 * 365))
    registered = max(born + timedelta(days=14 * 365), date(2018, 1, 1)) + timedelta(
        days=rng.randint(0, 200)
    )
    if registered > AS_OF:
        registered = AS_OF - timedelta(days=rng.randint(0, 60))
    exited = born + timedelta(days=18 * 365 + rng.randint(0, 3 * 365))
    exit_date = exited if exited <= AS_OF else None
    stage = Stage.follow_up if exit_date else rng.choice(STAGES_IN_CARE)
    youth_id = w.add(
        Youth, code=f"B{n:07d}", first_name="", last_name="", first_name_ar="", last_name_ar="",
        search_name="", date_of_birth=born, date_of_birth_presumed=False,
        sex=rng.choice(list(Sex)).value, institution_id=home, admission_date=registered,
        registered_date=registered, education_level=rng.choice(list(EducationLevel)).value,
        vocational_level=rng.choice(list(VocationalLevel)).value, mediator_id=mediator,
        stage=stage.value, stage_entered_date=registered,
        planned_exit_date=born + timedelta(days=18 * 365), exit_date=exit_date,
        not_in_touch=False, needs_reconciliation=False, language="ar",
        created_at=now, updated_at=now,
    )  # fmt: skip

    def item(kind: WorkItemKind, due: date, subject: str = "", **kw: Any) -> int:
        done = kw.pop("done", rng.random() < 0.8 and due <= AS_OF)
        completed = due + timedelta(days=rng.randint(-5, 10)) if done else None
        item_id = w.add(
            WorkItem, youth_id=youth_id, institution_id=home, kind=kind.value, subject=subject,
            assignee_id=mediator, assignee_pool=None, due_date=due,
            status="done" if done else "open", cycle=0, escalation_level=0, created_at=now,
            completed_at=_at(completed) if completed else None, payload=kw.pop("payload", None),
        )  # fmt: skip
        if due < AS_OF and (not done or rng.random() < 0.2):
            w.add(
                Escalation, work_item_id=item_id, cycle=0, level=1, reason="overdue",
                raised_at=_at(due + timedelta(days=3)), recipient_ids=[],
                acknowledged_at=_at(due + timedelta(days=6)) if rng.random() < 0.7 else None,
            )  # fmt: skip
        return item_id

    item(WorkItemKind.intake_assessment, registered + timedelta(days=30))
    w.add(Plan, youth_id=youth_id, version=1, status="approved", submitted_at=now,
          decided_at=_at(registered + timedelta(days=60)))  # fmt: skip
    for r in range(2):
        item(WorkItemKind.plan_review, registered + timedelta(days=180 * (r + 1)), f"r{r}")
    if rng.random() < 0.5:
        partner_id, service_id = rng.choice(services)
        sent = registered + timedelta(days=rng.randint(60, 400))
        answered = sent + timedelta(days=rng.randint(1, 9)) if rng.random() < 0.8 else None
        if sent <= AS_OF:
            w.add(
                Referral, youth_id=youth_id, institution_id=home, partner_id=partner_id,
                service_id=service_id, status=rng.choice(list(ReferralStatus)).value, need="",
                shared_fields=[], shared={}, created_at=now, updated_at=now, sent_date=sent,
                response_due_date=sent + timedelta(days=7),
                answered_at=_at(answered) if answered else None,
                accepted_date=answered if answered and rng.random() < 0.6 else None,
            )  # fmt: skip
    if exit_date is None:
        return
    for each in ChecklistItem:
        item(WorkItemKind.exit_checklist_item, exit_date - timedelta(days=30), each.value,
             payload={"outcome": "done"})  # fmt: skip
    if exit_date > born + timedelta(days=18 * 365 + 30):
        w.add(ExitExtension, youth_id=youth_id, number=1, requested_until=exit_date,
              reason=rng.choice(["Training", "Housing", "Health"]), requested_at=now,
              status="approved")  # fmt: skip
    for months in (6, 12, 24):
        due = exit_date + timedelta(days=round(months * 30.44))
        if due > AS_OF:
            break
        contacted = rng.random() < 0.7
        housing = rng.choice(list(HousingOutcome)).value if contacted else None
        checkpoint_item = item(WorkItemKind.follow_up_checkpoint, due, f"m{months}", done=True)
        w.add(
            FollowUp, youth_id=youth_id, work_item_id=checkpoint_item, months=months, due_date=due,
            status=(CheckpointStatus.contacted if contacted else CheckpointStatus.no_contact).value,
            recorded_at=_at(due), housing=housing,
            activity=rng.choice(list(ActivityOutcome)).value if contacted else None,
            health_coverage=contacted and rng.random() < 0.7, id_documents=rng.random() < 0.8,
        )  # fmt: skip


def time_indicators(
    youths: int, *, runs: int = 3, progress: Callable[[str], None] = lambda _: None
) -> list[Figure]:
    """Seed `youths` youths, then time each indicator over every institution."""
    with fresh_home():
        progress(f"writing {youths} youths...")
        seed(youths)
        query = indicator_service.IndicatorQuery(None, PERIOD_START, AS_OF)
        figures = []
        for key in indicator_service.INDICATOR_KEYS:
            progress(f"timing {key}...")
            seconds = []
            for _ in range(runs):
                with session_scope() as session:
                    started = time.perf_counter()
                    indicator_service.compute_indicator(session, key=key, query=query)
                    seconds.append(time.perf_counter() - started)
            figures.append(Figure(f"{key} ({youths:,} youths)", seconds, TARGET_SECONDS))
        return figures
