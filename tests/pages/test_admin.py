"""The admin pages through a browser-like client: institutions, accounts, holiday calendars
and timings; bad input shown next to its field and changing nothing; roles, CSRF, audit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import col, select

from mowakaba.db import session_scope
from mowakaba.enums import Role
from mowakaba.models import Holiday, Institution, User
from mowakaba.services import calendars as calendar_service
from mowakaba.services import users as user_service
from tests.factories import make_user
from tests.pages.conftest import sign_in
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.world import csrf_of

STRONG = "olive tree by the sea"


@pytest.fixture
def admin(world, browser_client):  # type: ignore[no-untyped-def]
    """The world plus an admin, signed in in the browser client."""
    with session_scope() as s:
        world.ids["admin"] = make_user(s, Role.admin, username="admin").pk
    response = sign_in(browser_client, "admin")
    assert response.headers["location"] == "/admin"  # an admin starts at the administration
    return world


def post(client, path: str, data: dict, page: str | None = None):  # type: ignore[no-untyped-def]
    """Post a form with the CSRF token of the page it sits on."""
    token = csrf_of(client.get(page or "/admin").text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def count(table, *where) -> int:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        return len(s.exec(select(table).where(*where)).all())


def partner_of(user_id: int) -> int:
    """The partner organisation a partner user belongs to."""
    with session_scope() as s:
        user = s.get(User, user_id)
        assert user is not None and user.partner_id is not None
        return user.partner_id


def error_next_to(html: str, field: str) -> str:
    """The error shown next to a field, which the field names in aria-describedby."""
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html), field
    found = re.search(rf'<span class="field-error" id="{field}-error">([^<]+)<', html)
    assert found, f"no error next to {field}"
    return found.group(1)


# ---------------------------------------------------------------- roles and the index


def test_the_admin_index_links_every_admin_page(admin, browser_client):
    page = browser_client.get("/admin")
    assert page.status_code == 200 and 'href="/admin" aria-current="page"' in page.text
    for path in ("/admin/users", "/admin/institutions", "/admin/calendars", "/admin/timings"):
        assert f'href="{path}"' in page.text
        assert browser_client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["med1", "coord", "partner"])
def test_other_roles_get_403_on_every_admin_page_and_it_is_audited(world, browser_client, who):
    before = audit_mark()
    sign_in(browser_client, who)
    assert "/admin" not in browser_client.get("/inbox").text  # no Administration in the menu
    for path in ("/admin", "/admin/users", "/admin/users/1", "/admin/institutions",
                 "/admin/calendars", "/admin/timings"):  # fmt: skip
        assert browser_client.get(path).status_code == 403, path
    refused = post(browser_client, "/admin/institutions", {"name": "X", "region": "Y"}, "/inbox")
    assert refused.status_code == 403 and count(Institution) == 1
    assert [e.outcome.value for e in audit_since(before, "users.list")] == ["denied"]
    assert [e.outcome.value for e in audit_since(before, "institutions.create")] == ["denied"]


def test_forms_without_their_csrf_token_are_refused_and_change_nothing(admin, browser_client):
    for path, data in (
        ("/admin/institutions", {"name": "Dar X", "region": "Oriental"}),
        ("/admin/users", {"username": "newone", "role": "partner", "password": STRONG}),
        (f"/admin/users/{admin.ids['med1']}/disable", {}),
        ("/admin/calendars/add", {"date": "2027-06-08", "name": "X", "kind": "local"}),
    ):
        refused = browser_client.post(path, data={**data, "csrf_token": "forged"})
        assert refused.status_code == 403, path
    assert count(Institution) == 1 and count(User, User.username == "newone") == 0
    assert count(User, User.username == "med1", col(User.is_active).is_(True)) == 1


# ---------------------------------------------------------------- institutions


def test_an_admin_adds_an_institution_seeded_and_audited(admin, browser_client):
    before = audit_mark()
    data = {"name": "Dar Al Atfal Oujda", "region": "Oriental", "time_zone": "Africa/Casablanca"}
    added = post(browser_client, "/admin/institutions", data)
    assert added.status_code == 303
    page = browser_client.get(added.headers["location"])
    assert "Dar Al Atfal Oujda" in page.text and 'role="status"' in page.text
    with session_scope() as s:
        new = s.exec(select(Institution).where(Institution.name == "Dar Al Atfal Oujda")).one()
        assert calendar_service.year_seeded(s, institution_id=new.pk, year=date.today().year)
    [event] = audit_since(before, "institutions.create")
    assert event.object_id == str(new.id) and event.outcome.value == "allowed"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "DAR AL ATFAL AIN CHOCK", "region": "Casablanca-Settat"}, "name"),  # a twin
        ({"name": "Dar\x07 Bell", "region": "Oriental"}, "name"),  # a control character
        ({"name": "Dar\u202eevil", "region": "Oriental"}, "name"),  # a bidi override
        ({"name": "Dar Nouvelle", "region": ""}, "region"),
        ({"name": "Dar Nouvelle", "region": "Oriental", "time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_a_bad_institution_is_shown_again_with_the_error_and_nothing_added(
    admin, browser_client, data, field
):
    before = audit_mark()
    response = post(browser_client, "/admin/institutions", data)
    assert response.status_code == 422
    assert error_next_to(response.text, field)
    assert f'value="{data["name"]}"' in response.text or field == "name"  # typed text kept
    assert count(Institution) == 1 and audit_since(before, "institutions.create") == []


# ---------------------------------------------------------------- accounts


def new_account(institution_id: int, **changes: object) -> dict:
    return {"username": "yasmine", "display_name": "Yasmine Berrada", "email": "",
            "language": "ar", "role": "mediator", "institution_ids": [str(institution_id)],
            "region": "", "password": STRONG, **changes}  # fmt: skip


def test_an_admin_creates_a_mediator_who_can_sign_in(admin, browser_client, world):
    before = audit_mark()
    created = post(browser_client, "/admin/users", new_account(admin.ids["institution"]))
    assert created.status_code == 303
    page = browser_client.get(created.headers["location"])
    assert "yasmine" in page.text and "Dar Al Atfal Ain Chock" in page.text
    with session_scope() as s:
        user = user_service.get_user_by_name(s, "yasmine")
        assert user.role == Role.mediator and user.language.value == "ar"
        assert user_service.institution_ids_of(s, user.pk) == [admin.ids["institution"]]
    [event] = audit_since(before, "users.create")
    assert event.object_id == str(user.id)
    listing = browser_client.get("/admin/users").text
    assert 'data-username="yasmine"' in listing and 'data-username="med1"' in listing


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "password1234"}, "password"),  # common
        ({"password": "short"}, "password"),
        ({"password": "yasmine-yasmine"}, "password"),  # holds the user name
        ({"username": "med1"}, "username"),  # taken
        ({"username": "Bad Name!"}, "username"),
        ({"display_name": "Yasmine\x00"}, "display_name"),
        ({"email": "not-an-address"}, "email"),
        ({"institution_ids": []}, "institution_ids"),  # a mediator needs one
        ({"role": "partner"}, "institution_ids"),  # a partner has none
        ({"role": "root"}, "role"),
        ({"region": "Oriental"}, "region"),  # only supervisors have one
    ],
)
def test_a_bad_account_is_shown_again_with_the_error_and_nothing_created(
    admin, browser_client, changes, field
):
    before = audit_mark()
    users = count(User)
    response = post(browser_client, "/admin/users",
                    new_account(admin.ids["institution"], **changes), "/admin/users/new")  # fmt: skip
    assert response.status_code == 422
    assert error_next_to(response.text, field)
    assert 'value="Yasmine Berrada"' in response.text or field == "display_name"  # kept
    assert STRONG not in response.text  # a password is never sent back
    assert count(User) == users and audit_since(before, "users.create") == []


def test_a_reset_password_is_shown_once_and_signs_in_to_a_forced_change(admin, browser_client):
    before = audit_mark()
    med1 = admin.ids["med1"]
    answer = post(browser_client, f"/admin/users/{med1}/reset-password", {})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    password = re.search(r'id="temporary-password" dir="ltr">([^<]+)<', answer.text).group(1)
    # The language switcher of the answer goes back to the account, not to the POST.
    assert f'name="back" value="/admin/users/{med1}"' in answer.text
    assert password not in browser_client.get(f"/admin/users/{med1}").text  # once only
    assert "state password" in browser_client.get("/admin/users").text
    with session_scope() as s:
        user = user_service.get_user(s, med1)
        assert user.must_change_password and user_service.verify_password(
            user.password_hash, password
        )
    assert [e.object_id for e in audit_since(before, "users.reset_password")] == [str(med1)]


def test_a_generated_password_at_creation_is_shown_once_and_forces_a_change(admin, browser_client):
    before = audit_mark()
    data = new_account(admin.ids["institution"], password="")
    answer = post(browser_client, "/admin/users", data, "/admin/users/new")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    password = re.search(r'id="temporary-password" dir="ltr">([^<]+)<', answer.text).group(1)
    with session_scope() as s:
        user = user_service.get_user_by_name(s, "yasmine")
        assert user.must_change_password and user_service.verify_password(
            user.password_hash, password
        )
        created = user.pk
    assert f'name="back" value="/admin/users/{created}"' in answer.text
    assert password not in browser_client.get(f"/admin/users/{created}").text  # once only
    assert [e.object_id for e in audit_since(before, "users.create")] == [str(created)]
    # Their first sign-in: nothing but the password change until it is done.
    token = browser_client.post("/api/v1/auth/token",
                                data={"username": "yasmine", "password": password})  # fmt: skip
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    blocked = browser_client.get("/api/v1/youths", headers=headers)
    assert blocked.status_code == 403
    assert blocked.json()["error"]["code"] == "password_change_required"


def test_an_accounts_details_are_changed_and_audited(admin, browser_client):
    before = audit_mark()
    med1 = admin.ids["med1"]
    page = f"/admin/users/{med1}"
    data = {"display_name": "  Salma Idrissi ", "email": "salma@example.ma", "language": "en",
            "phone": "0612 34 56 78"}  # fmt: skip
    changed = post(browser_client, f"{page}/details", data, page)
    assert changed.status_code == 303 and changed.headers["location"].endswith("done=details")
    with session_scope() as s:
        user = user_service.get_user(s, med1)
        assert (user.display_name, user.email, user.language.value, user.phone) == (
            "Salma Idrissi", "salma@example.ma", "en", "0612 34 56 78")  # fmt: skip
    assert [e.object_id for e in audit_since(before, "users.update")] == [str(med1)]
    shown = browser_client.get(changed.headers["location"]).text
    assert 'value="Salma Idrissi"' in shown and 'value="salma@example.ma"' in shown
    cleared = post(browser_client, f"{page}/details",
                   {"display_name": "", "email": "", "language": "fr"}, page)  # fmt: skip
    assert cleared.status_code == 303
    with session_scope() as s:
        user = user_service.get_user(s, med1)
        assert (user.display_name, user.email, user.phone) == ("med1", None, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"display_name": "Salma\x07"}, "display_name"),
        ({"email": "salma@example.ma\u202e"}, "email"),
        ({"language": "de"}, "language"),
        ({"phone": "06 12"}, "phone"),
        ({"phone": "call me"}, "phone"),
    ],
)
def test_bad_details_are_shown_again_as_typed_and_nothing_changes(
    admin, browser_client, changes, field
):
    before = audit_mark()
    med1 = admin.ids["med1"]
    with session_scope() as s:
        was = user_service.get_user(s, med1).model_dump()
    data = {"display_name": "Salma Idrissi", "email": "salma@example.ma", "language": "en",
            **changes}  # fmt: skip
    page = f"/admin/users/{med1}"
    refused = post(browser_client, f"{page}/details", data, page)
    assert refused.status_code == 422 and error_next_to(refused.text, field)
    if field != "display_name":
        assert 'value="Salma Idrissi"' in refused.text  # what was typed is kept
    if changes.get("email") == "not-an-address":
        assert 'value="not-an-address"' in refused.text
    with session_scope() as s:
        assert user_service.get_user(s, med1).model_dump() == was
    assert audit_since(before, "users.update") == []


def test_disabling_and_enabling_an_account_is_shown_audited_and_ends_its_session(
    admin, browser_client
):
    from fastapi.testclient import TestClient

    from api.main import create_app

    before = audit_mark()
    med1 = admin.ids["med1"]
    with TestClient(create_app()) as theirs:
        sign_in(theirs, "med1")
        disabled = post(browser_client, f"/admin/users/{med1}/disable", {})
        assert disabled.status_code == 303
        assert "state disabled" in browser_client.get(disabled.headers["location"]).text
        assert theirs.get("/work", follow_redirects=False).status_code == 303  # signed out
    enabled = post(browser_client, f"/admin/users/{med1}/enable", {})
    assert enabled.status_code == 303
    assert count(User, User.id == med1, col(User.is_active).is_(True)) == 1
    assert len(audit_since(before, "users.disable")) == len(audit_since(before, "users.enable"))
    assert len(audit_since(before, "users.enable")) == 1


def test_an_admin_cannot_disable_themself(admin, browser_client):
    mine = admin.ids["admin"]
    refused = post(browser_client, f"/admin/users/{mine}/disable", {})
    assert refused.status_code == 409
    assert 'aria-describedby="active-error"' in refused.text and 'id="active-error"' in refused.text
    assert count(User, User.id == mine, col(User.is_active).is_(True)) == 1
    assert browser_client.get("/admin").status_code == 200  # still signed in


def test_a_role_and_institutions_change_is_saved_and_audited(admin, browser_client):
    before = audit_mark()
    med2 = admin.ids["med2"]
    data = {"role": "coordinator", "institution_ids": [str(admin.ids["institution"])]}
    changed = post(browser_client, f"/admin/users/{med2}/role", data)
    assert changed.status_code == 303
    assert count(User, User.id == med2, User.role == Role.coordinator) == 1
    assert [e.object_id for e in audit_since(before, "users.update")] == [str(med2)]
    refused = post(browser_client, f"/admin/users/{med2}/role", {"role": "mediator"})
    assert refused.status_code == 422 and error_next_to(refused.text, "institution_ids")
    assert count(User, User.id == med2, User.role == Role.coordinator) == 1
    last = post(browser_client, f"/admin/users/{admin.ids['admin']}/role",
                {"role": "partner", "partner_id": str(partner_of(admin.ids["partner"]))})  # fmt: skip
    assert last.status_code == 409 and error_next_to(last.text, "role")
    assert count(User, User.id == admin.ids["admin"], User.role == Role.admin) == 1


def test_a_missing_account_is_the_404_page(admin, browser_client):
    assert browser_client.get("/admin/users/999999").status_code == 404
    assert post(browser_client, "/admin/users/999999/disable", {}).status_code == 404
    assert post(browser_client, "/admin/users/999999/role", {"role": "partner"}).status_code == 404


# ---------------------------------------------------------------- calendars and timings


def holidays(institution_id: int, year: int = 2027) -> dict[date, str]:
    with session_scope() as s:
        rows = calendar_service.list_holidays(s, institution_id=institution_id, year=year)
        return {h.holiday_date: h.name for h in rows}


def test_the_national_default_is_listed_corrected_and_followed_by_institutions(
    admin, browser_client
):
    before = audit_mark()
    institution = admin.ids["institution"]
    holidays(institution)  # the institution's 2027 follows the national default
    page = browser_client.get("/admin/calendars?calendar=national&year=2027")
    assert page.status_code == 200 and page.text.count('class="holiday"') == 17
    form = "/admin/calendars?calendar=national&year=2027"
    added = post(browser_client, "/admin/calendars/add",
                 {"calendar": "national", "year": "2027", "date": "2027-06-08",
                  "name": "Jour exceptionnel", "kind": "fixed"}, form)  # fmt: skip
    assert added.status_code == 303 and "followed=1" in added.headers["location"]
    assert holidays(institution)[date(2027, 6, 8)] == "Jour exceptionnel"
    moved = post(browser_client, "/admin/calendars/move",
                 {"calendar": "national", "day": "2027-03-10", "to": "2027-03-12"}, form)  # fmt: skip
    assert moved.status_code == 303
    assert holidays(institution)[date(2027, 3, 12)] == "Eid al-Fitr"
    removed = post(browser_client, "/admin/calendars/remove",
                   {"calendar": "national", "day": "2027-06-08"}, form)  # fmt: skip
    assert removed.status_code == 303 and date(2027, 6, 8) not in holidays(institution)
    shown = browser_client.get(removed.headers["location"]).text
    assert 'role="status"' in shown and 'data-date="2027-03-12"' in shown
    assert [e.object_id for e in audit_since(before, "calendars.manage")] == [
        "national/2027-06-08", "national/2027-03-10", "national/2027-06-08"]  # fmt: skip


def test_an_institutions_calendar_is_corrected_for_it_alone(admin, browser_client):
    institution = str(admin.ids["institution"])
    form = f"/admin/calendars?calendar={institution}&year=2027"
    page = browser_client.get(form)
    assert page.status_code == 200 and f'value="{institution}" selected' in page.text
    added = post(browser_client, "/admin/calendars/add", {"calendar": institution,
                 "date": "2027-09-15", "name": "Moussem", "kind": "local"}, form)  # fmt: skip
    assert added.status_code == 303
    moved = post(browser_client, "/admin/calendars/move",
                 {"calendar": institution, "day": "2027-09-15", "to": "2027-09-16"}, form)  # fmt: skip
    assert moved.status_code == 303
    assert holidays(admin.ids["institution"])[date(2027, 9, 16)] == "Moussem"
    with session_scope() as s:
        national = {h.holiday_date for h in calendar_service.list_national_holidays(s, year=2027)}
    assert date(2027, 9, 16) not in national


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "2027-01-01", "name": "Twice", "kind": "local"}, "date"),  # taken
        ({"date": "2027-02-30", "name": "No such day", "kind": "local"}, "date"),
        ({"date": "", "name": "No day", "kind": "local"}, "date"),
        ({"date": "2300-01-05", "name": "Far", "kind": "local"}, "date"),
        ({"date": "2027-06-08", "name": "Bell\x07", "kind": "local"}, "name"),
        ({"date": "2027-06-08", "name": "", "kind": "local"}, "name"),
        ({"date": "2027-06-08", "name": "X", "kind": "lunar"}, "kind"),
    ],
)
@pytest.mark.parametrize("calendar", ["national", "institution"])
def test_a_bad_holiday_is_shown_again_and_nothing_changes(
    admin, browser_client, data, field, calendar
):
    chosen = "national" if calendar == "national" else str(admin.ids["institution"])
    form = f"/admin/calendars?calendar={chosen}&year=2027"
    browser_client.get(form)  # the year is stored when first shown
    before = count(Holiday), calendar_service_count()
    response = post(browser_client, "/admin/calendars/add",
                    {"calendar": chosen, "year": "2027", **data}, form)  # fmt: skip
    assert response.status_code == 422 and error_next_to(response.text, field)
    assert (count(Holiday), calendar_service_count()) == before


def calendar_service_count() -> int:
    from mowakaba.models import NationalHoliday

    return count(NationalHoliday)


@pytest.mark.parametrize("calendar", ["national", "institution"])
def test_moving_onto_a_taken_day_is_refused_next_to_the_row_and_nothing_moves(
    admin, browser_client, calendar
):
    chosen = "national" if calendar == "national" else str(admin.ids["institution"])
    form = f"/admin/calendars?calendar={chosen}&year=2027"
    before = holidays(admin.ids["institution"])
    refused = post(browser_client, "/admin/calendars/move",
                   {"calendar": chosen, "day": "2027-01-11", "to": "2027-01-14"}, form)  # fmt: skip
    assert refused.status_code == 422 and error_next_to(refused.text, "move-2027-01-11")
    assert holidays(admin.ids["institution"]) == before  # the removal was rolled back too
    same = post(browser_client, "/admin/calendars/move",
                {"calendar": chosen, "day": "2027-01-11", "to": "2027-01-11"}, form)  # fmt: skip
    assert same.status_code == 422 and error_next_to(same.text, "move-2027-01-11")


def test_an_unknown_institutions_calendar_is_the_404_page(admin, browser_client):
    assert browser_client.get("/admin/calendars?calendar=999999").status_code == 404


def test_the_timings_in_force_are_shown_read_only(admin, browser_client):
    page = browser_client.get("/admin/timings")
    assert (
        page.status_code == 200
        and "<form" not in page.text.split("<main", 1)[1].split('class="languages"')[0]
    )
    assert "Africa/Casablanca" in page.text
    assert re.search(r"1, 3, 6, 12, 24, 36", page.text)
