"""A world for the pages: one institution, two mediators with their youths, a coordinator,
a partner, open work (overdue and not) and notifications. Used by the page tests and by
the browser tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from mowakaba.db import session_scope
from mowakaba.enums import NotificationKind, Role
from mowakaba.services import notifications as notification_service
from tests.factories import at, make_institution, make_user, make_youth

PASSWORD = "correct horse battery"


@dataclass
class PageWorld:
    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)


def build_world() -> PageWorld:
    world = PageWorld()
    today = date.today()
    with session_scope() as s:
        a = make_institution(s, name="Dar Al Atfal Ain Chock", region="Casablanca-Settat")
        users = {
            "med1": make_user(s, Role.mediator, [a], username="med1"),
            "med2": make_user(s, Role.mediator, [a], username="med2"),
            "coord": make_user(s, Role.coordinator, [a], username="coord"),
            "partner": make_user(s, Role.partner, username="partner"),
        }
        users["med1"].display_name = "Nadia Alaoui"
        # Registered 40 days ago: the intake assessment (due 30 days after) is 10 days late.
        late = make_youth(s, a, users["med1"], first_name="Amine", last_name="Benali",
                          first_name_ar="أمين", last_name_ar="بنعلي", as_of=at(today - timedelta(days=40)))  # fmt: skip
        soon = make_youth(s, a, users["med1"], first_name="Salma", last_name="Idrissi",
                          first_name_ar="سلمى", last_name_ar="الإدريسي", as_of=at(today))  # fmt: skip
        other = make_youth(s, a, users["med2"], first_name="Omar", last_name="Tazi",
                           first_name_ar="عمر", last_name_ar="التازي", as_of=at(today))  # fmt: skip
        for n, youth in enumerate((late, soon)):
            notification_service.enqueue(
                s, key=f"test:{n}", recipient=users["med1"], kind=NotificationKind.reminder,
                youth_id=youth.id,
                context={"work_item_kind": "intake_assessment", "youth_code": youth.code,
                         "due_date": str(today), "days_before": 7, "link": "/work"},
            )  # fmt: skip
        world.ids = {name: u.pk for name, u in users.items()}
        world.ids.update(institution=a.pk, late=late.pk, soon=soon.pk, other=other.pk)
        world.codes = {"late": late.code, "soon": soon.code, "other": other.code}
    return world


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)
