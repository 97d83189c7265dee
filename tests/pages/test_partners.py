"""The partner directory through a browser-like client: reading and filtering it, adding a
partner and a service with its eligibility, bad input shown next to its field with nothing
saved, deactivating instead of deleting, roles (403) and CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from api.pages.partner_labels import describe_conditions
from mowakaba.db import session_scope
from mowakaba.enums import Language, Role
from mowakaba.models import Partner, PartnerService, User
from tests.factories import make_partner, make_service, make_user
from tests.pages.conftest import sign_in
from tests.pages.test_admin import count, error_next_to
from tests.pages.test_session import audit_mark, audit_since
from tests.pages.world import PageWorld, csrf_of

SERVICE = {
    "axis": "education_training", "name": "Formation en cuisine", "name_ar": "تكوين في الطبخ",
    "description": "Six mois de formation qualifiante", "capacity_per_month": "12",
    "response_days": "7", "delivery_days": "60", "checklist_item": "income_or_training",
    "age_min": "16", "age_max": "25", "sex": "female", "education_min": "lower_secondary",
    "stages": ["exit_preparation", "exited"], "regions": ["Casablanca-Settat"],
    "documents": ["national_id_card"],
}  # fmt: skip


@pytest.fixture
def directory(world: PageWorld) -> PageWorld:
    """The pages' world (its partner user's "Association Amal") plus an admin and three partners."""
    with session_scope() as s:
        world.ids["admin"] = make_user(s, Role.admin, username="admin").pk
        own = s.get(User, world.ids["partner"])
        assert own is not None and own.partner_id is not None
        own_partner = s.get(Partner, own.partner_id)
        assert own_partner is not None
        own_partner.name = "Association Amal"
        for user in s.exec(select(User)):
            user.language = Language.en  # the words checked below are the English ones
        anapec = make_partner(s, name="ANAPEC Casablanca", name_ar="أنابيك الدار البيضاء",
                              kind="public_body", regions=["Casablanca-Settat"])  # fmt: skip
        make_service(s, anapec, axis="employment", name="Atelier de recherche d'emploi",
                     eligibility=[{"kind": "age", "min": 18}])  # fmt: skip
        health = make_partner(s, name="Centre de santé Hay Hassani", name_ar="المركز الصحي الحي الحسني",
                              kind="public_body")  # fmt: skip
        make_service(s, health, axis="health", name="Consultation", eligibility=[])
        make_partner(s, name="Association Oujda Jeunes", regions=["Oriental"])
        world.ids.update(anapec=anapec.pk, health=health.pk)
    return world


@pytest.fixture
def client_of() -> Iterator[Callable[[str], TestClient]]:
    """Another signed-in browser per user name; all closed afterwards."""
    opened: list[TestClient] = []

    def open_for(username: str) -> TestClient:
        client = TestClient(create_app())
        client.__enter__()
        opened.append(client)
        assert sign_in(client, username).status_code == 303
        return client

    yield open_for
    for client in opened:
        client.__exit__(None, None, None)


def post(client, path: str, data: dict, page: str):  # type: ignore[no-untyped-def]
    """Post a form with the CSRF token of the page it sits on."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def names_listed(html: str) -> list[str]:
    return re.findall(r'<a href="/partners/\d+"><strong>([^<]+)</strong>', html)


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("who", ["med1", "coord", "admin"])
def test_staff_who_refer_read_the_directory_from_the_menu(directory, browser_client, who):
    sign_in(browser_client, who)
    page = browser_client.get("/partners")
    assert page.status_code == 200 and 'href="/partners" aria-current="page"' in page.text
    assert names_listed(page.text) == ["ANAPEC Casablanca", "Association Amal",
                                       "Association Oujda Jeunes", "Centre de santé Hay Hassani"]  # fmt: skip
    assert ("/partners/new" in page.text) == (who != "med1")  # only managers add partners


