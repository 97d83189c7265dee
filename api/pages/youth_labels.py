"""The words of a youth's file: a translatable label for every stage, event and closed list.

Marked with `N_()` here, translated by the templates (`_(label)`) in the page's language.
"""

from __future__ import annotations

from api.pages.common import N_
from mowakaba.case_labels import (  # noqa: F401  (shared with the documents and exports)
    AXIS_LABELS,
    CHECKLIST_LABELS,
    EDUCATION_LABELS,
    EXIT_DESTINATION_LABELS,
    EXIT_KIND_LABELS,
    MILESTONE_STATUS_LABELS,
    PLAN_STATUS_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
    VOCATIONAL_LABELS,
)
from mowakaba.enums import (
    ClosureReason,
    EventKind,
)

EVENT_LABELS = {
    EventKind.registered: N_("Registered"),
    EventKind.stage_entered: N_("Stage entered"),
    EventKind.work_item_created: N_("Work item created"),
    EventKind.work_item_completed: N_("Work item completed"),
    EventKind.work_item_cancelled: N_("Work item cancelled"),
    EventKind.work_item_rescheduled: N_("New due date granted"),
    EventKind.escalation_raised: N_("Escalation raised"),
    EventKind.escalation_acknowledged: N_("Escalation acknowledged"),
    EventKind.checkpoint_missed: N_("Follow-up checkpoint missed"),
    EventKind.not_in_touch_marked: N_("Marked not in touch"),
    EventKind.not_in_touch_cleared: N_("Back in touch"),
    EventKind.exit_recorded: N_("Exit recorded"),
    EventKind.extension_requested: N_("Extension requested"),
    EventKind.extension_decided: N_("Extension decided"),
    EventKind.closed: N_("Pathway closed"),
    EventKind.mediator_changed: N_("Mediator changed"),
    EventKind.consent_given: N_("Consent recorded"),
    EventKind.consent_withdrawn: N_("Consent withdrawn"),
    EventKind.referral_drafted: N_("Referral drafted"),
    EventKind.referral_sent: N_("Referral sent"),
    EventKind.referral_accepted: N_("Referral accepted"),
    EventKind.referral_declined: N_("Referral declined"),
    EventKind.referral_in_progress: N_("Referral in progress"),
    EventKind.referral_completed: N_("Referral completed"),
    EventKind.referral_not_completed: N_("Referral not completed"),
    EventKind.referral_cancelled: N_("Referral cancelled"),
    EventKind.referral_rerouted: N_("Referral re-routed"),
    EventKind.referral_expired: N_("Referral expired unanswered"),
    EventKind.referral_escalated: N_("Referral escalated to the coordinators"),
    EventKind.case_note_written: N_("Case note written"),
    EventKind.case_note_corrected: N_("Case note corrected"),
    EventKind.contacts_updated: N_("Contact details updated"),
    EventKind.plan_agreement_recorded: N_("The young person's agreement to the plan recorded"),
    EventKind.incident_recorded: N_("Incident recorded"),
    EventKind.incident_acknowledged: N_("Incident in hand"),
    EventKind.incident_closed: N_("Incident closed"),
    EventKind.runaway_returned: N_("Back after running away"),
    EventKind.runaway_place_kept: N_("Place kept open after a runaway"),
    EventKind.sms_agreement_changed: N_("Agreement to SMS reminders changed"),
    EventKind.transfer_requested: N_("Transfer to another institution requested"),
    EventKind.transfer_accepted: N_("Transferred to another institution"),
    EventKind.transfer_refused: N_("Transfer refused"),
    EventKind.transfer_cancelled: N_("Transfer request withdrawn"),
    EventKind.document_uploaded: N_("Document uploaded"),
    EventKind.document_retired: N_("Document retired"),
    EventKind.legal_hold_placed: N_("Legal hold placed"),
    EventKind.legal_hold_lifted: N_("Legal hold lifted"),
    EventKind.privacy_request_recorded: N_("Objection or deletion request recorded"),
    EventKind.privacy_request_decided: N_("Objection or deletion request decided"),
    EventKind.records_purged: N_("Records purged (retention or request)"),
}

CLOSURE_LABELS = {
    ClosureReason.integrated: N_("Integrated"),
    ClosureReason.transferred: N_("Transferred"),
    ClosureReason.not_in_touch: N_("Not in touch"),
    ClosureReason.refused: N_("Refused the accompaniment"),
    ClosureReason.deceased: N_("Deceased"),
    ClosureReason.other: N_("Other"),
    ClosureReason.follow_up_completed: N_("Follow-up completed"),
}

# Prefect's state names (its own words); one it adds later is shown as it comes.
FLOW_STATE_LABELS = {
    "Scheduled": N_("Scheduled"),
    "Late": N_("Late"),
    "Pending": N_("Pending"),
    "Running": N_("Running"),
    "Retrying": N_("Retrying"),
    "AwaitingRetry": N_("Awaiting retry"),
    "Paused": N_("Paused"),
    "Completed": N_("Completed"),
    "Cached": N_("Completed"),
    "Failed": N_("Failed"),
    "Crashed": N_("Crashed"),
    "Cancelling": N_("Cancelling"),
    "Cancelled": N_("Cancelled"),
}
