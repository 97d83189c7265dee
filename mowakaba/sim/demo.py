"""The demo programme, as data: two institutions, their people, 60 young people with histories,
the partners of the actors map and referrals in every state (mowakaba/sim/demo_partners.py),
and their case files: notes, contacts, documents, incidents, a transfer (demo_casework.py).

Histories are not invented rows: the cohort is registered on past days and
replayed to today through the real services (people completing work on time,
late or never; sweeps raising reminders and escalations; exits and follow-up).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from sqlmodel import func, select

from mowakaba import migrate
from mowakaba.db import get_engine, session_scope
from mowakaba.enums import Role, Stage
from mowakaba.models import Escalation, Institution, Partner, Youth
from mowakaba.rules import add_months
from mowakaba.services import indicator_snapshots as snapshot_service
from mowakaba.services import institutions as institution_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import sweep as sweep_service
from mowakaba.services import users as user_service
from mowakaba.settings import get_settings
from mowakaba.sim.behaviour import Behaviour, draw_registration
from mowakaba.sim.cohort import CohortReplay, Registration
from mowakaba.sim.demo_casework import seed_casework
from mowakaba.sim.demo_partners import referral_counts, seed_referrals
from mowakaba.sim.partner_directory import seed_partners

# Weekly indicator snapshots stored before today, so the trends draw on first start.
SNAPSHOT_WEEKS = 8
DEMO_PASSWORD = "mowakaba-demo"
INSTITUTIONS = [
    ("Dar Al Atfal Ain Chock", "Casablanca-Settat", "casa"),
    ("Dar Al Atfal Fès", "Fès-Meknès", "fes"),
]


@dataclass
class DemoSummary:
    """What the demo seeded."""

    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, where
    youths_by_stage: dict[str, int] = field(default_factory=dict)
    open_escalations: int = 0
    not_in_touch: int = 0
    referrals_by_status: dict[str, int] = field(default_factory=dict)
    partners: int = 0
    casework: dict[str, int] = field(default_factory=dict)
    snapshots: int = 0


def demo_accounts() -> list[tuple[str, str, str]]:
    """The accounts of a seeded demo, for the start-up message."""
    with session_scope() as session:
        partners = {p.id: p.name for p in session.exec(select(Partner))}
        return [
            (u.username, u.role.value, partners.get(u.partner_id, "") or u.region or "")
            for u in user_service.list_users(session)
        ]


def is_seeded() -> bool:
    """Tell whether the database holds the demo (or anything) already."""
    with session_scope(write=False) as session:
        return session.exec(select(func.count()).select_from(Institution)).one() > 0


def seeding_marker() -> Path:
    """A file that exists while the demo is being seeded: if it is there at the next start,
    the seeding was interrupted and the database holds a partial demo."""
    return get_settings().home / "demo-seeding"


def was_interrupted() -> bool:
    """Tell whether an earlier seeding stopped half-way (Ctrl-C, kill -9, an error)."""
    return seeding_marker().exists()


def reset_partial_demo() -> None:
    """Empty the database of an interrupted demo seeding (demo data only: the marker says
    so), so that the demo can be seeded again from the start."""
    engine = get_engine()
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    # The partial demo's document files belong to rows that are gone.
    documents = get_settings().documents_dir
    if documents.is_dir():
        for path in documents.iterdir():
            if path.is_file():
                path.unlink()
    seeding_marker().unlink(missing_ok=True)


def seed_demo(
    today: date,
    *,
    youths: int = 60,
    seed: int = 42,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Create the demo programme and replay its history up to `today`.

    `progress(done, total)` is told how far the replay is, in days of history.
    """
    marker = seeding_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    rng = random.Random(seed)
    summary = DemoSummary()
    mediators: dict[int, list[int]] = {}
    # The demo's accounts share one password: hash it once (Argon2 costs ~0.15 s a hash).
    create_user = partial(
        user_service.create_user,
        password=DEMO_PASSWORD,
        password_hash=user_service.hash_password(DEMO_PASSWORD),
    )
    with session_scope() as session:
        admin = create_user(
            session, username="admin", role=Role.admin,
            display_name="Admin", language="en",  # type: ignore[arg-type]
        )  # fmt: skip
        summary.accounts.append((admin.username, "admin", "everything technical"))
        for name, region, slug in INSTITUTIONS:
            institution = institution_service.create_institution(session, name=name, region=region)
            assert institution.id is not None
            coordinator = create_user(
                session, username=f"coord.{slug}", role=Role.coordinator,
                institution_ids=[institution.id], email=f"coord.{slug}@example.ma",
                display_name=f"Coordinator {slug.title()}",
            )  # fmt: skip
            summary.accounts.append((coordinator.username, "coordinator", name))
            mediators[institution.id] = []
            for n in (1, 2):
                mediator = create_user(
                    session, username=f"med{n}.{slug}",
                    role=Role.mediator, institution_ids=[institution.id],
                    display_name=f"Mediator {n} {slug.title()}",
                )  # fmt: skip
                assert mediator.id is not None
                mediators[institution.id].append(mediator.id)
                summary.accounts.append((mediator.username, "mediator", name))
        supervisor = create_user(
            session, username="supervisor", role=Role.supervisor,
            region=INSTITUTIONS[0][1], display_name="Regional supervisor",
        )  # fmt: skip
        summary.accounts.append((supervisor.username, "supervisor", INSTITUTIONS[0][1]))

    pending = []
    institution_ids = sorted(mediators)
    # One youth left care eight months ago and has not answered since: "not in touch".
    lost_birth = add_months(today, -8 - 18 * 12)
    for n in range(youths):
        age_days = rng.randint(11 * 365, 21 * 365 + 300)
        born = lost_birth if n == 0 else today - timedelta(days=age_days)
        # Registered while in care, before 17½, up to four years ago.
        earliest = max(add_months(born, 11 * 12), today - timedelta(days=4 * 365))
        latest = min(today - timedelta(days=1), add_months(born, 17 * 12 + 6))
        if latest < earliest:
            latest = earliest
        registered = earliest + timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
        admitted = max(
            born + timedelta(days=400), registered - timedelta(days=rng.randint(0, 2500))
        )
        institution_id = institution_ids[n % len(institution_ids)]
        data = draw_registration(
            rng, born=born, registered=registered, admitted=admitted,
            institution_id=institution_id, mediator_ids=mediators[institution_id],
            presumed_rate=0.05,
        )  # fmt: skip
        pending.append(Registration(registered, data))
    pending.sort(key=lambda r: r.day)

    # One transaction per sweep and per reconciliation round: a replayed day has nothing
    # to resume after an interruption, so the sweep's commit per batch would only cost time.
    def sweep(at):  # type: ignore[no-untyped-def]
        with session_scope() as session:
            sweep_service.sweep(session, at)

    def reconcile(youth_ids, at):  # type: ignore[no-untyped-def]
        with session_scope() as session:
            for youth_id in youth_ids:
                reconciliation_service.reconcile_youth(session, youth_id, at)

    behaviour = Behaviour(seed=seed, lost_births={lost_birth})
    replay = CohortReplay(behaviour, sweep=sweep, reconcile=reconcile, pending=pending)
    first = pending[0].day
    total = max(1, (today - first).days)
    replay.run(
        first, today, None if progress is None else lambda day: progress((day - first).days, total)
    )
    # The actors map and referrals in every state, told at their dates after the history.
    with session_scope() as session:
        summary.accounts += seed_partners(session, create_user=create_user)
    with session_scope() as session:
        seed_referrals(session, today=today, seed=seed)
    # The case files (notes, documents, incidents, a transfer), then today's sweep.
    with session_scope() as session:
        summary.casework = dict(seed_casework(session, today=today))
    # The nightly indicator snapshots of the last weeks, as of their days, so that the
    # indicators page draws its trends on first start (the flow adds one a night after).
    for weeks in range(SNAPSHOT_WEEKS, -1, -1):
        with session_scope() as session:
            summary.snapshots += snapshot_service.store_snapshot(
                session, day=today - timedelta(weeks=weeks)
            )
    if progress is not None:
        progress(total, total)

    with session_scope() as session:
        summary.referrals_by_status = referral_counts(session)
        summary.partners = session.exec(select(func.count()).select_from(Partner)).one()
        for stage, count in session.exec(
            select(Youth.stage, func.count()).group_by(Youth.stage)
        ).all():
            summary.youths_by_stage[Stage(stage).value] = count
        summary.open_escalations = session.exec(
            select(func.count()).select_from(Escalation).where(Escalation.closed_at.is_(None))  # type: ignore[union-attr]
        ).one()
        summary.not_in_touch = session.exec(
            select(func.count()).select_from(Youth).where(Youth.not_in_touch.is_(True))  # type: ignore[attr-defined]
        ).one()
    marker.unlink()  # the demo is whole
    return summary
