"""Every closed list of the domain, as StrEnums (member name == stored value)."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    enrolled = "enrolled"
    intake = "intake"
    planning = "planning"
    active = "active"
    exit_preparation = "exit_preparation"
    exited = "exited"
    follow_up = "follow_up"
    closed = "closed"


class WorkItemKind(StrEnum):
    intake_assessment = "intake_assessment"
    integration_plan = "integration_plan"
    plan_approval = "plan_approval"
    milestone_check = "milestone_check"
    plan_review = "plan_review"
    exit_readiness_assessment = "exit_readiness_assessment"
    exit_checklist_item = "exit_checklist_item"
    record_exit = "record_exit"
    follow_up_checkpoint = "follow_up_checkpoint"
    exit_extension_decision = "exit_extension_decision"
    # Urgent incidents (services/incidents.py): the coordinators' response, due the next
    # working day, and their decision on a runaway not back within 7 days (DESIGN §2 exit).
    incident_response = "incident_response"
    runaway_decision = "runaway_decision"
    # Renew a document before it expires (subject: `d<document id>`).
    document_renewal = "document_renewal"


class WorkItemStatus(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class AssigneePool(StrEnum):
    """A work item assigned to a group rather than a person."""

    institution_coordinators = "institution_coordinators"


class ChecklistItem(StrEnum):
    national_id_card = "national_id_card"
    birth_certificate = "birth_certificate"
    health_coverage = "health_coverage"
    bank_account = "bank_account"
    housing = "housing"
    income_or_training = "income_or_training"
    support_network = "support_network"


class Axis(StrEnum):
    """The five national axes, plus housing, life skills and family relations."""

    health = "health"
    education_training = "education_training"
    employment = "employment"
    social_assistance = "social_assistance"
    social_participation = "social_participation"
    housing = "housing"
    life_skills = "life_skills"
    family_relations = "family_relations"


class EducationLevel(StrEnum):
    none = "none"
    primary = "primary"
    lower_secondary = "lower_secondary"
    secondary = "secondary"
    university = "university"


class VocationalLevel(StrEnum):
    none = "none"
    basic = "basic"
    qualified = "qualified"
    technician = "technician"
    specialised_technician = "specialised_technician"


class Sex(StrEnum):
    female = "female"
    male = "male"


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    coordinator = "coordinator"
    mediator = "mediator"
    partner = "partner"


class Language(StrEnum):
    ar = "ar"
    fr = "fr"
    en = "en"


class ClosureReason(StrEnum):
    integrated = "integrated"
    transferred = "transferred"
    not_in_touch = "not_in_touch"
    refused = "refused"
    deceased = "deceased"
    other = "other"
    # Set by the rules, not a coordinator: the last checkpoint is behind us.
    follow_up_completed = "follow_up_completed"


class ExitKind(StrEnum):
    planned = "planned"
    runaway = "runaway"
    return_to_family = "return_to_family"
    transfer = "transfer"
    other = "other"


class ExitDestination(StrEnum):
    independent_housing = "independent_housing"
    transitional_housing = "transitional_housing"
    family = "family"
    foster_or_kafala = "foster_or_kafala"
    other_institution = "other_institution"
    street = "street"
    unknown = "unknown"


class HousingOutcome(StrEnum):
    own_or_rented = "own_or_rented"
    shared_flat = "shared_flat"
    transitional = "transitional"
    family = "family"
    institution = "institution"
    homeless = "homeless"
    unknown = "unknown"


class ActivityOutcome(StrEnum):
    work = "work"
    training = "training"
    education = "education"
    none = "none"


class CheckpointStatus(StrEnum):
    open = "open"
    contacted = "contacted"
    no_contact = "no_contact"
    missed = "missed"


class PlanStatus(StrEnum):
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    superseded = "superseded"


class MilestoneStatus(StrEnum):
    open = "open"
    done = "done"
    delayed = "delayed"
    dropped = "dropped"


class AgreementMethod(StrEnum):
    """How a young person agreed to their plan: a paper copy they signed (uploaded as a
    "signed plan" document), or confirmed in person before a witness."""

    signed_on_paper = "signed_on_paper"
    in_person = "in_person"


class PrintedDocument(StrEnum):
    """The toolkit's printables of a youth's case (their names in the print URL)."""

    intake_assessment = "intake-assessment"
    plan = "plan"
    exit_checklist = "exit-checklist"
    follow_up = "follow-up"


class AssessmentKind(StrEnum):
    intake = "intake"
    review = "review"
    exit_readiness = "exit_readiness"


class ExtensionStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    rejected = "rejected"


class LegalStatus(StrEnum):
    parental_authority = "parental_authority"
    kafala = "kafala"
    institutional_guardianship = "institutional_guardianship"
    court_ward = "court_ward"
    abandoned_declared = "abandoned_declared"
    other = "other"


class ContactKind(StrEnum):
    phone = "phone"
    messaging = "messaging"
    email = "email"
    address = "address"
    trusted_person = "trusted_person"


class NoteKind(StrEnum):
    """What a case note records: a contact with the youth or about them."""

    visit = "visit"
    call = "call"
    meeting = "meeting"
    message = "message"
    other = "other"


class NoteParty(StrEnum):
    """With whom the contact a note records was held (several may be named)."""

    youth = "youth"
    family = "family"
    partner = "partner"
    school = "school"
    other = "other"


class Sensitivity(StrEnum):
    """Why a note's text is kept from supervisors: health, family or justice matters."""

    none = "none"
    health = "health"
    family = "family"
    justice = "justice"


