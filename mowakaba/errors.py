"""One error base, one subclass per broken rule; each has a stable `code`.

HTTP status codes live only in api/errors.py; the CLI maps every
MowakabaError to a one-line message and exit status 2.
"""

from __future__ import annotations


class MowakabaError(Exception):
    """A broken rule or bad input; nothing was changed."""

    code = "mowakaba_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(MowakabaError):
    code = "not_found"


class InvalidInput(MowakabaError):
    """Input that does not have the right form (a bad date, a missing field)."""

    code = "invalid_input"


class InvalidTransition(MowakabaError):
    code = "invalid_transition"

    def __init__(self, youth_id: int | None, source: str, target: str) -> None:
        super().__init__(f"youth {youth_id}: no move from stage {source} to {target}")
        self.youth_id, self.source, self.target = youth_id, source, target


class ImplausibleDates(MowakabaError):
    """Dates that cannot be true together (born in the future, exit before admission...)."""

    code = "implausible_dates"


class ExtensionRequired(MowakabaError):
    """A youth past the exit age is still in care with no approved planned exit."""

    code = "extension_required"


class ExtensionTooLate(MowakabaError):
    """An extension past the maximum age (the 21st birthday by default)."""

    code = "extension_too_late"


class InvalidExtension(MowakabaError):
    code = "invalid_extension"
