"""The indicators of issue 14: their keys, definitions, age bands and the "integrated" rule.

Pure: no database. The queries are `mowakaba/services/indicators/`; the definitions are
marked with `N_()` here and translated where they are shown (docs/indicators.md has a
worked example of each).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from mowakaba.enums import ActivityOutcome, HousingOutcome
from mowakaba.labels import N_
from mowakaba.rules import add_months

INDICATOR_KEYS = (
    "cohort_profile",
    "intake_coverage",
    "intake_delay_median",
    "plan_coverage",
    "reviews_on_time",
    "timeliness",
    "escalations_open",
    "referrals",
    "exit_readiness",
    "extensions",
    "outcome_6m",
    "outcome_12m",
    "outcome_24m",
)

# The months after exit at which outcomes are read, and the tolerance around them.
OUTCOME_MONTHS = {"outcome_6m": 6, "outcome_12m": 12, "outcome_24m": 24}
CHECKPOINT_TOLERANCE_DAYS = 45

DEFINITIONS = {
    "cohort_profile": N_(
        "Youths in scope in exit preparation, or with a planned exit within 12 months of the"
        " end of the period: counts by age band (under 16, 16, 17, 18, 19, 20, 21 and over),"
        " education level, vocational level and sex. Headline: the share older than 19."
    ),
    "intake_coverage": N_(
        "Youths aged 15 or more at the end of the period and registered at least 30 days"
        " before it: the share of them with a completed intake assessment."
    ),
    "intake_delay_median": N_(
        "Intake assessments completed in the period: the median number of days from the"
        " 14th birthday, or the registration if later, to the completion."
    ),
    "plan_coverage": N_(
        "Youths in the stages active and exit preparation (past planning): the share of them"
        " with an approved plan. It should be 100%; a lower figure shows gaps in the data."
    ),
    "reviews_on_time": N_(
        "Plan reviews due in the period: the share completed on or before their due date."
    ),
    "timeliness": N_(
        "Work items due in the period: the shares done on time, done late, still open and"
        " overdue, escalated to level 1 and to level 2, per kind and per mediator."
    ),
    "escalations_open": N_(
        "Escalations not yet acknowledged at the end of the period, by their age in working"
        " days (0-2, 3-5, 6-10, more than 10)."
    ),
    "referrals": N_(
        "Referrals sent in the period, by axis and by partner: sent, accepted, declined,"
        " completed, expired; the median response time in working days; the share answered"
        " by the response deadline."
    ),
    "exit_readiness": N_(
        "Exits recorded in the period: the share whose every exit checklist item was done or"
        " not needed at the exit date; per item, the same share."
    ),
    "extensions": N_(
        "Exits in the period after the 18th birthday: their count, and the extensions"
        " approved for them, by reason."
    ),
    "outcome_6m": N_(
        "Youths who left care at least 6 months before the end of the period (by year of"
        " exit), all of them including those not in touch: the shares in touch, stably"
        " housed, in work, training or education, with health coverage, with identity"
        " documents, and integrated, from the 6-month checkpoint (or the nearest completed"
        " one within 45 days)."
    ),
    "outcome_12m": N_(
        "Youths who left care at least 12 months before the end of the period (by year of"
        " exit), all of them including those not in touch: the shares in touch, stably"
        " housed, in work, training or education, with health coverage, with identity"
        " documents, and integrated, from the 12-month checkpoint (or the nearest completed"
        " one within 45 days)."
    ),
    "outcome_24m": N_(
        "Youths who left care at least 24 months before the end of the period (by year of"
        " exit), all of them including those not in touch: the shares in touch, stably"
        " housed, in work, training or education, with health coverage, with identity"
        " documents, and integrated, from the 24-month checkpoint (or the nearest completed"
        " one within 45 days)."
    ),
}

INTEGRATED_DEFINITION = N_(
    "Integrated: in touch, and stably housed (own or rented home, shared flat, or family),"
    " and in work, training or education."
)

# Stable housing and "in work, training or education" (issue 14's definitions).
STABLE_HOUSING = (HousingOutcome.own_or_rented, HousingOutcome.shared_flat, HousingOutcome.family)
EET_ACTIVITIES = (ActivityOutcome.work, ActivityOutcome.training, ActivityOutcome.education)

# Age bands of the cohort profile: "<16", "16" ... "20", "21+".
AGE_BANDS = ("<16", "16", "17", "18", "19", "20", "21+")

# Ages of open escalations in working days: (label, lowest, highest or None).
ESCALATION_AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-2", 0, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    (">10", 11, None),
)


def definition(key: str) -> str:
    """The English definition of an indicator (marked for translation)."""
    return DEFINITIONS[key]


def age_band(age: int) -> str:
    """The cohort profile's age band of an age."""
    if age < 16:
        return "<16"
    if age >= 21:
        return "21+"
    return str(age)


def escalation_age_band(working_days: int) -> str:
    """The band of an open escalation's age in working days."""
    for label, low, high in ESCALATION_AGE_BANDS:
        if working_days >= low and (high is None or working_days <= high):
            return label
    return ESCALATION_AGE_BANDS[0][0]  # a negative age (clock skew) counts as new


def is_stably_housed(housing: HousingOutcome | None) -> bool:
    """Whether a checkpoint's housing counts as stable (transitional, institution do not)."""
    return housing in STABLE_HOUSING


def is_eet(activity: ActivityOutcome | None) -> bool:
    """Whether a checkpoint's activity is work, training or education."""
    return activity in EET_ACTIVITIES


def is_integrated(
    *, in_touch: bool, housing: HousingOutcome | None, activity: ActivityOutcome | None
) -> bool:
    """The composite: in touch, stably housed, and in work, training or education."""
    return in_touch and is_stably_housed(housing) and is_eet(activity)


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None ("no data") when the denominator is 0."""
    return numerator / denominator if denominator else None


def median(sorted_values: list[int]) -> float | None:
    """The median of sorted values (the mean of the middle two when even), None when empty."""
    n = len(sorted_values)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return float(sorted_values[mid])
    return (sorted_values[mid - 1] + sorted_values[mid]) / 2


def age_cutoff(as_of: date, age: int) -> date:
    """The latest date of birth of someone aged at least `age` on a day (rules.age_on)."""
    return months_cutoff(as_of, 12 * age)


def months_cutoff(as_of: date, months: int) -> date:
    """The latest start whose `months`-month anniversary (rules.add_months) is on or before
    `as_of`: start + m months <= as_of exactly when start <= this day (month ends clamp)."""
    day = add_months(as_of, -months)
    while add_months(day + timedelta(days=1), months) <= as_of:
        day += timedelta(days=1)
    return day


def working_day_thresholds(
    as_of: date, counts: list[int], is_working_day: Callable[[date], bool]
) -> dict[int, date]:
    """For each k, the day T such that something raised on day r is at most k working days
    old on `as_of` exactly when r >= T (its age: the working days after r up to `as_of`).

    T is the (k+1)-th working day counting back from `as_of` (itself included).
    """
    wanted = max(counts) + 1
    working: list[date] = []
    day = as_of
    while len(working) < wanted:
        if is_working_day(day):
            working.append(day)
        day -= timedelta(days=1)
    return {k: working[k] for k in counts}
