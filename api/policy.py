"""Who may do what, and see which records: one table, deny by default (DESIGN.md §5).

A role not allowed on a route gets 403. A record outside the caller's scope is
"not found", exactly like a missing id; lists only hold what the caller may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from mowakaba.enums import Role
from mowakaba.models import Institution, Transfer, User, WorkItem, Youth
from mowakaba.services import transfers as transfer_service
from mowakaba.services import users as user_service

A, S, C, M, P = Role.admin, Role.supervisor, Role.coordinator, Role.mediator, Role.partner
EVERYONE = frozenset(Role)

# route name → roles allowed. A route missing here is refused to everyone.
ROUTES: dict[str, frozenset[Role]] = {
    "auth.logout": EVERYONE,
    "me": EVERYONE,
    "me.password": EVERYONE,
    "users.list": frozenset({A}),
    "users.read": frozenset({A}),
    "users.create": frozenset({A}),
    "users.update": frozenset({A}),
    "users.disable": frozenset({A}),
    "users.enable": frozenset({A}),
    "users.reset_password": frozenset({A}),
    "institutions.list": frozenset({A, S, C, M}),
    "institutions.create": frozenset({A}),
    "youths.list": frozenset({S, C, M}),
    "youths.create": frozenset({A, C}),
    "youths.import": frozenset({A, C}),  # a register from CSV/XLSX (pages; the CLI for admins)
    "youths.read": frozenset({S, C, M}),
    "youths.update": frozenset({C, M}),
    "youths.timeline": frozenset({S, C, M}),
    "youths.schedule": frozenset({S, C, M}),
    "youths.flow_runs": frozenset({S, C, M}),
    "referrals.letter": frozenset({C, M}),
    # The toolkit's printables of a case; the youth's agreement to a plan version.
    "youths.print": frozenset({S, C, M}),
    "plans.agreement": frozenset({C, M}),
    "youths.exit_extension": frozenset({M}),
    "work_items.list": frozenset({S, C, M}),
    "work_items.read": frozenset({S, C, M}),
    "work_items.complete": frozenset({C, M}),
    "work_items.reschedule": frozenset({C}),
    "dashboard.view": frozenset({S, C}),
    "escalations.list": frozenset({A, S, C}),
    "escalations.acknowledge": frozenset({A, S, C}),
    "notifications.list": EVERYONE,
    "notifications.read": EVERYONE,
    "audit_events.list": frozenset({A, S, C}),
    "admin.index": frozenset({A}),
    # Privacy (pages): a youth's retention, hold and requests; coordinators place holds and
    # record objection or deletion requests, admins decide the requests.
    "privacy.view": frozenset({S, C}),
    "privacy.hold": frozenset({C}),
    "privacy.request": frozenset({C}),
    "privacy.requests": frozenset({A}),
    "privacy.decide": frozenset({A}),
    "calendars.list": frozenset({A}),
    "calendars.manage": frozenset({A}),
    "timings.view": frozenset({A}),
    "flow_runs.monitor": frozenset({A, S, C}),
    "flow_runs.rerun": frozenset({A, C}),
    # The partner directory is not personal data; a partner user reads its own partner.
    "partners.list": frozenset({A, S, C, M}),
    "partners.read": frozenset({A, S, C, M, P}),
    "partners.manage": frozenset({A, C}),
    "youths.eligible_services": frozenset({S, C, M}),
    "youths.referrals": frozenset({S, C, M}),
    "consents.list": frozenset({S, C, M}),
    "consents.manage": frozenset({C, M}),
    # Referrals: partner users see their organisation's open ones (the minimised view).
    "referrals.list": frozenset({S, C, M, P}),
    "referrals.read": frozenset({S, C, M, P}),
    "referrals.create": frozenset({C, M}),
    "referrals.move": frozenset({C, M}),
    "referrals.answer": frozenset({C, M, P}),
    "referrals.reroute": frozenset({C}),
    # The case file: notes (a supervisor reads a sensitive note's existence, not its
    # text: mowakaba/services/case_notes.py) and the youth's contact details.
    "notes.list": frozenset({S, C, M}),
    "notes.read": frozenset({S, C, M}),
    "notes.write": frozenset({C, M}),
    "contacts.list": frozenset({S, C, M}),
    "contacts.manage": frozenset({C, M}),
    # Urgent incidents: recorded by the people in the case, handled by the coordinators.
    "incidents.create": frozenset({C, M}),
    "incidents.read": frozenset({S, C, M}),
    "incidents.list": frozenset({S, C}),
    "incidents.acknowledge": frozenset({C}),
    "incidents.returned": frozenset({C, M}),
    "incidents.close": frozenset({C}),
    "incidents.runaway_decision": frozenset({C}),
    "youths.sms_agreement": frozenset({C, M}),
    # A youth's documents: supervisors see the list, only the case workers open the files.
    "documents.list": frozenset({S, C, M}),
    "documents.read": frozenset({S, C, M}),
    "documents.download": frozenset({C, M}),
    "documents.upload": frozenset({C, M}),
    "documents.retire": frozenset({C, M}),
    # The partner directory's pages: read by the staff who refer.
    "partners.pages": frozenset({A, S, C, M}),
    # Caseloads: coordinators move them, supervisors read them.
    "caseloads.view": frozenset({S, C}),
    "caseloads.reassign": frozenset({C}),
    # Transfers between institutions: the sending coordinators ask and cancel, the
    # receiving ones decide; supervisors read those of their region.
    "transfers.list": frozenset({S, C}),
    "transfers.read": frozenset({S, C}),
    "transfers.request": frozenset({C}),
    "transfers.decide": frozenset({C}),
    "transfers.cancel": frozenset({C}),
    # Indicators: aggregates of the caller's scope (admins: every institution), never a
    # youth's record; the API and the page.
    "indicators.read": frozenset({A, S, C}),
    # Privacy (docs/privacy.md): a coordinator answers a youth's access request (the whole
    # file: admins hold no case data); who looked at a file is read by its coordinators,
    # the supervisors of its region (who read its audit rows already) and admins (who see
    # cases only through the audit trail). Never by mediators, whose reads it lists.
    "youths.subject_access": frozenset({C}),
    "youths.access_log": frozenset({A, S, C}),
}


# What a user whose password an admin reset may still do: see who they are, sign out,
# and choose a new password (everything else answers 403 password_change_required).
BEFORE_PASSWORD_CHANGE = frozenset({"me", "me.password", "auth.logout"})


# Who reads the sensitive fields of a case (the youth's own words, needs, notes, health):
# the staff who work it. A supervisor reads the rest, and sees that these exist.
SENSITIVE_READERS = frozenset({C, M})


def sees_sensitive(user: User) -> bool:
    """Tell whether a user's role reads the sensitive fields of the cases in their scope."""
    return user.role in SENSITIVE_READERS


