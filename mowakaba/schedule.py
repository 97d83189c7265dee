"""The nominal schedule: a youth's whole pathway by the rules, every item done on its due date.

A pure walk over the same rules the reconciler applies (`stage_moves`,
`entry_work` and the completion rules below), so what mediators see as "what is
coming" is what the engine will do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date

from mowakaba.enums import Stage, WorkItemKind, WorkItemStatus
from mowakaba.pathway import (
    CANCELLED_ON_ENTRY,
    PathwayFacts,
    entry_work,
    next_stage_trigger,
    stage_moves,
)
from mowakaba.rules import Rules, WorkItemSpec

# Ordering of events on one day: the stage first, then what it creates.
_EVENT_ORDER = {
    "registered": 0,
    "stage_entered": 1,
    "work_item_cancelled": 2,
    "work_item_created": 3,
    "reminder": 4,
    "work_item_due": 5,
    "escalation": 6,
}


@dataclass(frozen=True)
class ScheduleEntry:
    """One line of the schedule."""

    date: dt.date
    event: str
    stage: Stage
    kind: WorkItemKind | None = None
    due_date: dt.date | None = None
    subject: str = ""

    def sort_key(self) -> tuple[dt.date, int, dt.date, str, str]:
        prefix = self.event.rsplit("_", 1)[0] if self.event[-1].isdigit() else self.event
        return (
            self.date,
            _EVENT_ORDER[prefix],
            self.due_date or self.date,
            self.kind or "",
            self.subject,
        )

    def to_json(self) -> dict[str, str | None]:
        """Return the JSON object of the CLI's --json output."""
        return {
            "date": self.date.isoformat(),
            "event": self.event,
            "stage": self.stage.value,
            "kind": self.kind.value if self.kind else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
        }


@dataclass
class _Item:
    spec: WorkItemSpec
    created: date
    stage: Stage
    status: WorkItemStatus = WorkItemStatus.open
    closed_on: date | None = None


@dataclass
class _Walk:
    rules: Rules
    facts: PathwayFacts
    items: list[_Item] = field(default_factory=list)
    entries: list[ScheduleEntry] = field(default_factory=list)

    def open_items(self) -> list[_Item]:
        return [i for i in self.items if i.status == WorkItemStatus.open]

    def create(self, spec: WorkItemSpec, on: date) -> None:
        if any(i.spec.kind == spec.kind and i.spec.subject == spec.subject for i in self.items):
            return
        self.items.append(_Item(spec, on, self.facts.stage))

    def count(self, kind: WorkItemKind) -> int:
        return sum(1 for i in self.items if i.spec.kind == kind)

    def enter(self, stage: Stage, on: date) -> None:
        cancels = CANCELLED_ON_ENTRY.get(stage, frozenset())
        for item in self.open_items():
            if item.spec.kind in cancels:
                item.status, item.closed_on = WorkItemStatus.cancelled, on
        existing = frozenset(i.spec.kind for i in self.items)
        self.facts = _replace(self.facts, stage=stage)
        self.entries.append(ScheduleEntry(on, "stage_entered", stage))
        for spec in entry_work(
            self.rules,
            stage,
            on,
            planned_exit=self.facts.planned_exit,
            exit_date=self.facts.exit_date,
            registered=self.facts.registered,
            existing=existing,
            plan_approved=self.facts.plan_approved is not None,
        ):
            self.create(spec, on)

    def complete(self, item: _Item, on: date) -> None:
        """Apply the completion rules, the item done on its due date."""
        item.status, item.closed_on = WorkItemStatus.done, on
        kind, stage, rules = item.spec.kind, self.facts.stage, self.rules
        if kind == WorkItemKind.intake_assessment:
            self.facts = _replace(self.facts, intake_done=on)
        elif kind == WorkItemKind.integration_plan:
            version = int(item.spec.subject.lstrip("v") or 1)
            self.create(rules.plan_approval_item(on, version=version), on)
        elif kind == WorkItemKind.plan_approval:
            self.facts = _replace(self.facts, plan_approved=on)
        elif kind in (WorkItemKind.plan_review, WorkItemKind.exit_readiness_assessment):
            if stage in (Stage.active, Stage.exit_preparation):
                number = self.count(WorkItemKind.plan_review) + 1
                self.create(rules.review_item(stage, on, number=number), on)
        elif kind == WorkItemKind.record_exit:
            self.facts = _replace(self.facts, exit_date=self.facts.planned_exit)
        elif kind == WorkItemKind.follow_up_checkpoint and not any(
            i.spec.kind == WorkItemKind.follow_up_checkpoint for i in self.open_items()
        ):
            self.facts = _replace(self.facts, checkpoints_resolved=on)

    def settle(self, today: date) -> None:
        """Do everything due on a day until nothing more is."""
        for _ in range(100):
            due = sorted(
                (i for i in self.open_items() if i.spec.due_date <= today),
                key=lambda i: (i.spec.due_date, i.created),
            )
            for item in due:
                self.complete(item, item.spec.due_date)
            moves = stage_moves(self.rules, self.facts, today)
            for stage, on in moves:
                self.enter(stage, on)
            if not due and not moves:
                return
        raise RuntimeError("the nominal schedule does not settle")  # pragma: no cover

    def next_day(self) -> date | None:
        candidates = [i.spec.due_date for i in self.open_items()]
        trigger = next_stage_trigger(self.rules, self.facts)
        if trigger is not None:
            candidates.append(trigger)
        return min(candidates) if candidates else None


