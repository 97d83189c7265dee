"""`mowakaba simulate`: a cohort drawn from the programme's numbers, and the table of what happened.

The replay itself is `cohort.CohortReplay`; the CLI gives it the real Prefect
flows. This module draws the cohort and reads the results back from the
database, so the same seed gives the same table.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

from sqlmodel import Session, col, func, select

from mowakaba.clock import local_date
from mowakaba.enums import (
    ActivityOutcome,
    CheckpointStatus,
    ExitKind,
    ExtensionStatus,
    HousingOutcome,
    ReferralStatus,
    Role,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.models import (
    Escalation,
    ExitExtension,
    FollowUp,
    Institution,
    Notification,
    Referral,
    ReferralTransition,
    WorkItem,
    Youth,
)
from mowakaba.rules import add_months
from mowakaba.services import institutions as institution_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import users as user_service
from mowakaba.sim.behaviour import draw_registration
from mowakaba.sim.cohort import Registration
from mowakaba.sim.outcomes import format_outcomes, outcome_indicators

REGIONS = [
    "Casablanca-Settat", "Rabat-Salé-Kénitra", "Fès-Meknès", "Marrakech-Safi",
    "Tanger-Tétouan-Al Hoceïma", "Souss-Massa", "Oriental", "Béni Mellal-Khénifra",
]  # fmt: skip
HOUSED = {
    HousingOutcome.own_or_rented,
    HousingOutcome.shared_flat,
    HousingOutcome.transitional,
    HousingOutcome.family,
}
ACTIVE = {ActivityOutcome.work, ActivityOutcome.training, ActivityOutcome.education}
REFERRAL_OUTCOMES = (
    ReferralStatus.accepted, ReferralStatus.declined, ReferralStatus.completed,
    ReferralStatus.not_completed, ReferralStatus.expired,
)  # fmt: skip
REFERRAL_LINE = ("sent", "accepted", "declined", "completed", "not_completed", "expired",
                 "escalated", "rerouted", "consent_refused")  # fmt: skip


def draw_age_days(rng: random.Random) -> int:
    """An age at registration in days, between 13 and 17½ (most youths are met at 14–16)."""
    years = rng.choices([13, 14, 15, 16, 17], weights=[10, 35, 25, 20, 10])[0]
    return years * 365 + rng.randint(0, 364 if years < 17 else 180)


def create_programme(
    session: Session, *, institutions: int, mediators: int, password: str
) -> dict[int, list[int]]:
    """Institutions with a coordinator each, mediators spread over them, a supervisor per region."""
    mediator_ids: dict[int, list[int]] = {}
    regions = set()
    for n in range(institutions):
        region = REGIONS[n % len(REGIONS)]
        regions.add(region)
        institution = institution_service.create_institution(
            session, name=f"Institution {n + 1}", region=region
        )
        assert institution.id is not None
        user_service.create_user(
            session, username=f"coord{n + 1}", password=password, role=Role.coordinator,
            institution_ids=[institution.id],
        )  # fmt: skip
        mediator_ids[institution.id] = []
    ids = sorted(mediator_ids)
    for m in range(max(mediators, institutions)):
        institution_id = ids[m % len(ids)]
        user = user_service.create_user(
            session, username=f"med{m + 1}", password=password, role=Role.mediator,
            institution_ids=[institution_id],
        )  # fmt: skip
        assert user.id is not None
        mediator_ids[institution_id].append(user.id)
    for n, region in enumerate(sorted(regions)):
        user_service.create_user(
            session, username=f"sup{n + 1}", password=password, role=Role.supervisor,
            region=region,
        )  # fmt: skip
    return mediator_ids


def draw_cohort(
    rng: random.Random, *, youths: int, start: date, mediator_ids: dict[int, list[int]]
) -> list[Registration]:
    """Young people arriving over the first year, with the ages and schooling of CONTEXT.md."""
    institution_ids = sorted(mediator_ids)
    registrations = []
    for n in range(youths):
        registered = start + timedelta(days=rng.randint(0, 364))
        born = registered - timedelta(days=draw_age_days(rng))
        institution_id = institution_ids[n % len(institution_ids)]

        def admitted(born: date = born, registered: date = registered) -> date:
            return max(born + timedelta(days=365), add_months(registered, -rng.randint(0, 60)))

        data = draw_registration(
            rng, born=born, registered=registered, institution_id=institution_id,
            mediator_ids=mediator_ids[institution_id], presumed_rate=0.03, admitted=admitted,
        )  # fmt: skip
        registrations.append(Registration(registered, data))
    return sorted(registrations, key=lambda r: r.day)


@dataclass
class KindRow:
    created: int = 0
    done_on_time: int = 0
    done_late: int = 0
    cancelled: int = 0
    still_open: int = 0
    escalated_level_1: int = 0
    escalated_level_2: int = 0


@dataclass
class Results:
    """The simulation's table."""

    youths: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    work_items: dict[str, KindRow] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)
    exits: dict[str, int] = field(default_factory=dict)
    outcomes_12_months: dict[str, int] = field(default_factory=dict)
    referrals: dict[str, Any] = field(default_factory=dict)
    # The indicator services' outcomes (mowakaba/sim/outcomes.py): key -> part -> [n, N].
    outcome_indicators: dict[str, dict[str, list[int | None]]] = field(default_factory=dict)
    as_of: date | None = None
    run: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return data

    def table_data(self) -> dict[str, Any]:
        """Everything but the timings: what the seed decides."""
        data = self.as_dict()
        data.pop("run")
        return data


