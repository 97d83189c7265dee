"""The words of the indicators page: each indicator's name, its figures, its breakdown's
columns and the stable keys of its rows (the enums' labels, reused from the other pages).

Marked with `N_()` here, translated in the page's language where shown.
"""

from __future__ import annotations

from mowakaba.case_labels import (
    AXIS_LABELS,
    CHECKLIST_LABELS,
    EDUCATION_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
    VOCATIONAL_LABELS,
)
from mowakaba.enums import Language
from mowakaba.labels import N_, WORK_ITEM_KINDS, translate
from mowakaba.list_labels import REFERRAL_STATUS_LABELS

TITLES = {
    "cohort_profile": N_("Profile of the young people due to leave"),
    "intake_coverage": N_("Intake assessment coverage"),
    "intake_delay_median": N_("Days from the 14th birthday to the intake assessment"),
    "plan_coverage": N_("Approved integration plans"),
    "reviews_on_time": N_("Plan reviews on time"),
    "timeliness": N_("Work done on time"),
    "escalations_open": N_("Escalations waiting for acknowledgement"),
    "referrals": N_("Referrals to partners"),
    "exit_readiness": N_("Exit readiness"),
    "extensions": N_("Exits after the 18th birthday"),
    "outcome_6m": N_("Outcomes 6 months after leaving care"),
    "outcome_12m": N_("Outcomes 12 months after leaving care"),
    "outcome_24m": N_("Outcomes 24 months after leaving care"),
}

# Figures, by their stable keys (mowakaba/services/indicators/; a key missing here is
# shown as is).
FIGURES = {
    "count": N_("Number"),
    "youths": N_("Young people"),
    "share": N_("Share"),
    "older_than_19": N_("Older than 19"),
    "with_intake": N_("With a completed intake assessment"),
    "median_days": N_("Median (days)"),
    "with_approved_plan": N_("With an approved plan"),
    "due": N_("Due"),
    "on_time": N_("Done on time"),
    "late": N_("Done late"),
    "open_overdue": N_("Open and overdue"),
    "escalated_l1": N_("Escalated (level 1)"),
    "escalated_l2": N_("Escalated (level 2)"),
    "open": N_("Waiting for acknowledgement"),
    "level_1": N_("Level 1"),
    "level_2": N_("Level 2"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "completed": N_("Completed"),
    "expired": N_("Expired unanswered"),
    "median_response_days": N_("Median answer time (working days)"),
    "answered_in_time": N_("Answered by the deadline"),
    "complete": N_("Checklist complete at exit"),
    "ready": N_("Done or not needed at exit"),
    "exits": N_("Exits"),
    "after_18": N_("Exits after the 18th birthday"),
    "share_after_18": N_("Share of exits after the 18th birthday"),
    "with_approved_extension": N_("With an approved extension"),
    "extensions": N_("Extensions"),
    "leavers": N_("Leavers"),
    "in_touch": N_("In touch"),
    "housed": N_("Stably housed"),
    "eet": N_("In work, training or education"),
    "health_covered": N_("Health coverage"),
    "id_documents": N_("Identity documents"),
    "integrated": N_("Integrated"),
}

# The breakdown's dimensions ("Breakdown by ...").
DIMENSIONS = {
    "age_band": N_("Age"),
    "education_level": N_("Education level"),
    "vocational_level": N_("Vocational level"),
    "sex": N_("Sex"),
    "institution": N_("Institution"),
    "kind": N_("Kind of work"),
    "mediator": N_("Mediator"),
    "axis": N_("Axis"),
    "partner": N_("Partner"),
    "item": N_("Exit checklist item"),
    "age_at_exit": N_("Age at exit"),
    "reason": N_("Reason"),
    "cohort": N_("Year of exit"),
}

# A breakdown row's item, by dimension: the enums' own labels (the other pages' words).
VALUES: dict[str, dict[str, str]] = {
    "sex": dict(SEX_LABELS),
    "education_level": dict(EDUCATION_LABELS),
    "vocational_level": dict(VOCATIONAL_LABELS),
    "kind": dict(WORK_ITEM_KINDS),
    "axis": dict(AXIS_LABELS),
    "item": dict(CHECKLIST_LABELS),
    "stage": dict(STAGE_LABELS),
    "status": dict(REFERRAL_STATUS_LABELS),
    "age_band": {
        "<16": N_("Under 16"),
        "21+": N_("21 and over"),
        ">10": N_("More than 10"),
    },  # fmt: skip
    "age_at_exit": {"21+": N_("21 and over")},
    "mediator": {"pool:institution_coordinators": N_("The coordinators (pool)")},
}
# Items that mean the same under any dimension.
ANY_VALUES = {"": N_("Not recorded"), "unknown": N_("Not known")}

NO_DATA = N_("No data")


def figure_label(key: str, language: Language) -> str:
    """A figure's or a column's name in a language (the key itself when it has none)."""
    label = FIGURES.get(key)
    return translate(label, language) if label else key


def dimension_label(key: str, language: Language) -> str:
    """A breakdown's dimension in words (the key itself when it has none)."""
    label = DIMENSIONS.get(key)
    return translate(label, language) if label else key


def value_label(dimension: str, value: str, language: Language) -> str:
    """A breakdown row's item under its dimension, in words (years, age bands and free
    text such as an extension's reason stay as they are)."""
    label = VALUES.get(dimension, {}).get(value) or ANY_VALUES.get(value)
    return translate(label, language) if label else value
