"""The pathway (DESIGN.md §2) as pure functions over data: stages, moves, the work they create.

No I/O, no clock: everything that reads "today" takes it as an argument. The due
dates and checks the stages rely on are `Rules`, in `mowakaba.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mowakaba.enums import Stage, WorkItemKind
from mowakaba.errors import InvalidTransition
from mowakaba.rules import Rules, WorkItemSpec

STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)
IN_CARE: frozenset[Stage] = frozenset(
    {Stage.enrolled, Stage.intake, Stage.planning, Stage.active, Stage.exit_preparation}
)

# Forward moves only. Date triggers may skip stages (late registration); an exit
# (planned or not) may happen from any stage in care; closure from anywhere.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.enrolled: frozenset({Stage.intake, Stage.exit_preparation, Stage.exited, Stage.closed}),
    Stage.intake: frozenset({Stage.planning, Stage.exit_preparation, Stage.exited, Stage.closed}),
    Stage.planning: frozenset({Stage.active, Stage.exit_preparation, Stage.exited, Stage.closed}),
    Stage.active: frozenset({Stage.exit_preparation, Stage.exited, Stage.closed}),
    Stage.exit_preparation: frozenset({Stage.exited, Stage.closed}),
    Stage.exited: frozenset({Stage.follow_up, Stage.closed}),
    Stage.follow_up: frozenset({Stage.closed}),
    Stage.closed: frozenset(),
}


def check_transition(source: Stage, target: Stage, youth_id: int | None = None) -> None:
    """Raise InvalidTransition unless the table allows source → target."""
    if target not in TRANSITIONS[source]:
        raise InvalidTransition(youth_id, source, target)


def stage_index(stage: Stage) -> int:
    """Return the position of a stage in the pathway (enrolled is 0)."""
    return STAGE_ORDER.index(stage)


# ---------------------------------------------------------------- stage triggers and work


@dataclass(frozen=True)
class PathwayFacts:
    """What the stage triggers read about a youth: dates only, no names."""

    date_of_birth: date
    registered: date
    stage: Stage
    planned_exit: date | None
    intake_done: date | None = None
    plan_approved: date | None = None
    exit_date: date | None = None
    checkpoints_resolved: date | None = None  # the day the last checkpoint was resolved


def stage_moves(rules: Rules, facts: PathwayFacts, today: date) -> list[tuple[Stage, date]]:
    """Return every stage move due by `today`, in order, each with the day it happened.

    Date triggers (birthdays, the planned exit, the first checkpoint) and
    recorded facts (intake done, plan approved, exit recorded, checkpoints
    resolved) move a youth forward from any earlier stage; nothing moves back.
    Date triggers that fall on or after an actual exit do not fire.
    """
    moves: list[tuple[Stage, date]] = []
    stage = facts.stage
    while True:
        candidates: list[tuple[date, Stage]] = []
        in_care = stage in IN_CARE
        if stage == Stage.enrolled:
            candidates.append(
                (rules.intake_date(facts.date_of_birth, facts.registered), Stage.intake)
            )
        if stage == Stage.intake and facts.intake_done is not None:
            candidates.append((facts.intake_done, Stage.planning))
        if stage == Stage.planning and facts.plan_approved is not None:
            candidates.append((facts.plan_approved, Stage.active))
        if stage in (Stage.enrolled, Stage.intake, Stage.planning, Stage.active) and (
            facts.planned_exit is not None
        ):
            candidates.append(
                (
                    rules.exit_preparation_date(
                        facts.date_of_birth, facts.planned_exit, facts.registered
                    ),
                    Stage.exit_preparation,
                )
            )
        if in_care and facts.exit_date is not None:
            candidates = [(d, s) for d, s in candidates if d < facts.exit_date]
            candidates.append((facts.exit_date, Stage.exited))
        if stage == Stage.exited and facts.exit_date is not None:
            candidates.append((rules.first_checkpoint_date(facts.exit_date), Stage.follow_up))
        if stage == Stage.follow_up and facts.checkpoints_resolved is not None:
            candidates.append((facts.checkpoints_resolved, Stage.closed))
        due = [(d, s) for d, s in candidates if d <= today]
        if not due:
            return moves
        on, target = min(due, key=lambda pair: (pair[0], stage_index(pair[1])))
        on = max(on, facts.registered)  # a late registration lands in the stage on its day
        if moves:
            on = max(on, moves[-1][1])  # a stage never starts before the one it follows
        check_transition(stage, target)
        moves.append((target, on))
        stage = target


def next_stage_trigger(rules: Rules, facts: PathwayFacts) -> date | None:
    """Return the next day a date trigger can move this youth (None: only people can).

    Stored on the youth so the sweep finds whose stage must change by index.
    """
    stage = facts.stage
    if stage == Stage.enrolled:
        return rules.intake_date(facts.date_of_birth, facts.registered)
    if stage in (Stage.intake, Stage.planning, Stage.active) and facts.planned_exit is not None:
        return rules.exit_preparation_date(
            facts.date_of_birth, facts.planned_exit, facts.registered
        )
    if stage == Stage.exited and facts.exit_date is not None:
        return rules.first_checkpoint_date(facts.exit_date)
    return None


def entry_work(
    rules: Rules,
    stage: Stage,
    on: date,
    *,
    planned_exit: date | None,
    exit_date: date | None = None,
    registered: date | None = None,
    existing: frozenset[WorkItemKind] = frozenset(),
    plan_approved: bool = False,
) -> list[WorkItemSpec]:
    """Return the work a stage creates when entered on a day.

    Entering exit preparation also creates the work of the stages it skipped
    (intake assessment, integration plan) if it does not exist yet. Follow-up
    checkpoints that fell due before a late registration are not created.
    """
    if stage == Stage.intake:
        return rules.intake_items(on)
    if stage == Stage.planning:
        return [] if WorkItemKind.integration_plan in existing else [rules.plan_item(on)]
    if stage == Stage.active:
        return [rules.review_item(Stage.active, on, number=1)]
    if stage == Stage.exit_preparation:
        assert planned_exit is not None
        skipped: list[WorkItemSpec] = []
        if WorkItemKind.intake_assessment not in existing:
            skipped += rules.intake_items(on)
        if WorkItemKind.integration_plan not in existing and not plan_approved:
            skipped.append(rules.plan_item(on))
        return skipped + rules.exit_preparation_items(on, planned_exit)
    if stage == Stage.exited:
        assert exit_date is not None
        return [
            spec
            for spec in rules.checkpoint_items(exit_date)
            if registered is None or spec.due_date >= registered
        ]
    return []


# Open work a stage change cancels: reviews on entering exit preparation (the
# exit-readiness assessment replaces them); everything of care on exit.
CANCELLED_ON_ENTRY: dict[Stage, frozenset[WorkItemKind]] = {
    Stage.exit_preparation: frozenset({WorkItemKind.plan_review}),
    Stage.exited: frozenset(
        {
            WorkItemKind.intake_assessment,
            WorkItemKind.integration_plan,
            WorkItemKind.plan_approval,
            WorkItemKind.milestone_check,
            WorkItemKind.plan_review,
            WorkItemKind.exit_readiness_assessment,
            WorkItemKind.exit_checklist_item,
            WorkItemKind.exit_extension_decision,
            WorkItemKind.record_exit,
            WorkItemKind.runaway_decision,  # the exit is recorded: nothing left to decide
        }
    ),
    Stage.closed: frozenset(WorkItemKind),
}
