"""Referrals at an edge, the same from the JSON API and the pages: the referral in the
caller's scope (audited), then after the service's move the commit, then the `referral`
run that does what follows (DESIGN.md §3: runs start after the commit)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from sqlmodel import Session

from api.deps import audit
from api.policy import youth_scope
from flows import launch
from mowakaba.enums import AuditOutcome, Role
from mowakaba.errors import NotFound
from mowakaba.models import Referral, User, Youth
from mowakaba.services import referrals as referral_service


def sees_referral(session: Session, user: User, referral: Referral) -> bool:
    """Partner users see their organisation's open referrals while consent holds; the
    others see the referrals of the youths in their scope."""
    if user.role == Role.partner:
        return user.partner_id == referral.partner_id and referral_service.partner_can_see(
            session, referral
        )
    youth = session.get(Youth, referral.youth_id)
    return youth is not None and youth_scope(session, user).sees(youth)


def scoped_referral(
    session: Session, request: Request, user: User, referral_id: int, action: str
) -> Referral:
    """The referral if the caller sees it (audited either way, with its youth); NotFound
    otherwise — a partner's closed referral, another partner's, a missing id alike."""
    referral = session.get(Referral, referral_id)
    if referral is None or not sees_referral(session, user, referral):
        audit(request, user, action=action, object_type="referral", object_id=referral_id,
              youth_id=referral.youth_id if referral else None,
              outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"referral {referral_id} not found")
    audit(request, user, action=action, object_type="referral", object_id=referral_id,
          youth_id=referral.youth_id)  # fmt: skip
    return referral


def answer_action(user: User) -> str:
    """The audit action of an answer: the partner's own, or recorded on its behalf."""
    return "referrals.answer" if user.role == Role.partner else "referrals.answer_on_behalf"


def audit_override(request: Request, user: User, referral: Referral) -> None:
    """A referral sent without consent on the caller's override leaves its own audit row."""
    if referral.consent_id is None and referral.override_by_id == user.id and referral.sent_at:
        audit(request, user, action="referrals.consent_override", object_type="referral",
              object_id=referral.id, youth_id=referral.youth_id)  # fmt: skip


def move_and_start(session: Session, move: Callable[[], Referral]) -> tuple[Referral, list[str]]:
    """Run a referral move (a service call), commit, then start the `referral` run of every
    referral it touched (a re-route touches two); the runs started (their ids). A run that
    does not start leaves its moves unsettled: the next sweep settles them."""
    referral = move()
    touched = {referral.pk}
    if referral.rerouted_from_id is not None:
        touched.add(referral.rerouted_from_id)
    session.flush()
    labels = []
    for referral_id in sorted(touched):
        row = session.get(Referral, referral_id)
        assert row is not None
        last = max(t.pk for t in referral_service.transitions_of(session, referral_id=referral_id))
        labels.append((referral_id, row.youth_id, row.institution_id, row.partner_id, last))
    session.commit()  # saved: the runs below may fail or wait, the move stands
    runs = []
    for referral_id, youth_id, institution_id, partner_id, last in labels:
        run_id = launch.start_referral(
            referral_id=referral_id, youth_id=youth_id, institution_id=institution_id,
            partner_id=partner_id, event=f"t{last}",
        )  # fmt: skip
        if run_id:
            runs.append(run_id)
    return referral, runs
