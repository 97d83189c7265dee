"""The words of the referral pages: statuses, what may be shared, consents, answers.

Marked with `N_()` here, translated by the templates (`_(label)`) in the page's language.
"""

from __future__ import annotations

from api.pages.common import N_
from mowakaba.enums import AnswerMethod, ConsentData, ConsentGiver, ReferralStatus, SharedField
from mowakaba.list_labels import REFERRAL_STATUS_LABELS

STATUS_LABELS = REFERRAL_STATUS_LABELS

# The buttons of a partner's answer (and of an answer recorded on its behalf).
ANSWER_LABELS = {
    ReferralStatus.accepted: N_("Accept"),
    ReferralStatus.declined: N_("Decline"),
    ReferralStatus.in_progress: N_("Mark in progress"),
    ReferralStatus.completed: N_("Mark completed"),
    ReferralStatus.not_completed: N_("Mark not completed"),
}

SHARED_LABELS = {
    SharedField.last_name: N_("Last name"),
    SharedField.phone: N_("Phone number"),
    SharedField.education_level: N_("Schooling"),
    SharedField.vocational_level: N_("Vocational training"),
    SharedField.sex: N_("Sex"),
    SharedField.health_details: N_("Health details"),
    SharedField.family_details: N_("Family details"),
}
SENSITIVE = (SharedField.health_details, SharedField.family_details)

CONSENT_DATA_LABELS = {
    ConsentData.identity: N_("Identity (last name, sex)"),
    ConsentData.contact: N_("Contact (phone)"),
    ConsentData.education: N_("Schooling and training"),
    ConsentData.health: N_("Health"),
    ConsentData.family: N_("Family"),
}

GIVER_LABELS = {
    ConsentGiver.guardian: N_("The guardian"),
    ConsentGiver.youth: N_("The young person"),
}

# A consent's line on the file (a sentence each: French and Arabic agree differently).
GIVEN_LABELS = {
    ConsentGiver.guardian: N_("Given by the guardian on %(date)s"),
    ConsentGiver.youth: N_("Given by the young person on %(date)s"),
}

METHOD_LABELS = {
    AnswerMethod.online: N_("In Mowakaba"),
    AnswerMethod.phone: N_("By phone"),
    AnswerMethod.letter: N_("By letter"),
    AnswerMethod.visit: N_("In person"),
    AnswerMethod.email: N_("By email"),
}
# How a mediator heard the partner's answer (its users answer in Mowakaba themselves).
RECORDED_METHODS = (AnswerMethod.phone, AnswerMethod.letter, AnswerMethod.visit,
                    AnswerMethod.email)  # fmt: skip
