"""What the admin pages' forms share: reading a field, keeping what was typed, and trying a
change so that a refused one leaves nothing behind.

A form that fails is shown again (422) with each error next to its field and what was
typed kept; the change was tried in a savepoint, rolled back on the error, so bad input
changes nothing even though the request's transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlmodel import Session

from api.pages.common import N_
from mowakaba.errors import MowakabaError
from mowakaba.text import UnsafeText, clean_text

T = TypeVar("T")

# Messages shown next to a field (translated by the templates).
REQUIRED = N_("Fill in this field.")
TOO_LONG = N_("This is too long.")
UNSAFE = N_("This holds a character that has no place here (a control or invisible character).")
BAD_DATE = N_("Enter a date as year-month-day, e.g. 2027-03-10.")


class FormErrors(dict[str, str]):
    """Field name → the message (a msgid) to show next to it."""

    def text(
        self, name: str, value: str, *, max_length: int, required: bool = True,
        multiline: bool = False,
    ) -> str:  # fmt: skip
        """A line of text (`multiline`: a reason or a note, line feeds kept), cleaned and
        stripped; an error recorded when it is not fit."""
        try:
            value = clean_text(value, multiline=multiline).strip()
        except UnsafeText:
            self[name] = UNSAFE
            return value
        if required and not value:
            self[name] = REQUIRED
        elif len(value) > max_length:
            self[name] = TOO_LONG
        return value

    def day(self, name: str, value: str) -> date | None:
        """A date from a date field (YYYY-MM-DD); an error recorded when it is not one."""
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            self[name] = REQUIRED if not value.strip() else BAD_DATE
            return None


def attempt(session: Session, change: Callable[[], T]) -> tuple[T | None, MowakabaError | None]:
    """Run a change in a savepoint: its result, or the rule it broke (and nothing changed)."""
    try:
        with session.begin_nested():
            return change(), None
    except MowakabaError as exc:
        return None, exc
