"""The dashboard's world: the pages' world (institution A), plus a second institution of
the same region and one of another, a regional and a national supervisor, a youth
leaving care soon, a plan waiting for approval, and escalations raised by a sweep."""

from __future__ import annotations

from datetime import date, timedelta

from mowakaba.db import session_scope
from mowakaba.enums import Role, WorkItemKind
from mowakaba.models import Institution, User, Youth
from mowakaba.rules import add_months
from mowakaba.services import completions as completion_service
from mowakaba.services import reconciliation, sweep
from tests.factories import assessment, at, item_of, make_institution, make_user, make_youth, plan
from tests.pages.world import PageWorld, build_world


def build_dashboard_world(*, escalate: bool = True) -> PageWorld:
    world = build_world()
    today = date.today()
    with session_scope() as s:
        a = s.get(Institution, world.ids["institution"])
        med1, med2 = s.get(User, world.ids["med1"]), s.get(User, world.ids["med2"])
        b = make_institution(s, name="Dar Al Atfal Mohammedia", region="Casablanca-Settat")
        c = make_institution(s, name="Dar Al Atfal Salé", region="Rabat-Salé-Kénitra")
        people = {
            "super": make_user(s, Role.supervisor, region="Casablanca-Settat", username="super"),
            "nation": make_user(s, Role.supervisor, username="nation"),
            "coord_b": make_user(s, Role.coordinator, [b], username="coord_b"),
            "med_b": make_user(s, Role.mediator, [b], username="med_b"),
            "med_c": make_user(s, Role.mediator, [c], username="med_c"),
            "admin": make_user(s, Role.admin, username="admin"),
        }
        people["super"].display_name = "Khadija Berrada"
        # 17½ years old: in exit preparation, with an exit checklist, leaving at 18.
        leaving = make_youth(s, a, med1, first_name="Youssef", last_name="Amrani",
                             first_name_ar="يوسف", last_name_ar="العمراني",
                             date_of_birth=add_months(today, -(17 * 12 + 6)), as_of=at(today))  # fmt: skip
        # A plan submitted today: it waits for a coordinator's approval.
        planned = make_youth(s, a, med2, first_name="Hiba", last_name="Chraibi",
                             first_name_ar="هبة", last_name_ar="الشرايبي", as_of=at(today))  # fmt: skip
        finish(s, item_of(s, planned, WorkItemKind.intake_assessment), med2, assessment(4), today)
        finish(s, item_of(s, planned, WorkItemKind.integration_plan, "v1"), med2,
               plan(("health", today + timedelta(days=60))), today)  # fmt: skip
        in_b = make_youth(s, b, people["med_b"], first_name="Karim", last_name="Fassi",
                          first_name_ar="كريم", last_name_ar="الفاسي",
                          as_of=at(today - timedelta(days=40)))  # fmt: skip
        in_c = make_youth(s, c, people["med_c"], first_name="Rania", last_name="Kettani",
                          first_name_ar="رانية", last_name_ar="الكتاني",
                          as_of=at(today - timedelta(days=40)))  # fmt: skip
        world.ids.update({name: u.pk for name, u in people.items()})
        world.ids.update(b=b.pk, c=c.pk, leaving=leaving.pk, planned=planned.pk,
                         in_b=in_b.pk, in_c=in_c.pk)  # fmt: skip
        world.codes.update(leaving=leaving.code, planned=planned.code, in_b=in_b.code,
                           in_c=in_c.code)  # fmt: skip
        world.ids["plan_approval"] = item_of(s, planned, WorkItemKind.plan_approval, "v1").pk
        late = s.get(Youth, world.ids["late"])
        world.ids["late_intake"] = item_of(s, late, WorkItemKind.intake_assessment).pk
        world.ids["b_intake"] = item_of(s, in_b, WorkItemKind.intake_assessment).pk
    if escalate:
        with session_scope() as s:  # as tests/api/test_audit.py: every first item overdue
            sweep.sweep(s, at(today + timedelta(days=40)))
    return world


def finish(session, item, actor, payload, day: date) -> None:  # type: ignore[no-untyped-def]
    completion_service.complete_work_item(
        session, work_item_id=item.id, actor=actor, payload=payload, as_of=at(day, 10)
    )
    reconciliation.reconcile_youth(session, item.youth_id, at(day, 10))