def _replace(facts: PathwayFacts, **changes: object) -> PathwayFacts:
    from dataclasses import replace

    return replace(facts, **changes)  # type: ignore[arg-type]


def nominal_schedule(
    rules: Rules,
    *,
    date_of_birth: date,
    registered: date,
    planned_exit: date | None = None,
    exit_date: date | None = None,
) -> list[ScheduleEntry]:
    """Return a youth's whole pathway by the rules, every work item done on its due date."""
    stored_exit = rules.check_registration(
        date_of_birth=date_of_birth,
        registered=registered,
        planned_exit=planned_exit,
        exit_date=exit_date,
    )
    facts = PathwayFacts(
        date_of_birth=date_of_birth,
        registered=registered,
        stage=Stage.enrolled,
        planned_exit=stored_exit,
        exit_date=exit_date,
    )
    walk = _Walk(rules, facts)
    walk.entries.append(ScheduleEntry(registered, "registered", Stage.enrolled))
    day: date | None = registered
    while day is not None and walk.facts.stage != Stage.closed:
        walk.settle(day)
        day = walk.next_day()
    for item in walk.items:
        walk.entries.extend(_item_entries(rules, item))
    return sorted(walk.entries, key=ScheduleEntry.sort_key)


def _item_entries(rules: Rules, item: _Item) -> list[ScheduleEntry]:
    spec = item.spec
    common = {
        "stage": item.stage,
        "kind": spec.kind,
        "due_date": spec.due_date,
        "subject": spec.subject,
    }
    entries = [ScheduleEntry(item.created, "work_item_created", **common)]  # type: ignore[arg-type]
    if item.status == WorkItemStatus.cancelled:
        assert item.closed_on is not None
        entries.append(ScheduleEntry(item.closed_on, "work_item_cancelled", **common))  # type: ignore[arg-type]
        return entries
    for days, when in rules.reminder_dates(spec.due_date):
        if when >= item.created:
            entries.append(ScheduleEntry(when, f"reminder_d{days}", **common))  # type: ignore[arg-type]
    entries.append(ScheduleEntry(spec.due_date, "work_item_due", **common))  # type: ignore[arg-type]
    level_1, level_2 = rules.escalation_dates(spec.due_date)
    if spec.pool is None:
        entries.append(ScheduleEntry(level_1, "escalation_1", **common))  # type: ignore[arg-type]
    entries.append(ScheduleEntry(level_2, "escalation_2", **common))  # type: ignore[arg-type]
    return entries


