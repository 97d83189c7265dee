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


class NotAllowed(MowakabaError):
    """The actor may not do this (wrong role, not the assignee, not their institution)."""

    code = "not_allowed"


class NotAssignee(NotAllowed):
    code = "not_assignee"


class AlreadyClosed(MowakabaError):
    """The work item is done or cancelled already."""

    code = "already_closed"


class WrongKind(MowakabaError):
    code = "wrong_kind"


class InvalidPayload(MowakabaError):
    """The payload does not match what the work item's kind expects."""

    code = "invalid_payload"


class DateInPast(MowakabaError):
    """A date that must lie ahead (a milestone, a new due date) lies in the past."""

    code = "date_in_past"


class DateInFuture(MowakabaError):
    """A date of something that happened (an agreement given) lies after today."""

    code = "date_in_future"


class DateTooFar(MowakabaError):
    """A date past the bound a rule sets (a new due date at most a year ahead)."""

    code = "date_too_far"


class PlanIncomplete(MowakabaError):
    """The plan leaves an axis assessed 1 or 2 without a milestone, or has no assessment."""

    code = "plan_incomplete"


class InvalidName(MowakabaError):
    code = "invalid_name"


class InvalidMediator(MowakabaError):
    code = "invalid_mediator"


class Unauthenticated(MowakabaError):
    """No valid credentials: a wrong password, an expired or revoked token."""

    code = "unauthenticated"


class Throttled(MowakabaError):
    """Too many failed logins: wait `retry_after` seconds."""

    code = "throttled"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(MowakabaError):
    """The request conflicts with an earlier one (an Idempotency-Key reused with another body)."""

    code = "conflict"


class ArchiveRefused(InvalidInput):
    """A backup archive that cannot be restored here (not ours, damaged, another database
    kind, a newer schema, a key missing): nothing was changed."""

    code = "archive_refused"


class EncryptionKeyError(MowakabaError):
    """A key to encrypt or decrypt is missing or wrong (nothing is read or written then)."""

    code = "encryption_key"


class Unavailable(MowakabaError):
    """A service the request needs does not answer (the Prefect server)."""

    code = "unavailable"


class WeakPassword(InvalidInput):
    """A password that breaks the policy: too short, common, or the user name."""

    code = "weak_password"


class WrongPassword(NotAllowed):
    """The current password given to change one's own password is wrong."""

    code = "wrong_password"


class PasswordChangeRequired(NotAllowed):
    """An admin reset this account's password: it must be changed before anything else."""

    code = "password_change_required"


class InvalidReferralTransition(MowakabaError):
    """A referral cannot move from its status to the one asked."""

    code = "invalid_referral_transition"

    def __init__(self, referral_id: int | None, source: str, target: str) -> None:
        super().__init__(f"referral {referral_id}: no move from {source} to {target}")
        self.referral_id, self.source, self.target = referral_id, source, target


class ConsentRequired(MowakabaError):
    """Sending a referral needs a valid consent that covers the partner and what is shared
    (or a coordinator's recorded override)."""

    code = "consent_required"


class NotEligible(MowakabaError):
    """The youth does not meet a service's eligibility conditions."""

    code = "not_eligible"


class NotARunaway(MowakabaError):
    """Only a runaway is marked returned."""

    code = "not_a_runaway"


class NothingToDecide(MowakabaError):
    """No decision is asked for now (a runaway's exit is decided once it is asked)."""

    code = "nothing_to_decide"


class InvalidTransfer(InvalidInput):
    """A transfer that cannot be asked or decided (not in care, same institution, pending)."""

    code = "invalid_transfer"


class NotReceiver(NotAllowed):
    """Only a coordinator of the receiving institution accepts or refuses a transfer."""

    code = "not_receiver"


class NotSender(NotAllowed):
    """Only a coordinator of the sending institution cancels a transfer."""

    code = "not_sender"


class DocumentRefused(InvalidInput):
    """An upload that is not what it claims (content, type), or not a PDF, JPEG or PNG."""

    code = "document_refused"


class DocumentTooLarge(InvalidInput):
    """An upload past the size limit (`document_max_bytes`)."""

    code = "document_too_large"


class RegisterUnreadable(InvalidInput):
    """A register file that cannot be read: empty, too large, .xls, damaged, not text."""

    code = "register_unreadable"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # a stable word the pages translate: empty, xls, encoding...


class RegisterMapping(InvalidInput):
    """A column mapping that leaves a needed field without a column, or maps one twice."""

    code = "register_mapping"


class RegisterHasErrors(InvalidInput):
    """A register with row errors imported whole: nothing is imported until it is clean."""

    code = "register_has_errors"


class TooManyRows(InvalidInput):
    """An export past the row limit: narrow the list with its filters first."""

    code = "too_many_rows"


class InvalidPeriod(InvalidInput):
    """A period whose start comes after its end (indicators, reports)."""

    code = "invalid_period"


class OnLegalHold(MowakabaError):
    """A file under a legal hold: nothing of it is purged, on retention or on request."""

    code = "on_legal_hold"


class NotYetClosed(MowakabaError):
    """The case file is pseudonymised only once the youth's file is closed."""

    code = "not_yet_closed"
