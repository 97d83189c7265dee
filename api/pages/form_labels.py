"""The words of the work forms: a label per payload field, a label per option, a sentence
per axis. Keyed by the payload models' own names (mowakaba.schemas), so a field or an
option the models gain without words here fails a test, not a person."""

from __future__ import annotations

from api.pages.common import N_
from mowakaba.enums import Axis

# Field name → label; (model, field) where one model needs other words.
LABELS: dict[str | tuple[str, str], str] = {
    "axes": N_("Axes"),
    "score": N_("Score"),
    "needs": N_("Needs"),
    "notes": N_("Notes"),
    "milestones": N_("Milestones"),
    "axis": N_("Axis"),
    "title": N_("Title"),
    "owner": N_("Who carries it"),
    "due_date": N_("Due date"),
    "decision": N_("Decision"),
    "comment": N_("Comment"),
    "outcome": N_("Outcome"),
    "new_due_date": N_("New due date"),
    "reason": N_("Reason"),
    "note": N_("Note"),
    "exit_date": N_("Date of the exit"),
    "kind": N_("How the young person left"),
    "destination": N_("Where the young person went"),
    "contact": N_("Did you reach the young person?"),
    "housing": N_("Housing"),
    "activity": N_("Activity"),
    "health_coverage": N_("Health coverage"),
    "id_documents": N_("Identity documents"),
    "income": N_("Income"),
    "support_network": N_("Support network"),
    "well_being": N_("Well-being"),
    ("ExtensionDecisionPayload", "comment"): N_("Comment (for the mediator)"),
    "youth_view": N_("The young person's own view"),
    "youth_goals": N_("The young person's goals, in their own words"),
    "agreement_method": N_("The young person's agreement"),
    "agreement_date": N_("Date of the agreement"),
    "agreement_witness_name": N_("Witness's name"),
    "agreement_witness_role": N_("Witness's role"),
    "review_date": N_("Review date"),
    ("RunawayDecisionPayload", "exit_date"): N_(
        "Date of the exit (default: the day of the runaway)"
    ),
    ("RunawayDecisionPayload", "reason"): N_("Reason"),
    ("IncidentResponsePayload", "note"): N_("What you do about it"),
    "document_id": N_("Met by an uploaded document"),
}

HINTS: dict[str | tuple[str, str], str] = {
    "score": N_("1: serious need … 5: autonomous"),
    "owner": N_("The young person, a partner, the mediator …"),
    ("PlanApprovalPayload", "comment"): N_("Required to send the plan back: say what to change."),
    ("MilestoneCheckPayload", "new_due_date"): N_("Required if the milestone is delayed."),
    ("MilestoneCheckPayload", "reason"): N_("Required if the milestone is dropped."),
    ("ChecklistPayload", "reason"): N_("Required if it is not needed."),
    ("ChecklistPayload", "document_id"): N_(
        "A document of the file that is in force and not expired; upload it on the "
        "young person's file first."
    ),
    ("DocumentRenewalPayload", "reason"): N_("Required if it is not needed."),
    ("RecordExitPayload", "reason"): N_("Required if the exit was not planned."),
    "well_being": N_("1: very bad … 5: very good"),
    "youth_view": N_("What the young person says about their situation, as they say it."),
    "youth_goals": N_("What the young person wants to achieve, as they say it."),
    "agreement_method": N_("Leave empty if the young person has not agreed to the plan yet."),
    "agreement_witness_name": N_("Required if the agreement was confirmed in person."),
    "agreement_witness_role": N_("Required if the agreement was confirmed in person."),
    ("RunawayDecisionPayload", "reason"): N_("Required to keep the place open."),
    ("RunawayDecisionPayload", "review_date"): N_(
        "Required to keep the place open: you are asked again on this day."
    ),
}