class ConsentGiver(StrEnum):
    guardian = "guardian"
    youth = "youth"


class ConsentPurpose(StrEnum):
    share_with_partners = "share_with_partners"
    follow_up_contact = "follow_up_contact"
    data_processing = "data_processing"


class EventKind(StrEnum):
    """What a pathway event (a line of the youth's timeline) records."""

    registered = "registered"
    stage_entered = "stage_entered"
    work_item_created = "work_item_created"
    work_item_completed = "work_item_completed"
    work_item_cancelled = "work_item_cancelled"
    work_item_rescheduled = "work_item_rescheduled"
    escalation_raised = "escalation_raised"
    escalation_acknowledged = "escalation_acknowledged"
    checkpoint_missed = "checkpoint_missed"
    not_in_touch_marked = "not_in_touch_marked"
    not_in_touch_cleared = "not_in_touch_cleared"
    exit_recorded = "exit_recorded"
    extension_requested = "extension_requested"
    extension_decided = "extension_decided"
    closed = "closed"
    mediator_changed = "mediator_changed"
    consent_given = "consent_given"
    consent_withdrawn = "consent_withdrawn"
    # A referral's transitions: `referral_<status>` (data: referral, partner, service ids).
    referral_drafted = "referral_drafted"
    referral_sent = "referral_sent"
    referral_accepted = "referral_accepted"
    referral_declined = "referral_declined"
    referral_in_progress = "referral_in_progress"
    referral_completed = "referral_completed"
    referral_not_completed = "referral_not_completed"
    referral_cancelled = "referral_cancelled"
    referral_rerouted = "referral_rerouted"
    referral_expired = "referral_expired"
    referral_escalated = "referral_escalated"
    # The case file (data: the note's id and version, its kind and sensitivity; never text).
    case_note_written = "case_note_written"
    case_note_corrected = "case_note_corrected"
    contacts_updated = "contacts_updated"
    # The young person's agreement to a plan version (data: version, method).
    plan_agreement_recorded = "plan_agreement_recorded"
    # Urgent incidents (data: incident id and kind, never the description).
    incident_recorded = "incident_recorded"
    incident_acknowledged = "incident_acknowledged"
    incident_closed = "incident_closed"
    runaway_returned = "runaway_returned"
    runaway_place_kept = "runaway_place_kept"
    sms_agreement_changed = "sms_agreement_changed"
    # A transfer between institutions (data: transfer, from and to institution ids).
    transfer_requested = "transfer_requested"
    transfer_accepted = "transfer_accepted"
    transfer_refused = "transfer_refused"
    transfer_cancelled = "transfer_cancelled"
    # A youth's documents (data: document id and kind).
    document_uploaded = "document_uploaded"
    document_retired = "document_retired"

    legal_hold_placed = "legal_hold_placed"
    legal_hold_lifted = "legal_hold_lifted"
    privacy_request_recorded = "privacy_request_recorded"
    privacy_request_decided = "privacy_request_decided"
    records_purged = "records_purged"


class EscalationReason(StrEnum):
    overdue = "overdue"
    not_in_touch = "not_in_touch"
    incident = "incident"  # raised at once when an incident is recorded