def test_the_directory_filters_by_axis_region_and_arabic_forgiving_words(directory, browser_client):
    sign_in(browser_client, "med1")
    by_axis = browser_client.get("/partners?axis=health").text
    assert names_listed(by_axis) == ["Centre de santé Hay Hassani"]
    # A region: its own partners and those serving the whole country.
    by_region = browser_client.get("/partners?region=Oriental").text
    assert names_listed(by_region) == [
        "Association Amal", "Association Oujda Jeunes", "Centre de santé Hay Hassani"
    ]  # fmt: skip
    # أنابيك typed with a bare alef and no hamza still finds أنابيك.
    assert names_listed(browser_client.get("/partners?q=انابيك").text) == ["ANAPEC Casablanca"]
    assert names_listed(browser_client.get("/partners?q=sante hassani").text) == [
        "Centre de santé Hay Hassani"
    ]


@pytest.mark.parametrize("query", ["axis=cooking", "region=Atlantis", "q=%E2%80%8Bx"])
def test_a_search_it_cannot_use_is_refused_next_to_its_field(directory, browser_client, query):
    sign_in(browser_client, "med1")
    page = browser_client.get(f"/partners?{query}")
    assert page.status_code == 422 and names_listed(page.text) == []
    assert 'class="field-error"' in page.text


def test_a_partner_shows_its_basket_with_eligibility_in_words(directory, browser_client):
    sign_in(browser_client, "med1")
    page = browser_client.get(f"/partners/{directory.ids['anapec']}")
    assert page.status_code == 200
    assert "Atelier de recherche d&#39;emploi" in page.text
    assert "from age 18" in page.text and "5 working days" in page.text
    assert "Change this service" not in page.text and "/services/" not in page.text


@pytest.mark.parametrize(
    ("conditions", "language", "words"),
    [
        ([{"kind": "age", "min": 16, "max": 25}], Language.en, ["ages 16–25"]),
        ([{"kind": "education_level", "min": "lower_secondary"}], Language.en,
         ["lower-secondary level or more"]),
        ([{"kind": "sex", "is": "female"}], Language.en, ["young women only"]),
        ([{"kind": "document", "has": "national_id_card"}], Language.en,
         ["needs a national ID card"]),
        ([{"kind": "stage", "in": ["exited", "follow_up"]}], Language.en,
         ["at these stages: left care and follow-up"]),
        ([], Language.en, ["open to every young person"]),
        ([{"kind": "age", "min": 16, "max": 25}], Language.fr, ["de 16 à 25 ans"]),
        ([{"kind": "sex", "is": "female"}], Language.fr, ["jeunes femmes uniquement"]),
        ([{"kind": "age", "min": 16, "max": 25}], Language.ar, ["من 16 إلى 25 سنة"]),
        ([{"kind": "bogus"}], Language.en, ["conditions that cannot be read: check the service"]),
    ],
)  # fmt: skip
def test_conditions_read_as_words_in_the_readers_language(conditions, language, words):
    assert describe_conditions(conditions, language) == words


# ---------------------------------------------------------------- managing


