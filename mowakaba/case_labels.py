"""The words of a case's closed lists, shared by the youth file's pages and the printed
documents: marked with `N_()` here, translated where they are shown."""

from __future__ import annotations

from mowakaba.enums import (
    ActivityOutcome,
    AgreementMethod,
    AssessmentKind,
    Axis,
    ChecklistItem,
    CheckpointStatus,
    DocumentKind,
    EducationLevel,
    ExitDestination,
    ExitKind,
    HousingOutcome,
    MilestoneStatus,
    PlanStatus,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemStatus,
)
from mowakaba.labels import N_

STAGE_LABELS = {
    Stage.enrolled: N_("Enrolled"),
    Stage.intake: N_("Intake"),
    Stage.planning: N_("Planning"),
    Stage.active: N_("Active plan"),
    Stage.exit_preparation: N_("Exit preparation"),
    Stage.exited: N_("Exited"),
    Stage.follow_up: N_("Follow-up"),
    Stage.closed: N_("Closed"),
}

SEX_LABELS = {Sex.female: N_("Female"), Sex.male: N_("Male")}

EDUCATION_LABELS = {
    EducationLevel.none: N_("No schooling"),
    EducationLevel.primary: N_("Primary school"),
    EducationLevel.lower_secondary: N_("Lower secondary school"),
    EducationLevel.secondary: N_("Secondary school"),
    EducationLevel.university: N_("University"),
}

VOCATIONAL_LABELS = {
    VocationalLevel.none: N_("No vocational training"),
    VocationalLevel.basic: N_("Basic qualification"),
    VocationalLevel.qualified: N_("Qualification"),
    VocationalLevel.technician: N_("Technician"),
    VocationalLevel.specialised_technician: N_("Specialised technician"),
}

PLAN_STATUS_LABELS = {
    PlanStatus.submitted: N_("Awaiting approval"),
    PlanStatus.approved: N_("Approved"),
    PlanStatus.rejected: N_("Sent back for rework"),
    PlanStatus.superseded: N_("Superseded"),
}

MILESTONE_STATUS_LABELS = {
    MilestoneStatus.open: N_("To do"),
    MilestoneStatus.done: N_("Done"),
    MilestoneStatus.delayed: N_("Delayed"),
    MilestoneStatus.dropped: N_("Dropped"),
}

AXIS_LABELS = {
    Axis.health: N_("Health"),
    Axis.education_training: N_("Education and training"),
    Axis.employment: N_("Employment"),
    Axis.social_assistance: N_("Social assistance"),
    Axis.social_participation: N_("Social participation"),
    Axis.housing: N_("Housing"),
    Axis.life_skills: N_("Life skills"),
    Axis.family_relations: N_("Family relations"),
}

CHECKLIST_LABELS = {
    ChecklistItem.national_id_card: N_("National ID card"),
    ChecklistItem.birth_certificate: N_("Birth certificate"),
    ChecklistItem.health_coverage: N_("Health coverage"),
    ChecklistItem.bank_account: N_("Bank account"),
    ChecklistItem.housing: N_("Housing"),
    ChecklistItem.income_or_training: N_("Income or training place"),
    ChecklistItem.support_network: N_("Support network"),
}

EXIT_KIND_LABELS = {
    ExitKind.planned: N_("Planned exit"),
    ExitKind.runaway: N_("Ran away"),
    ExitKind.return_to_family: N_("Return to the family"),
    ExitKind.transfer: N_("Transfer"),
    ExitKind.other: N_("Other"),
}

EXIT_DESTINATION_LABELS = {
    ExitDestination.independent_housing: N_("Independent housing"),
    ExitDestination.transitional_housing: N_("Transitional housing"),
    ExitDestination.family: N_("Family"),
    ExitDestination.foster_or_kafala: N_("Foster family or kafala"),
    ExitDestination.other_institution: N_("Another institution"),
    ExitDestination.street: N_("Street"),
    ExitDestination.unknown: N_("Unknown"),
}

HOUSING_LABELS = {
    HousingOutcome.own_or_rented: N_("Own or rented home"),
    HousingOutcome.shared_flat: N_("Shared flat"),
    HousingOutcome.transitional: N_("Transitional housing"),
    HousingOutcome.family: N_("Family"),
    HousingOutcome.institution: N_("An institution"),
    HousingOutcome.homeless: N_("Homeless"),
    HousingOutcome.unknown: N_("Unknown"),
}

ACTIVITY_LABELS = {
    ActivityOutcome.work: N_("Work"),
    ActivityOutcome.training: N_("Training"),
    ActivityOutcome.education: N_("Education"),
    ActivityOutcome.none: N_("None"),
}

CHECKPOINT_STATUS_LABELS = {
    CheckpointStatus.open: N_("To do"),
    CheckpointStatus.contacted: N_("In touch"),
    CheckpointStatus.no_contact: N_("No contact"),
    CheckpointStatus.missed: N_("Missed"),
}

CHECKLIST_STATUS_LABELS = {
    WorkItemStatus.open: N_("To do"),
    WorkItemStatus.done: N_("Done"),
    WorkItemStatus.cancelled: N_("Cancelled"),
}

AGREEMENT_LABELS = {
    AgreementMethod.signed_on_paper: N_("Signed on paper"),
    AgreementMethod.in_person: N_("Confirmed in person, before a witness"),
}

ASSESSMENT_KIND_LABELS = {
    AssessmentKind.intake: N_("Intake assessment"),
    AssessmentKind.review: N_("Plan review"),
    AssessmentKind.exit_readiness: N_("Exit-readiness assessment"),
}

# A youth's uploaded documents (the documents section; a checklist item met by one).
DOCUMENT_KIND_LABELS = {
    DocumentKind.national_id_card: N_("National ID card"),
    DocumentKind.birth_certificate: N_("Birth certificate"),
    DocumentKind.placement_order: N_("Placement order"),
    DocumentKind.school_certificate: N_("School certificate"),
    DocumentKind.signed_plan: N_("Signed plan"),
    DocumentKind.health_coverage_card: N_("Health-coverage card"),
    DocumentKind.other: N_("Other document"),
}