def allowed(route: str, user: User) -> bool:
    """Tell whether a role may use a route (deny by default)."""
    return user.role in ROUTES.get(route, frozenset())


@dataclass(frozen=True)
class Scope:
    """Which youths a user sees: all, some institutions, or their own caseload."""

    everything: bool = False
    institution_ids: tuple[int, ...] = ()
    mediator_id: int | None = None

    def filter(self, query):  # type: ignore[no-untyped-def]
        """Restrict a query over Youth to this scope."""
        if self.everything:
            return query
        if self.mediator_id is not None:
            return query.where(Youth.mediator_id == self.mediator_id)
        return query.where(col(Youth.institution_id).in_(self.institution_ids))

    def sees(self, youth: Youth) -> bool:
        if self.everything:
            return True
        if self.mediator_id is not None:
            return youth.mediator_id == self.mediator_id
        return youth.institution_id in self.institution_ids


def youth_scope(session: Session, user: User) -> Scope:
    """Supervisors: their region (or the nation); coordinators: their institutions;
    mediators: their caseload; admins and partners: no case (admins read through audit)."""
    if user.role == Role.supervisor:
        if user.region is None:
            return Scope(everything=True)
        ids = session.exec(select(Institution.id).where(Institution.region == user.region)).all()
        return Scope(institution_ids=tuple(i for i in ids if i is not None))
    if user.role == Role.coordinator:
        return Scope(institution_ids=tuple(user_service.institution_ids_of(session, user.pk)))
    if user.role == Role.mediator:
        return Scope(mediator_id=user.id)
    return Scope()


def institution_ids_in_scope(session: Session, user: User) -> tuple[int, ...] | None:
    """Institutions a user's scope covers (None: all)."""
    scope = youth_scope(session, user)
    if scope.everything:
        return None
    if scope.mediator_id is not None:
        return tuple(user_service.institution_ids_of(session, user.pk))
    return scope.institution_ids


def sees_work_item(session: Session, user: User, item: WorkItem) -> bool:
    """A work item is visible with its youth, or to its assignee: the item only, as it
    recorded it (a youth no longer theirs shows none of its current data: the work page
    asks youth_scope again, api/pages/forms.py)."""
    if item.assignee_id == user.id:
        return True
    youth = session.get(Youth, item.youth_id)
    return youth is not None and youth_scope(session, user).sees(youth)


def former_history(session: Session, user: User, youth: Youth) -> int | None:
    """The last timeline event a coordinator or supervisor of an institution the youth was
    transferred out of still reads (the acceptance); None: the youth is not theirs at all.
    Only for a youth outside the caller's scope: in scope, everything is theirs."""
    if user.role not in (Role.coordinator, Role.supervisor):
        return None
    return transfer_service.history_until(
        session, youth_id=youth.pk, institution_ids=institution_ids_in_scope(session, user)
    )


def sees_transfer(session: Session, user: User, transfer: Transfer) -> bool:
    """A transfer is visible to the coordinators and supervisors of either institution."""
    if user.role not in (Role.coordinator, Role.supervisor):
        return False
    ids = institution_ids_in_scope(session, user)
    return ids is None or bool(
        {transfer.from_institution_id, transfer.to_institution_id} & set(ids)
    )
