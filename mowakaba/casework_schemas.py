"""Inputs of the case file: a note, a correction of it, the youth's contact details, documents.

Phone numbers and e-mail addresses are checked when they arrive (a malformed one is a
422 naming its field); a trusted person needs a name beside their phone.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from mowakaba.enums import DocumentKind, NoteKind, NoteParty, Sensitivity
from mowakaba.schemas import MAX_ID, IsoDate, MultiLine, Name, OneLine, Strict, Text

MAX_NOTE = 5_000  # characters of a note's text (a page and more)
NoteText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE), MultiLine]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), OneLine]
PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


def is_phone(value: str) -> bool:
    """8 to 15 digits, separators between them, an optional leading +."""
    digits = PHONE_SEPARATORS.sub("", value)
    if digits.startswith("+"):
        digits = digits[1:]
    return digits.isdigit() and 8 <= len(digits) <= 15


def _phone(value: str) -> str:
    if not value:
        return value  # empty: the slot is cleared
    if not is_phone(value):
        raise PydanticCustomError(
            "phone_format",
            "a phone number has 8 to 15 digits, spaces, dots or dashes between them, "
            "and may start with + (e.g. 0612 34 56 78 or +212 612 34 56 78)",
        )
    return value


def _email(value: str) -> str:
    if value and not EMAIL.fullmatch(value):
        raise PydanticCustomError("email_format", "an e-mail address looks like name@example.ma")
    return value


Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), OneLine,
                  AfterValidator(_phone)]  # fmt: skip
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), OneLine,
                  AfterValidator(_email)]  # fmt: skip
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), OneLine]
Parties = Annotated[list[NoteParty], Field(min_length=1, max_length=len(NoteParty))]


class NoteIn(Strict):
    """A note on a contact with or about the youth."""

    kind: NoteKind
    with_whom: Parties
    contact_date: IsoDate
    text: NoteText = Field(min_length=1)
    sensitivity: Sensitivity = Sensitivity.none


class NoteCorrectionIn(Strict):
    """A correction: a new version of the note (a field left out keeps its value), and why."""

    reason: Reason = Field(min_length=1)
    kind: NoteKind | None = None
    with_whom: Parties | None = None
    contact_date: IsoDate | None = None
    text: NoteText | None = Field(default=None, min_length=1)
    sensitivity: Sensitivity | None = None


class ContactsIn(Strict):
    """The youth's contact details: a field sent replaces that detail ("" clears it), a
    field left out stays as it is; `confirmed_date` (default today) dates them all."""

    phone: Phone | None = None
    phone_2: Phone | None = None
    messaging: Phone | None = None  # a WhatsApp or similar number
    email: Email | None = None
    address: Line | None = None
    trusted_1_name: Name | None = None
    trusted_1_relation: Name | None = None
    trusted_1_phone: Phone | None = None
    trusted_2_name: Name | None = None
    trusted_2_relation: Name | None = None
    trusted_2_phone: Phone | None = None
    confirmed_date: IsoDate | None = None

    @model_validator(mode="after")
    def trusted_people_have_names(self) -> ContactsIn:
        for n in (1, 2):
            phone, name = getattr(self, f"trusted_{n}_phone"), getattr(self, f"trusted_{n}_name")
            if phone and name == "":
                raise ValueError(f"trusted_{n}_name: a trusted person's phone needs their name")
        return self


# ---------------------------------------------------------------- documents


class DocumentUpload(Strict):
    """What an upload says about its file (the file itself is checked by its content)."""

    kind: DocumentKind
    issued_date: IsoDate
    expiry_date: IsoDate | None = None
    plan_id: int | None = Field(default=None, ge=1, le=MAX_ID)

    @model_validator(mode="after")
    def dates_and_plan(self) -> DocumentUpload:
        if self.expiry_date is not None and self.expiry_date <= self.issued_date:
            raise ValueError("expiry_date: must be after issued_date")
        if self.plan_id is not None and self.kind != DocumentKind.signed_plan:
            raise ValueError("plan_id: only a signed plan belongs to a plan version")
        return self


class DocumentRetirement(Strict):
    """Retire a document: replaced (by a newer one kept elsewhere) or withdrawn (wrong file)."""

    status: Literal["replaced", "withdrawn"]
    reason: Text = Field(min_length=1)