def test_a_coordinator_adds_a_partner_and_it_is_audited(directory, browser_client):
    before = audit_mark()
    sign_in(browser_client, "coord")
    form = {"name": "OFPPT Hay Mohammadi", "name_ar": "مكتب التكوين المهني الحي المحمدي",
            "kind": "public_body", "regions": ["Casablanca-Settat"], "phone": "0522 00 00 00",
            "email": "ofppt@example.ma", "letter_language": "ar", "languages": ["fr"]}  # fmt: skip
    answer = post(browser_client, "/partners", form, "/partners/new")
    assert answer.status_code == 303
    with session_scope() as s:
        made = s.exec(select(Partner).where(Partner.name == "OFPPT Hay Mohammadi")).one()
        assert made.regions == ["Casablanca-Settat"] and made.languages == ["ar", "fr"]
        assert made.letter_language == Language.ar
    assert answer.headers["location"] == f"/partners/{made.id}?done=created"
    shown = browser_client.get(answer.headers["location"])
    assert "The partner was added to the directory." in shown.text
    assert [e.object_id for e in audit_since(before, "partners.manage")] == [str(made.id)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "bank"}, "kind"),
        ({"email": "not an address"}, "email"),
        ({"regions": ["Atlantis"]}, "regions"),
        ({"name": "ANAPEC Casablanca"}, "name"),  # a twin
    ],
)
def test_a_partner_form_sent_wrong_shows_the_error_and_saves_nothing(
    directory, browser_client, change, field
):
    sign_in(browser_client, "admin")
    form = {"name": "Nouvelle association", "kind": "association", "letter_language": "fr",
            **change}  # fmt: skip
    answer = post(browser_client, "/partners", form, "/partners/new")
    assert answer.status_code == 422
    assert error_next_to(answer.text, field)
    assert "Nothing was saved" in answer.text
    assert count(Partner) == 4


def test_a_coordinator_changes_and_deactivates_a_partner(directory, browser_client, client_of):
    sign_in(browser_client, "coord")
    anapec = directory.ids["anapec"]
    form = {"name": "ANAPEC Casa-Anfa", "kind": "public_body", "letter_language": "fr",
            "regions": ["Casablanca-Settat"], "contact_person": "Mme Berrada"}  # fmt: skip
    assert (
        post(browser_client, f"/partners/{anapec}", form, f"/partners/{anapec}").status_code == 303
    )
    twin = {**form, "name": "Centre de santé Hay Hassani"}
    refused = post(browser_client, f"/partners/{anapec}", twin, f"/partners/{anapec}")
    assert refused.status_code == 409 and error_next_to(refused.text, "name")
    gone = post(
        browser_client, f"/partners/{anapec}/active", {"active": "no"}, f"/partners/{anapec}"
    )
    assert gone.headers["location"] == f"/partners/{anapec}?done=deactivated"
    with session_scope() as s:
        partner = s.get(Partner, anapec)
        assert partner is not None
        assert (partner.name, partner.contact_person, partner.is_active) == (
            "ANAPEC Casa-Anfa", "Mme Berrada", False)  # fmt: skip
    # Deactivated, never deleted: managers still find it, mediators no longer do.
    assert "ANAPEC Casa-Anfa" in browser_client.get("/partners").text
    mediator = client_of("med1")
    assert "ANAPEC" not in mediator.get("/partners").text
    assert mediator.get(f"/partners/{anapec}").status_code == 404


