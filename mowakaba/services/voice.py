"""The young person's own voice: their agreement to a version of their plan.

The agreement is recorded with the plan (the submission form has room for it) or after it,
when the youth signs the paper copy or confirms in person. Uploading the signed paper copy
(a `signed_plan` document) records the agreement "signed on paper" on its date of issue,
when that plan version has none yet (`signed_copy_uploaded`, in the upload's transaction).
A coordinator may approve a plan
before it is recorded: the youth file and the printed plan then say "agreement not yet
recorded" (docs/rules.md), so that waiting for a signature never stalls the milestones.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from mowakaba.clock import now
from mowakaba.enums import AgreementMethod, DocumentKind, DocumentStatus, EventKind, PlanStatus
from mowakaba.errors import Conflict, DateInFuture, NotFound
from mowakaba.models import Document, Plan, User, Youth
from mowakaba.schemas import AgreementIn
from mowakaba.services import calendars as calendar_service
from mowakaba.services.timeline import record_event

# A plan sent back or replaced is not the one the youth is asked to agree to.
AGREEABLE = (PlanStatus.submitted, PlanStatus.approved)


def apply_agreement(
    session: Session, *, plan: Plan, youth: Youth, data: AgreementIn, actor: User,
    today: date, at: datetime,
) -> None:  # fmt: skip
    """Write an agreement on a plan version and on the timeline; a date after today refuses."""
    if data.agreement_date > today:
        raise DateInFuture(
            f"plan v{plan.version} of youth {youth.id}: agreement_date {data.agreement_date} "
            f"is after today ({today})"
        )
    in_person = data.agreement_method.value == "in_person"
    plan.agreement_method = data.agreement_method
    plan.agreement_date = data.agreement_date
    plan.agreement_witness_name = data.agreement_witness_name if in_person else None
    plan.agreement_witness_role = data.agreement_witness_role if in_person else None
    plan.agreement_recorded_at, plan.agreement_recorded_by_id = at, actor.id
    session.add(plan)
    record_event(
        session, youth, EventKind.plan_agreement_recorded, on=today, actor_id=actor.id,
        data={"version": plan.version, "method": data.agreement_method.value},
    )  # fmt: skip


def record_agreement(
    session: Session, *, youth_id: int, version: int, actor: User, data: AgreementIn,
    as_of: datetime | None = None,
) -> Plan:  # fmt: skip
    """Record the youth's agreement to a submitted or approved plan version, once."""
    at = as_of or now()
    youth = session.exec(select(Youth).where(Youth.id == youth_id).with_for_update()).first()
    plan = session.exec(
        select(Plan).where(Plan.youth_id == youth_id, Plan.version == version)
    ).first()
    if youth is None or plan is None:
        raise NotFound(f"plan v{version} of youth {youth_id} not found")
    if plan.status not in AGREEABLE:
        raise Conflict(f"plan v{version} of youth {youth_id} is {plan.status.value}")
    if plan.agreement_method is not None:
        raise Conflict(f"plan v{version} of youth {youth_id}: the agreement is recorded already")
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    apply_agreement(session, plan=plan, youth=youth, data=data, actor=actor, today=today, at=at)
    youth.updated_at = at
    session.add(youth)
    session.flush()
    return plan


def plan_to_sign(session: Session, *, youth_id: int) -> Plan | None:
    """The plan version a signed copy uploaded without its plan belongs to: the latest
    submitted or approved one (the one the youth is asked to agree to)."""
    return session.exec(
        select(Plan)
        .where(Plan.youth_id == youth_id, col(Plan.status).in_(AGREEABLE))
        .order_by(col(Plan.version).desc())
    ).first()


def signed_copy_uploaded(
    session: Session, *, plan: Plan, youth: Youth, document: Document, actor: User,
    today: date, at: datetime,
) -> bool:  # fmt: skip
    """A signed paper copy of a plan version was uploaded: record the agreement "signed on
    paper" on the copy's date of issue, if that version has none yet and is agreeable (an
    agreement recorded already, even in person, stays as it is). Say whether it did."""
    if (
        plan.agreement_method is not None
        or plan.status not in AGREEABLE
        or document.issued_date > today
    ):
        return False
    data = AgreementIn(agreement_method=AgreementMethod.signed_on_paper,
                       agreement_date=document.issued_date)  # fmt: skip
    apply_agreement(session, plan=plan, youth=youth, data=data, actor=actor, today=today, at=at)
    return True


def signed_copy(session: Session, *, plan: Plan) -> Document | None:
    """The signed paper copy of a plan version in force, if one was uploaded."""
    return session.exec(
        select(Document)
        .where(
            Document.plan_id == plan.id,
            Document.kind == DocumentKind.signed_plan,
            Document.status == DocumentStatus.current,
        )
        .order_by(col(Document.id).desc())
    ).first()
