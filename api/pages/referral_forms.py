"""What the referral and consent pages share: the youth a sender acts for, the posted
form, a model's errors next to their fields, and a move tried so that a refused one
leaves nothing behind.

A referral move goes through `api.referring.move_and_start` (commit, then the `referral`
run); the service call runs in a savepoint inside it, so a rule it breaks (no consent,
not eligible, a move the table refuses) rolls back everything the call wrote and the page
shows the error instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import Request
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import audit
from api.pages.admin_forms import BAD_DATE, REQUIRED, TOO_LONG, UNSAFE
from api.pages.common import N_
from api.policy import youth_scope
from api.referring import audit_override, move_and_start
from mowakaba.clock import now
from mowakaba.enums import AuditOutcome
from mowakaba.errors import MowakabaError, NotFound
from mowakaba.models import Referral, User, Youth
from mowakaba.services import calendars as calendar_service
from mowakaba.services import referrals as referral_service

CHOOSE = N_("Choose one of the options.")
INVALID = N_("This value is not valid.")
# A rule on a whole model (mowakaba.schemas' validators) → the field it is about.
WHOLE = (
    ("'declined' needs a reason", "reason", N_("Say why the referral is declined.")),
    ("'not_completed' needs a reason", "reason", N_("Say why the service was not delivered.")),
    ("'completed' needs the outcome", "outcome", N_("Say what was delivered.")),
    ("a consent names a partner or an axis", "covers", N_("Choose a partner or an axis.")),
)  # fmt: skip


class PostedForm(dict[str, list[str]]):
    """A posted form: every value of each field (check boxes send several)."""

    def one(self, name: str) -> str:
        values = self.get(name) or [""]
        return values[0]


async def posted(request: Request) -> PostedForm:
    """The posted form (read once; the CSRF check has read it already)."""
    form = await request.form()
    values = PostedForm()
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


def field_errors(exc: ValidationError) -> dict[str, str]:
    """A model's errors by field (the first of each), in the words of the pages."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        kind = error["type"]
        if not loc:
            message = str((error.get("ctx") or {}).get("error", error["msg"]))
            for start, name, text in WHOLE:
                if message.startswith(start):
                    errors.setdefault(name, text)
                    break
            else:
                errors.setdefault("form", INVALID)
            continue
        name = loc[0]
        if kind in ("missing", "string_too_short"):
            text = REQUIRED
        elif kind == "string_too_long":
            text = TOO_LONG
        elif kind in ("enum", "literal_error", "int_parsing", "list_type"):
            text = CHOOSE
        elif name.endswith("_date"):
            text = BAD_DATE
        elif "character" in error["msg"] or kind == "value_error":
            text = UNSAFE
        else:
            text = INVALID
        errors.setdefault(name, text)
    return errors


def sender_youth(
    session: Session, request: Request, user: User, youth_id: int, action: str
) -> Youth:
    """A youth I may refer and record consents for (their mediator, a coordinator of their
    institution), audited; the 404 of a missing one otherwise (audited too)."""
    youth = session.get(Youth, youth_id)
    mine = (
        youth is not None
        and youth_scope(session, user).sees(youth)
        and referral_service.may_refer(session, user=user, youth=youth)
    )
    audit(request, user, action=action, object_type="youth", object_id=youth_id,
          youth_id=youth_id if youth else None,
          outcome=AuditOutcome.allowed if mine else AuditOutcome.not_found)  # fmt: skip
    if youth is None or not mine:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def today_of(session: Session, institution_id: int) -> date:
    """The local day of an institution."""
    return calendar_service.local_day(session, institution_id=institution_id, at=now()).today


def try_move(
    session: Session, move: Callable[[], Referral], *, request: Request, user: User
) -> tuple[Referral | None, MowakabaError | None]:
    """Make a referral move (committed, then its run started), or the rule it broke with
    nothing changed; a send on the caller's consent override leaves its own audit row."""

    def in_savepoint() -> Referral:
        with session.begin_nested():
            return move()

    try:
        referral, _runs = move_and_start(session, in_savepoint)
    except MowakabaError as exc:
        return None, exc
    audit_override(request, user, referral)
    return referral, None