def collect_results(
    session: Session, *, first_day: date | None = None, as_of: date | None = None
) -> Results:
    """Read what happened back from the database (with the outcome indicators as of a day)."""
    results = Results()
    results.youths = session.exec(select(func.count()).select_from(Youth)).one()
    for each in Stage:
        results.by_stage[each.value] = 0
    for stage, count in session.exec(select(Youth.stage, func.count()).group_by(Youth.stage)):
        results.by_stage[Stage(stage).value] = count
    tz = {i.id: i.time_zone for i in session.exec(select(Institution))}
    escalated: dict[int, int] = {}
    for item_id, level in session.exec(
        select(Escalation.work_item_id, func.max(Escalation.level))
        .where(Escalation.reason == "overdue")
        .group_by(col(Escalation.work_item_id))
    ):
        escalated[item_id] = level
    rows: dict[str, KindRow] = {kind.value: KindRow() for kind in WorkItemKind}
    for item in session.exec(select(WorkItem)):
        row = rows[item.kind.value]
        row.created += 1
        if item.status == WorkItemStatus.open:
            row.still_open += 1
        elif item.status == WorkItemStatus.cancelled:
            row.cancelled += 1
        else:
            assert item.completed_at is not None
            done_day = local_date(item.completed_at, tz[item.institution_id])
            if done_day <= item.due_date:
                row.done_on_time += 1
            else:
                row.done_late += 1
        level = escalated.get(item.pk, 0)
        row.escalated_level_1 += level >= 1
        row.escalated_level_2 += level >= 2
    results.work_items = {k: v for k, v in rows.items() if v.created}
    for kind, count in session.exec(
        select(Notification.kind, func.count()).group_by(Notification.kind)
    ):
        results.notifications[str(kind.value if hasattr(kind, "value") else kind)] = count
    results.notifications["emails_sent"] = session.exec(
        select(func.count()).select_from(Notification).where(Notification.email_status == "sent")
    ).one()
    exits = {"planned": 0, "unplanned": 0, "extended": 0}
    for exit_kind in session.exec(select(Youth.exit_kind).where(col(Youth.exit_date).is_not(None))):
        exits["planned" if exit_kind == ExitKind.planned else "unplanned"] += 1
    exits["extended"] = session.exec(
        select(func.count(func.distinct(ExitExtension.youth_id))).where(
            ExitExtension.status == ExtensionStatus.approved
        )
    ).one()
    results.exits = exits
    outcome = {"reached_12_months": 0, "in_touch": 0, "housed": 0, "active": 0, "integrated": 0}
    for checkpoint in session.exec(
        select(FollowUp).where(FollowUp.months == 12, FollowUp.status != CheckpointStatus.open)
    ):
        outcome["reached_12_months"] += 1
        in_touch = checkpoint.status == CheckpointStatus.contacted
        housed = checkpoint.housing in HOUSED
        active = checkpoint.activity in ACTIVE
        outcome["in_touch"] += in_touch
        outcome["housed"] += housed
        outcome["active"] += active
        outcome["integrated"] += in_touch and housed and active
    results.outcomes_12_months = outcome
    results.referrals = referral_figures(session)
    if as_of is not None:
        results.as_of = as_of
        results.outcome_indicators = outcome_indicators(
            session, first_day=first_day or as_of, as_of=as_of
        )
    return results