# (enum or field name, value) → label.
OPTIONS: dict[tuple[str, str], str] = {
    ("decision", "approve"): N_("Approve"),
    ("decision", "reject"): N_("Send back"),
    ("ExtensionDecisionPayload.decision", "reject"): N_("Refuse"),
    ("decision", "record_exit"): N_("Record the exit (ran away)"),
    ("decision", "keep_open"): N_("Keep the place open"),
    ("outcome", "done"): N_("Done"),
    ("outcome", "delayed"): N_("Delayed"),
    ("outcome", "dropped"): N_("Dropped"),
    ("outcome", "not_needed"): N_("Not needed"),
    ("outcome", "renewal_requested"): N_("Renewal asked for"),
    ("contact", "true"): N_("Yes, we were in touch"),
    ("contact", "false"): N_("No contact"),
    ("ExitKind", "planned"): N_("Planned exit"),
    ("ExitKind", "runaway"): N_("Ran away"),
    ("ExitKind", "return_to_family"): N_("Returned to the family"),
    ("ExitKind", "transfer"): N_("Transferred"),
    ("ExitKind", "other"): N_("Other"),
    ("ExitDestination", "independent_housing"): N_("Independent housing"),
    ("ExitDestination", "transitional_housing"): N_("Transitional housing"),
    ("ExitDestination", "family"): N_("Family"),
    ("ExitDestination", "foster_or_kafala"): N_("Foster family or kafala"),
    ("ExitDestination", "other_institution"): N_("Another institution"),
    ("ExitDestination", "street"): N_("The street"),
    ("ExitDestination", "unknown"): N_("Unknown"),
    ("HousingOutcome", "own_or_rented"): N_("Own or rented home"),
    ("HousingOutcome", "shared_flat"): N_("Shared flat"),
    ("HousingOutcome", "transitional"): N_("Transitional housing"),
    ("HousingOutcome", "family"): N_("Family"),
    ("HousingOutcome", "institution"): N_("An institution"),
    ("HousingOutcome", "homeless"): N_("Homeless"),
    ("HousingOutcome", "unknown"): N_("Unknown"),
    ("ActivityOutcome", "work"): N_("Work"),
    ("ActivityOutcome", "training"): N_("Training"),
    ("ActivityOutcome", "education"): N_("Education"),
    ("ActivityOutcome", "none"): N_("None"),
    ("AgreementMethod", "signed_on_paper"): N_("Signed on paper"),
    ("AgreementMethod", "in_person"): N_("Confirmed in person, before a witness"),
}
YES, NO = N_("Yes"), N_("No")

# Each axis, named and explained in one sentence (CONTEXT.md).
AXES: dict[str, tuple[str, str]] = {
    Axis.health: (N_("Health"), N_(
        "Physical and mental health, care when needed, and enrolment in health coverage.")),
    Axis.education_training: (N_("Education and training"), N_(
        "Schooling, literacy and vocational training towards a qualification.")),
    Axis.employment: (N_("Employment"), N_(
        "Work experience, job search and the skills to find and keep a job.")),
    Axis.social_assistance: (N_("Social assistance"), N_(
        "Access to allowances and public support programmes, with their papers.")),
    Axis.social_participation: (N_("Social participation"), N_(
        "Activities, volunteering and friendships in the neighbourhood and youth centres.")),
    Axis.housing: (N_("Housing"), N_(
        "A safe place to live after leaving care, and the means to keep it.")),
    Axis.life_skills: (N_("Life skills"), N_(
        "Managing money, daily life, documents and appointments on one's own.")),
    Axis.family_relations: (N_("Family relations"), N_(
        "Contact with the family where it is safe, and mediation where it helps.")),
}  # fmt: skip

CHECKLIST = {
    "national_id_card": N_("National identity card (CIN)"),
    "birth_certificate": N_("Birth certificate"),
    "health_coverage": N_("Health coverage"),
    "bank_account": N_("Bank account"),
    "housing": N_("Housing"),
    "income_or_training": N_("Income or a training place"),
    "support_network": N_("Support network"),
}


def field_label(model: str, name: str) -> str:
    return LABELS.get((model, name)) or LABELS[name]


def hint_of(model: str, name: str) -> str | None:
    return HINTS.get((model, name)) or HINTS.get(name)


def option_label(owners: tuple[str, ...], value: str) -> str:
    """An option's label: an axis by its name, else the first of its owners' (the model's
    field, the field, the enum) that has words; a yes/no field without words, plain yes/no."""
    if owners == ("Axis",):
        return AXES[value][0]
    for owner in owners:
        if (owner, value) in OPTIONS:
            return OPTIONS[(owner, value)]
    if value in ("true", "false"):
        return YES if value == "true" else NO
    raise KeyError(f"no words for the option {value!r} of {owners[0]}")