KIND_LABELS = {
    WorkItemKind.intake_assessment: "intake assessment",
    WorkItemKind.integration_plan: "integration plan",
    WorkItemKind.plan_approval: "plan approval (coordinators)",
    WorkItemKind.milestone_check: "milestone check",
    WorkItemKind.plan_review: "plan review",
    WorkItemKind.exit_readiness_assessment: "exit-readiness assessment",
    WorkItemKind.exit_checklist_item: "exit checklist",
    WorkItemKind.record_exit: "record exit",
    WorkItemKind.follow_up_checkpoint: "follow-up checkpoint",
    WorkItemKind.exit_extension_decision: "extension decision (coordinators)",
    WorkItemKind.incident_response: "incident response (coordinators)",
    WorkItemKind.runaway_decision: "runaway decision (coordinators)",
    WorkItemKind.document_renewal: "document renewal",
}


def _day(d: date) -> str:
    return d.strftime("%a %d %b %Y")


def _subject_label(kind: WorkItemKind, subject: str) -> str:
    if not subject:
        return ""
    if kind == WorkItemKind.follow_up_checkpoint:
        months = subject.lstrip("m")
        return f" at {months} month" + ("" if months == "1" else "s")
    if kind == WorkItemKind.exit_checklist_item:
        return f": {subject.replace('_', ' ')}"
    if kind == WorkItemKind.plan_review:
        return f" #{subject.lstrip('r')}"
    return f" ({subject})"


def format_schedule(entries: list[ScheduleEntry]) -> str:
    """Render a schedule as text a social worker can read: stages, then each one's work."""
    lines: list[str] = []
    by_item: dict[tuple[WorkItemKind, str], dict[str, object]] = {}
    for entry in entries:
        if entry.kind is None:
            continue
        item = by_item.setdefault((entry.kind, entry.subject), {"reminders": [], "escalations": []})
        if entry.event == "work_item_created":
            item["created"] = entry
        elif entry.event.startswith("reminder"):
            item["reminders"].append(entry.date)  # type: ignore[attr-defined]
        elif entry.event.startswith("escalation"):
            item["escalations"].append((entry.event[-1], entry.date))  # type: ignore[attr-defined]
        elif entry.event == "work_item_cancelled":
            item["cancelled"] = entry.date
    for entry in entries:
        if entry.event == "registered":
            lines.append(f"{entry.date}  registered")
        elif entry.event == "stage_entered":
            lines.append(f"{entry.date}  ── stage: {entry.stage.value.replace('_', ' ')}")
        elif entry.event == "work_item_created":
            assert entry.kind is not None and entry.due_date is not None
            item = by_item[(entry.kind, entry.subject)]
            label = KIND_LABELS[entry.kind] + _subject_label(entry.kind, entry.subject)
            if "cancelled" in item:
                lines.append(
                    f"{entry.date}     {label}, due {_day(entry.due_date)}: "
                    f"cancelled {item['cancelled']}"
                )
                continue
            reminders = ", ".join(str(d) for d in item["reminders"])  # type: ignore[attr-defined]
            escalations = ", ".join(
                f"L{level} {d}"
                for level, d in item["escalations"]  # type: ignore[attr-defined]
            )
            lines.append(f"{entry.date}     {label}, due {_day(entry.due_date)}")
            detail = []
            if reminders:
                detail.append(f"reminders {reminders}")
            detail.append(f"escalation if still open: {escalations}")
            lines.append(" " * 17 + "; ".join(detail))
    return "\n".join(lines)


def what_comes_next(entries: list[ScheduleEntry], today: date) -> list[ScheduleEntry]:
    """Return the work items falling due from a day on, soonest first."""
    return [e for e in entries if e.event == "work_item_due" and e.date >= today]