class NotificationKind(StrEnum):
    reminder = "reminder"
    escalation = "escalation"
    work_assigned = "work_assigned"
    not_in_touch = "not_in_touch"
    account_locked = "account_locked"
    referral_received = "referral_received"  # to the partner's users
    referral_answered = "referral_answered"  # to the sender: accepted, declined, done...
    referral_overdue = "referral_overdue"  # to the institution's coordinators
    referral_expired = "referral_expired"  # to the sender and the coordinators
    referral_delivery_due = "referral_delivery_due"  # to the partner and the mediator
    incident = "incident"  # to the coordinators (and supervisors for serious kinds), at once
    caseload_assigned = "caseload_assigned"  # to a mediator receiving part of a caseload
    transfer_requested = "transfer_requested"  # to the receiving institution's coordinators
    transfer_decided = "transfer_decided"  # accepted or refused: to the sender; cancelled


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Channel(StrEnum):
    in_app = "in_app"
    console = "console"
    email = "email"
    sms = "sms"


class HolidayKind(StrEnum):
    fixed = "fixed"
    religious = "religious"
    local = "local"


class AuditOutcome(StrEnum):
    allowed = "allowed"
    denied = "denied"
    not_found = "not_found"
    error = "error"


class PartnerKind(StrEnum):
    public_body = "public_body"
    association = "association"
    company = "company"
    cooperative = "cooperative"


class ReferralStatus(StrEnum):
    draft = "draft"
    sent = "sent"
    accepted = "accepted"
    declined = "declined"
    in_progress = "in_progress"
    completed = "completed"
    not_completed = "not_completed"
    cancelled = "cancelled"
    rerouted = "rerouted"
    expired = "expired"


class AnswerMethod(StrEnum):
    """How a partner's answer reached Mowakaba: its own account, or a mediator recording it."""

    online = "online"
    phone = "phone"
    letter = "letter"
    visit = "visit"
    email = "email"


class SharedField(StrEnum):
    """What a mediator may choose to share with a partner, beyond first name, age and need."""

    last_name = "last_name"
    phone = "phone"
    education_level = "education_level"
    vocational_level = "vocational_level"
    sex = "sex"
    health_details = "health_details"  # sensitive: only with a consent that covers health
    family_details = "family_details"  # sensitive: only with a consent that covers family


class ConsentData(StrEnum):
    """Categories of data a consent to share covers."""

    identity = "identity"  # last name, sex
    contact = "contact"  # phone
    education = "education"  # education and vocational levels
    health = "health"
    family = "family"


class IncidentKind(StrEnum):
    runaway = "runaway"
    hospitalisation = "hospitalisation"
    arrest = "arrest"
    violence = "violence"
    pregnancy = "pregnancy"
    other = "other"


class IncidentStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    closed = "closed"


class SmsKind(StrEnum):
    """What an SMS of the outbox says (templates/sms/<lang>/<kind>.txt)."""

    incident = "incident"  # to a user with a phone: an incident to handle
    follow_up_reminder = "follow_up_reminder"  # to the youth who agreed: an appointment


class TransferStatus(StrEnum):
    """A transfer between institutions: requested, then accepted, refused or cancelled."""

    requested = "requested"
    accepted = "accepted"
    refused = "refused"
    cancelled = "cancelled"


class DocumentKind(StrEnum):
    """What an uploaded document is."""

    national_id_card = "national_id_card"
    birth_certificate = "birth_certificate"
    placement_order = "placement_order"
    school_certificate = "school_certificate"
    signed_plan = "signed_plan"
    health_coverage_card = "health_coverage_card"
    other = "other"


class DocumentStatus(StrEnum):
    """A document in force, or retired (never deleted): replaced by a newer one, or withdrawn."""

    current = "current"
    replaced = "replaced"
    withdrawn = "withdrawn"


class RecordClass(StrEnum):
    """A class of records with its own retention (settings.Retention, docs/privacy.md)."""

    case_file = "case_file"
    sensitive_notes = "sensitive_notes"
    documents = "documents"
    audit_trail = "audit_trail"
    notifications = "notifications"
    run_history = "run_history"


class PrivacyRequestKind(StrEnum):
    """What a youth (or their guardian) asks under Law 09-08."""

    objection = "objection"
    deletion = "deletion"


class PrivacyRequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    done = "done"
