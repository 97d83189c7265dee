"""A referral's life as data (statuses, moves, who makes them) and its clocks; pure, no I/O.

Deadlines (docs/rules.md, "Referrals"): day 1 is the first working day after the day of
sending, on the partner's calendar. No answer by the end of working day N (the service's
response time) escalates to the institution's coordinators once, the next day; no answer
by the end of working day 2N expires the referral. An accepted referral is due delivered
`delivery_days` calendar days after acceptance (rolled forward to a working day); not
completed by then, the partner and the mediator are reminded the next day, and the
coordinators are told at the end of working day N after the delivery date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mowakaba.calendar import WorkingCalendar
from mowakaba.enums import ReferralStatus
from mowakaba.errors import InvalidReferralTransition

R = ReferralStatus

# status → the statuses it may move to. Cancelled, re-routed, declined, completed, not
# completed and expired are closed: nothing moves from them (a declined or expired
# referral is re-routed by starting a new one that names it).
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    R.draft: frozenset({R.sent, R.cancelled}),
    R.sent: frozenset({R.accepted, R.declined, R.cancelled, R.rerouted, R.expired}),
    R.accepted: frozenset({R.in_progress, R.completed, R.not_completed, R.cancelled}),
    R.in_progress: frozenset({R.completed, R.not_completed, R.cancelled}),
    R.declined: frozenset(),
    R.completed: frozenset(),
    R.not_completed: frozenset(),
    R.cancelled: frozenset(),
    R.rerouted: frozenset(),
    R.expired: frozenset(),
}
# Waiting for the partner's answer, or for the service to be delivered.
OPEN = frozenset({R.sent, R.accepted, R.in_progress})
CLOSED = frozenset(s for s, moves in TRANSITIONS.items() if not moves)
# Moves that are the partner's answer (its users, or a mediator recording it for them).
PARTNER_MOVES = frozenset({R.accepted, R.declined, R.in_progress, R.completed, R.not_completed})
# A declined or expired referral can be sent elsewhere: a new referral names it.
REROUTABLE = frozenset({R.sent, R.declined, R.expired})


def check_move(referral_id: int | None, source: ReferralStatus, target: ReferralStatus) -> None:
    """Refuse a move the table does not allow."""
    if target not in TRANSITIONS[source]:
        raise InvalidReferralTransition(referral_id, source.value, target.value)


@dataclass(frozen=True)
class ResponseClock:
    """When a sent referral's answer is due, and when it expires unanswered."""

    day_1: date
    due: date  # the end of working day N: escalated the next day, if unanswered
    expires: date  # the end of working day 2N: expired the next day, if unanswered


def response_clock(sent: date, response_days: int, calendar: WorkingCalendar) -> ResponseClock:
    """The clock of a referral sent on a (local) day."""
    return ResponseClock(
        day_1=calendar.add_working_days(sent, 1),
        due=calendar.add_working_days(sent, response_days),
        expires=calendar.add_working_days(sent, 2 * response_days),
    )


def delivery_due(accepted: date, delivery_days: int, calendar: WorkingCalendar) -> date:
    """The day an accepted referral's service is due delivered (a working day)."""
    return calendar.roll_forward(accepted + timedelta(days=delivery_days))


def delivery_escalation_day(due: date, response_days: int, calendar: WorkingCalendar) -> date:
    """The end of working day N after the delivery date: escalated the next day."""
    return calendar.add_working_days(due, response_days)
