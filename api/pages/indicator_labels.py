"""The words of the indicators page: each indicator's name, its figures, its breakdown's
columns and the stable keys of its rows (the enums' labels, reused from the other pages).

Marked with `N_()` here, translated in the page's language where shown.
"""

from __future__ import annotations

from api.pages.common import N_
from api.pages.referral_labels import STATUS_LABELS as REFERRAL_STATUS_LABELS
from api.pages.youth_labels import (
    AXIS_LABELS,
    CHECKLIST_LABELS,
    EDUCATION_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
    VOCATIONAL_LABELS,
)
from mowakaba.enums import Language
from mowakaba.labels import WORK_ITEM_KINDS, translate

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

# Figures and breakdown columns, by their stable keys (a key missing here is shown as is).
FIGURES = {
    "count": N_("Number"),
    "youths": N_("Young people"),
    "share": N_("Share"),
    "older_than_19": N_("Older than 19"),
    "covered": N_("With a completed intake assessment"),
    "with_intake": N_("With a completed intake assessment"),
    "median_days": N_("Median (days)"),
    "with_plan": N_("With an approved plan"),
    "approved_plan": N_("With an approved plan"),
    "due": N_("Due"),
    "on_time": N_("On time"),
    "done_on_time": N_("Done on time"),
    "late": N_("Late"),
    "done_late": N_("Done late"),
    "open_overdue": N_("Open and overdue"),
    "escalated_l1": N_("Escalated (level 1)"),
    "escalated_l2": N_("Escalated (level 2)"),
    "open": N_("Open"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "completed": N_("Completed"),
    "expired": N_("Expired unanswered"),
    "median_response_days": N_("Median answer time (working days)"),
    "answered_in_time": N_("Answered by the deadline"),
    "ready": N_("Checklist complete at exit"),
    "complete": N_("Checklist complete at exit"),
    "exits": N_("Exits"),
    "extended": N_("After the 18th birthday"),
    "in_touch": N_("In touch"),
    "housed": N_("Stably housed"),
    "eet": N_("In work, training or education"),
    "health_covered": N_("Health coverage"),
    "id_documents": N_("Identity documents"),
    "integrated": N_("Integrated"),
    # Breakdown columns.
    "age_band": N_("Age"),
    "education_level": N_("Education level"),
    "vocational_level": N_("Vocational level"),
    "sex": N_("Sex"),
    "dimension": N_("Breakdown"),
    "value": N_("Value"),
    "kind": N_("Kind of work"),
    "mediator": N_("Mediator"),
    "age": N_("Age in working days"),
    "axis": N_("Axis"),
    "partner": N_("Partner"),
    "item": N_("Checklist item"),
    "reason": N_("Reason"),
    "cohort": N_("Year of exit"),
    "institution": N_("Institution"),
    "status": N_("Status"),
}

# A breakdown row's keys, by column: the enums' own labels (the other pages' words).
VALUES: dict[str, dict[str, str]] = {
    "sex": dict(SEX_LABELS),
    "education_level": dict(EDUCATION_LABELS),
    "vocational_level": dict(VOCATIONAL_LABELS),
    "kind": dict(WORK_ITEM_KINDS),
    "axis": dict(AXIS_LABELS),
    "item": dict(CHECKLIST_LABELS),
    "stage": dict(STAGE_LABELS),
    "status": dict(REFERRAL_STATUS_LABELS),
    "age_band": {"<16": N_("Under 16"), "21+": N_("21 and over")},
    "dimension": {
        "age_band": N_("Age"),
        "education_level": N_("Education level"),
        "vocational_level": N_("Vocational level"),
        "sex": N_("Sex"),
    },
}
# Keys that mean the same in any column.
ANY_VALUES = {"": N_("Not recorded"), "none": N_("None"), "unknown": N_("Not known"),
              "all": N_("All"), "other": N_("Other")}  # fmt: skip

NO_DATA = N_("No data")
UNITS = {"share": "%", "days": N_("days"), "count": ""}


def figure_label(key: str, language: Language) -> str:
    """A figure's or a column's name in a language (the key itself when it has none)."""
    label = FIGURES.get(key)
    return translate(label, language) if label else key


def value_label(column: str, value: str, language: Language) -> str:
    """A breakdown row's key under a column, in words (names and years stay as they are)."""
    label = VALUES.get(column, {}).get(value) or ANY_VALUES.get(value)
    return translate(label, language) if label else value