def referral_figures(session: Session) -> dict[str, Any]:
    """What became of the referrals: how many reached each answer, were escalated,
    expired or re-routed, and the median answer time in working days."""
    reached = dict(
        session.exec(
            select(
                ReferralTransition.target, func.count(func.distinct(ReferralTransition.referral_id))
            ).group_by(col(ReferralTransition.target))
        ).all()
    )
    figures: dict[str, Any] = {
        "sent": reached.get(ReferralStatus.sent, 0),
        **{s.value: reached.get(s, 0) for s in REFERRAL_OUTCOMES},
        "escalated": session.exec(
            select(func.count())
            .select_from(Referral)
            .where(col(Referral.escalated_at).is_not(None))
        ).one(),
        "rerouted": session.exec(
            select(func.count())
            .select_from(Referral)
            .where(col(Referral.rerouted_from_id).is_not(None))
        ).one(),
    }
    last = session.exec(select(func.max(Referral.sent_date))).one()
    days = [
        d
        for f in referral_service.partner_figures(
            session, institution_ids=None, today=last or date.today()
        )
        for d in f.response_days
    ]
    figures["median_response_working_days"] = median(days) if days else None
    return figures


def format_results(results: Results) -> str:
    """The table, as text."""
    lines = [f"Young people: {results.youths}"]
    lines.append("  per stage: " + ", ".join(f"{k} {v}" for k, v in results.by_stage.items()))
    lines.append("")
    header = (
        f"{'work item':<28}{'created':>8}{'on time':>9}{'late':>7}{'cancel':>8}{'open':>7}"
        f"{'esc L1':>8}{'esc L2':>8}"
    )
    lines.append(header)
    totals = KindRow()
    for kind, row in results.work_items.items():
        lines.append(
            f"{kind:<28}{row.created:>8}{row.done_on_time:>9}{row.done_late:>7}{row.cancelled:>8}"
            f"{row.still_open:>7}{row.escalated_level_1:>8}{row.escalated_level_2:>8}"
        )
        for name in asdict(totals):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    lines.append(
        f"{'total':<28}{totals.created:>8}{totals.done_on_time:>9}{totals.done_late:>7}"
        f"{totals.cancelled:>8}{totals.still_open:>7}{totals.escalated_level_1:>8}"
        f"{totals.escalated_level_2:>8}"
    )
    lines.append("")
    lines.append(
        "Notifications: " + ", ".join(f"{k} {v}" for k, v in sorted(results.notifications.items()))
    )
    lines.append("Exits: " + ", ".join(f"{k} {v}" for k, v in results.exits.items()))
    r = results.referrals
    if r:
        lines.append(
            "Referrals: "
            + ", ".join(f"{k.replace('_', ' ')} {r.get(k, 0)}" for k in REFERRAL_LINE)
            + f"; median response {r.get('median_response_working_days')} working days"
        )
    o = results.outcomes_12_months
    lines.append(
        f"12 months after exit ({o['reached_12_months']} reached): in touch {o['in_touch']}, "
        f"housed {o['housed']}, in work/training/education {o['active']}, "
        f"integrated (all three) {o['integrated']}"
    )
    if results.outcome_indicators and results.as_of is not None:
        lines.append("")
        lines.extend(format_outcomes(results.outcome_indicators, results.as_of))
    if results.run:
        lines.append("")
        lines.append("Run: " + ", ".join(f"{k} {v}" for k, v in results.run.items()))
    return "\n".join(lines)