def test_a_coordinator_adds_a_service_with_its_eligibility(directory, browser_client):
    sign_in(browser_client, "coord")
    health = directory.ids["health"]
    answer = post(browser_client, f"/partners/{health}/services", SERVICE,
                  f"/partners/{health}/services/new")  # fmt: skip
    assert answer.status_code == 303, answer.text[-3000:]
    assert answer.headers["location"] == f"/partners/{health}?done=service_added#services"
    with session_scope() as s:
        service = s.exec(select(PartnerService).where(PartnerService.name == SERVICE["name"])).one()
        assert service.eligibility == [
            {"kind": "age", "min": 16, "max": 25},
            {"kind": "sex", "is": "female"},
            {"kind": "education_level", "min": "lower_secondary"},
            {"kind": "stage", "in": ["exit_preparation", "exited"]},
            {"kind": "region", "in": ["Casablanca-Settat"]},
            {"kind": "document", "has": "national_id_card"},
        ]
        assert (service.capacity_per_month, service.response_days, service.delivery_days) == (
            12, 7, 60)  # fmt: skip
        assert (
            service.checklist_item is not None
            and service.checklist_item.value == "income_or_training"
        )
    page = browser_client.get(f"/partners/{health}").text
    for words in ("ages 16–25", "young women only", "lower-secondary level or more",
                  "needs a national ID card", "7 working days", "12 young people a month",
                  "Income or training place"):  # fmt: skip
        assert words in page, words
    # The form of the service comes back with its conditions spread over the fields.
    form = browser_client.get(f"/services/{service.id}").text
    assert (
        'id="age_min" name="age_min" type="number" inputmode="numeric" min="0" max="99" step="1" value="16"'
        in form
    )
    assert 'value="national_id_card" checked' in form and 'value="exited" checked' in form


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"age_min": "30"}, "age_max"),  # 30 to 25: refused by parse_conditions
        ({"age_min": "old"}, "age_min"),
        ({"education_min": "university", "education_max": "primary"}, "education_max"),
        ({"documents": ["housing"]}, "documents"),  # not a document
        ({"stages": ["flying"]}, "stages"),
        ({"response_days": "0"}, "response_days"),
        ({"axis": ""}, "axis"),
        ({"name": ""}, "name"),
        ({"name": "Consultation"}, "name"),  # a twin in this basket
    ],
)
def test_a_service_form_sent_wrong_shows_the_error_and_saves_nothing(
    directory, browser_client, change, field
):
    sign_in(browser_client, "admin")
    health = directory.ids["health"]
    answer = post(browser_client, f"/partners/{health}/services", {**SERVICE, **change},
                  f"/partners/{health}/services/new")  # fmt: skip
    assert answer.status_code in (409, 422)
    assert error_next_to(answer.text, field)
    assert 'value="Six mois de formation qualifiante"' not in answer.text  # a text area
    assert "Six mois de formation qualifiante</textarea>" in answer.text  # what was typed
    assert count(PartnerService) == 2


def test_changing_a_service_and_deactivating_it(directory, browser_client, client_of):
    sign_in(browser_client, "coord")
    with session_scope() as s:
        service_id = s.exec(
            select(PartnerService.id).where(PartnerService.name == "Consultation")
        ).one()
    changed = {**SERVICE, "name": "Consultation", "axis": "health", "age_min": "", "age_max": "21",
               "sex": "", "education_min": "", "stages": [], "regions": [], "documents": [],
               "capacity_per_month": "", "checklist_item": ""}  # fmt: skip
    page = f"/services/{service_id}"
    assert post(browser_client, page, changed, page).status_code == 303
    wrong = post(browser_client, page, {**changed, "age_max": "200"}, page)
    assert wrong.status_code == 422 and error_next_to(wrong.text, "age_max")
    assert post(browser_client, f"{page}/active", {"active": "no"}, page).status_code == 303
    with session_scope() as s:
        service = s.get(PartnerService, service_id)
        assert service is not None
        assert service.eligibility == [{"kind": "age", "max": 21}]
        assert service.capacity_per_month is None and service.checklist_item is None
        assert not service.is_active
    assert "up to age 21" in browser_client.get(page).text
    # A mediator no longer sees it in the basket.
    basket = client_of("med1").get(f"/partners/{directory.ids['health']}").text
    assert "Consultation" not in basket and "No service in the basket yet." in basket


# ---------------------------------------------------------------- roles and CSRF


@pytest.mark.parametrize("who", ["med1", "partner"])
def test_who_may_not_manage_gets_403_everywhere_and_nothing_changes(directory, browser_client, who):
    before = audit_mark()
    sign_in(browser_client, who)
    health = directory.ids["health"]
    with session_scope() as s:
        service_id = s.exec(select(PartnerService.id)).first()
    for path in ("/partners/new", f"/partners/{health}/services/new", f"/services/{service_id}"):
        assert browser_client.get(path).status_code == 403, path
    for path, data in (
        ("/partners", {"name": "X", "kind": "association", "letter_language": "fr"}),
        (f"/partners/{health}", {"name": "X", "kind": "association", "letter_language": "fr"}),
        (f"/partners/{health}/active", {"active": "no"}),
        (f"/partners/{health}/services", SERVICE),
        (f"/services/{service_id}", SERVICE),
        (f"/services/{service_id}/active", {"active": "no"}),
    ):
        assert post(browser_client, path, data, "/inbox").status_code == 403, path
    assert count(Partner) == 4 and count(PartnerService) == 2
    with session_scope() as s:
        assert all(p.is_active for p in s.exec(select(Partner)))
    assert {e.outcome.value for e in audit_since(before, "partners.manage")} == {"denied"}
    if who == "partner":  # a partner user does not read the directory either
        assert browser_client.get("/partners").status_code == 403


