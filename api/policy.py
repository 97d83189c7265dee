"""Who may do what, and see which records: one table, deny by default (DESIGN.md §5).

A role not allowed on a route gets 403. A record outside the caller's scope is
"not found", exactly like a missing id; lists only hold what the caller may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from mowakaba.enums import Role
from mowakaba.models import Institution, User, WorkItem, Youth
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
    "youths.read": frozenset({S, C, M}),
    "youths.update": frozenset({C, M}),
    "youths.timeline": frozenset({S, C, M}),
    "youths.schedule": frozenset({S, C, M}),
    "youths.flow_runs": frozenset({S, C, M}),
    "referrals.letter": frozenset({C, M}),
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
    # A youth's documents: supervisors see the list, only the case workers open the files.
    "documents.list": frozenset({S, C, M}),
    "documents.read": frozenset({S, C, M}),
    "documents.download": frozenset({C, M}),
    "documents.upload": frozenset({C, M}),
    "documents.retire": frozenset({C, M}),
    # The partner directory's pages: read by the staff who refer.
    "partners.pages": frozenset({A, S, C, M}),
}


# What a user whose password an admin reset may still do: see who they are, sign out,
# and choose a new password (everything else answers 403 password_change_required).
BEFORE_PASSWORD_CHANGE = frozenset({"me", "me.password", "auth.logout"})


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
    """A work item is visible with its youth, or to its assignee."""
    if item.assignee_id == user.id:
        return True
    youth = session.get(Youth, item.youth_id)
    return youth is not None and youth_scope(session, user).sees(youth)
