"""Every table (DESIGN.md §4). Singular snake_case names, `_id` keys, `_at` UTC, `_date` local.

Columns whose `info` says `sensitive` (health, family, notes) never leave the
case file: partners see a minimised referral, logs carry ids only. One module per
area; importing this package registers every table on the metadata.
"""

from mowakaba.models.api_sessions import AuthToken, IdempotencyRecord, LoginFailure
from mowakaba.models.casework import CaseNote, CaseNoteVersion
from mowakaba.models.documents import Document
from mowakaba.models.history import AuditEvent, PathwayEvent
from mowakaba.models.incidents import Incident, SmsAttempt, SmsMessage
from mowakaba.models.indicators import IndicatorSnapshot
from mowakaba.models.notifications import DeliveryAttempt, Notification
from mowakaba.models.organisation import (
    CalendarYear,
    Holiday,
    Institution,
    NationalCalendarYear,
    NationalHoliday,
    User,
    UserInstitution,
)
from mowakaba.models.partners import Partner, PartnerService, Referral, ReferralTransition
from mowakaba.models.privacy import LegalHold, PrivacyRequest, RetentionPurge
from mowakaba.models.transfers import Transfer
from mowakaba.models.work import (
    Assessment,
    AssessmentAxis,
    Escalation,
    ExitExtension,
    FollowUp,
    Milestone,
    Plan,
    WorkItem,
)
from mowakaba.models.youth import Consent, Contact, Guardianship, Youth

__all__ = [
    "Assessment",
    "AssessmentAxis",
    "AuditEvent",
    "AuthToken",
    "CalendarYear",
    "CaseNote",
    "CaseNoteVersion",
    "Consent",
    "Contact",
    "DeliveryAttempt",
    "Document",
    "Escalation",
    "ExitExtension",
    "FollowUp",
    "Guardianship",
    "Holiday",
    "IndicatorSnapshot",
    "IdempotencyRecord",
    "Incident",
    "LegalHold",
    "Institution",
    "LoginFailure",
    "Milestone",
    "NationalCalendarYear",
    "NationalHoliday",
    "Notification",
    "Partner",
    "PartnerService",
    "PathwayEvent",
    "Plan",
    "PrivacyRequest",
    "Referral",
    "ReferralTransition",
    "RetentionPurge",
    "SmsAttempt",
    "SmsMessage",
    "Transfer",
    "User",
    "UserInstitution",
    "WorkItem",
    "Youth",
]