def test_forms_without_their_csrf_token_are_refused_and_change_nothing(directory, browser_client):
    sign_in(browser_client, "coord")
    health = directory.ids["health"]
    for path, data in (
        ("/partners", {"name": "X", "kind": "association", "letter_language": "fr"}),
        (f"/partners/{health}/active", {"active": "no"}),
        (f"/partners/{health}/services", SERVICE),
    ):
        for token in ({}, {"csrf_token": "forged"}):
            answer = browser_client.post(path, data={**data, **token}, follow_redirects=False)
            assert answer.status_code == 403, path
    assert count(Partner) == 4 and count(PartnerService) == 2


# ---------------------------------------------------------------- partner accounts


def test_an_admin_creates_a_partner_account_for_its_partner(directory, browser_client):
    sign_in(browser_client, "admin")
    anapec = directory.ids["anapec"]
    form = {"username": "anapec.casa", "role": "partner", "language": "fr",
            "password": "olive tree by the sea"}  # fmt: skip
    assert (
        f'<option value="{anapec}">ANAPEC Casablanca</option>'
        in browser_client.get("/admin/users/new").text
    )
    missing = post(browser_client, "/admin/users", form, "/admin/users/new")
    assert missing.status_code == 422 and error_next_to(missing.text, "partner_id")
    made = post(browser_client, "/admin/users", {**form, "partner_id": str(anapec)},
                "/admin/users/new")  # fmt: skip
    assert made.status_code == 303
    with session_scope() as s:
        user = s.exec(select(User).where(User.username == "anapec.casa")).one()
        assert user.partner_id == anapec
    page = browser_client.get(made.headers["location"]).text
    assert f'<dd id="partner"><a href="/partners/{anapec}">ANAPEC Casablanca</a></dd>' in page


def test_only_a_partner_account_belongs_to_a_partner(directory, browser_client):
    sign_in(browser_client, "admin")
    anapec, partner_user = directory.ids["anapec"], directory.ids["partner"]
    form = {"username": "sara", "role": "mediator", "language": "fr", "partner_id": str(anapec),
            "institution_ids": [str(directory.ids["institution"])],
            "password": "olive tree by the sea"}  # fmt: skip
    refused = post(browser_client, "/admin/users", form, "/admin/users/new")
    assert refused.status_code == 422 and error_next_to(refused.text, "partner_id")
    assert count(User, User.username == "sara") == 0
    # A partner user moved to another partner, then made a mediator (no partner then).
    page = f"/admin/users/{partner_user}"
    moved = post(browser_client, f"{page}/role", {"role": "partner", "partner_id": str(anapec)},
                 page)  # fmt: skip
    assert moved.status_code == 303
    kept = post(browser_client, f"{page}/role", {**form, "role": "mediator"}, page)
    assert kept.status_code == 422 and error_next_to(kept.text, "partner_id")
    assert count(User, User.id == partner_user, User.partner_id == anapec) == 1
    changed = post(browser_client, f"{page}/role", {**form, "role": "mediator", "partner_id": ""},
                   page)  # fmt: skip
    assert changed.status_code == 303
    with session_scope() as s:
        user = s.get(User, partner_user)
        assert user is not None and user.role == Role.mediator and user.partner_id is None
