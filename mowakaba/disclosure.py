"""Who may see which personal field of a youth's file: the allow-list, as data.

One table serves two readers: `tests/privacy/test_minimisation.py` walks every API answer
and page as each role and fails when a field outside the role's list shows, and the CNDP
declaration (`mowakaba/privacy_declaration.py`, docs/privacy.md) prints it as the
recipients of each field. Change what a role sees here first; the walk then says which
page or route still disagrees. Pure: no database, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mowakaba.enums import Role


class Access(StrEnum):
    """How a role reads a field of the youths in its scope."""

    read = "read"
    # Only what a referral's sender chose to share, under a consent that covers the partner
    # and that kind of data (mowakaba/services/consents.py, services/referrals/lifecycle.py).
    consent = "consent"


@dataclass(frozen=True)
class PersonalField:
    """A personal field of the case file: where it is stored and what it is, in words."""

    key: str
    table: str
    column: str
    label: str


FIELDS: tuple[PersonalField, ...] = (
    PersonalField("youth.first_name", "youth", "first_name", "first name (Latin script)"),
    PersonalField("youth.first_name_ar", "youth", "first_name_ar", "first name (Arabic)"),
    PersonalField("youth.last_name", "youth", "last_name", "last name (Latin script)"),
    PersonalField("youth.last_name_ar", "youth", "last_name_ar", "last name (Arabic)"),
    PersonalField("youth.date_of_birth", "youth", "date_of_birth", "date of birth"),
    PersonalField("youth.notes", "youth", "notes", "notes on the youth"),
    PersonalField("guardianship.guardian_name", "guardianship", "guardian_name", "guardian's name"),
    PersonalField(
        "guardianship.guardian_phone", "guardianship", "guardian_phone", "guardian's phone"
    ),
    PersonalField("contact.value", "contact", "value", "phone numbers, e-mail, address"),
    PersonalField("contact.name", "contact", "name", "trusted persons' names"),
    PersonalField("consent.given_by_name", "consent", "given_by_name", "who gave a consent"),
    PersonalField("assessment.notes", "assessment", "notes", "assessment notes"),
    PersonalField("assessment.youth_view", "assessment", "youth_view", "the youth's own view"),
    PersonalField("assessment_axis.needs", "assessment_axis", "needs", "needs per axis"),
    PersonalField("plan.youth_goals", "plan", "youth_goals", "the youth's goals in the plan"),
    PersonalField("case_note.text", "case_note_version", "text", "case notes (ordinary)"),
    PersonalField(
        "case_note.sensitive_text",
        "case_note_version",
        "text",
        "case notes marked sensitive (health, family, justice)",
    ),
    PersonalField("incident.description", "incident", "description", "incident descriptions"),
    PersonalField("document.original_name", "document", "original_name", "documents' file names"),
)
KEYS = frozenset(f.key for f in FIELDS)

_EVERYTHING = {f.key: Access.read for f in FIELDS}
# A supervisor reads the cases of their region but not the sensitive fields
# (api/policy.py::SENSITIVE_READERS): a sensitive note shows that it exists, not its text
# (services/case_notes.py::reads_text), an incident its kind and dates, not its description
# (api/routes/incidents.py::READS_DESCRIPTION).
_SUPERVISOR_HIDDEN = {
    "incident.description",
    "youth.notes",
    "guardianship.guardian_name",
    "guardianship.guardian_phone",
    "assessment.notes",
    "assessment.youth_view",
    "assessment_axis.needs",
    "plan.youth_goals",
    "case_note.sensitive_text",
}

ALLOWED: dict[Role, dict[str, Access]] = {
    # Admins run the system: users, institutions, partners; a case only through the audit.
    Role.admin: {},
    Role.supervisor: {k: a for k, a in _EVERYTHING.items() if k not in _SUPERVISOR_HIDDEN},
    Role.coordinator: dict(_EVERYTHING),
    Role.mediator: dict(_EVERYTHING),
    # A partner sees the referrals sent to its organisation: first name, age and need,
    # and what the sender chose to share under consent; never a date of birth, a note,
    # a guardian or a health detail of the file.
    Role.partner: {
        "youth.first_name": Access.read,
        "youth.first_name_ar": Access.read,
        "youth.last_name": Access.consent,
        "youth.last_name_ar": Access.consent,
        "contact.value": Access.consent,
    },
}


def may_see(role: Role, key: str, *, under_consent: bool = True) -> bool:
    """Tell whether a role may see a personal field (`under_consent`: a consent covers the
    record, which lets a partner see what the referral shares)."""
    if key not in KEYS:
        raise KeyError(key)
    access = ALLOWED[role].get(key)
    return access == Access.read or (access == Access.consent and under_consent)


def recipients(key: str) -> dict[Role, Access]:
    """The roles that see a personal field, and how."""
    return {role: fields[key] for role, fields in ALLOWED.items() if key in fields}
