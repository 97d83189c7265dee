"""The words of the lists' closed values (referral, transfer and incident statuses, partner
kinds, roles, escalation reasons), shared by the pages and the exports: marked with `N_()`
here, translated where they are shown."""

from __future__ import annotations

from mowakaba.enums import (
    EscalationReason,
    IncidentStatus,
    PartnerKind,
    ReferralStatus,
    Role,
    TransferStatus,
)
from mowakaba.labels import N_

REFERRAL_STATUS_LABELS = {
    ReferralStatus.draft: N_("Draft"),
    ReferralStatus.sent: N_("Sent, waiting for an answer"),
    ReferralStatus.accepted: N_("Accepted"),
    ReferralStatus.declined: N_("Declined"),
    ReferralStatus.in_progress: N_("In progress"),
    ReferralStatus.completed: N_("Completed"),
    ReferralStatus.not_completed: N_("Not completed"),
    ReferralStatus.cancelled: N_("Cancelled"),
    ReferralStatus.rerouted: N_("Re-routed"),
    ReferralStatus.expired: N_("Expired unanswered"),
}

TRANSFER_STATUS_LABELS = {
    TransferStatus.requested: N_("Waiting for a decision"),
    TransferStatus.accepted: N_("Accepted"),
    TransferStatus.refused: N_("Refused"),
    TransferStatus.cancelled: N_("Withdrawn"),
}

INCIDENT_STATUS_LABELS = {
    IncidentStatus.open: N_("Waiting for a coordinator"),
    IncidentStatus.acknowledged: N_("In hand"),
    IncidentStatus.closed: N_("Closed"),
}

PARTNER_KIND_LABELS = {
    PartnerKind.public_body: N_("Public body"),
    PartnerKind.association: N_("Association"),
    PartnerKind.company: N_("Company"),
    PartnerKind.cooperative: N_("Cooperative"),
}

ROLE_LABELS = {
    Role.admin: N_("Administrator"),
    Role.supervisor: N_("Supervisor"),
    Role.coordinator: N_("Coordinator"),
    Role.mediator: N_("Mediator"),
    Role.partner: N_("Partner"),
}

ESCALATION_REASON_LABELS = {
    EscalationReason.overdue: N_("Overdue"),
    EscalationReason.not_in_touch: N_("Not in touch"),
    EscalationReason.incident: N_("Incident"),
}
