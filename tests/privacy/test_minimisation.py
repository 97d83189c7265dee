"""Minimisation: no role sees a personal field outside its allow-list (mowakaba/disclosure.py).

A youth (y1) carries a distinctive canary in every personal field; each role walks every GET
route of the JSON API (read from the app's routes), every page (tests/pages/
test_pages_by_role.py's list and `concrete()`), and the lists' CSV and XLSX exports, and the answer
(headers, and the body: HTML, JSON, CSV, an XLSX's XML, a PDF's text) must hold no canary
of a field the role may not see.
"""

from __future__ import annotations

import inspect
import io
import json
import zipfile
from collections import defaultdict
from datetime import date
from functools import cache

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from api.main import create_app
from mowakaba import disclosure, i18n
from mowakaba.casework_schemas import ContactsIn, NoteIn
from mowakaba.db import session_scope
from mowakaba.enums import Language, Role
from mowakaba.models import Assessment, AssessmentAxis, Consent, Guardianship, Referral, User, Youth
from mowakaba.schemas import AnswerIn
from mowakaba.services import case_notes as note_service
from mowakaba.services import contacts as contact_service
from mowakaba.services import referrals as referral_service
from tests.api.conftest import add_referrals, build_world
from tests.pages.conftest import sign_in
from tests.pages.test_pages_by_role import add_case_file, concrete, page_paths

API = "/api/v1"
WHO = {"admin": Role.admin, "supervisor": Role.supervisor, "coord_a": Role.coordinator,
       "m1": Role.mediator, "partner": Role.partner, "partner_b": Role.partner}  # fmt: skip
# Partner B's referral shares the education levels only: what a partner sees under consent
# (the last name, the phone) is not B's.
WITHOUT_CONSENT = {"partner_b"}
BIRTH = date(2011, 7, 23)

# field → its canary (distinctive, plain letters: no escaping changes them).
CANARY = {
    "youth.first_name": "Qzfirstnamex",
    "youth.first_name_ar": "ضظغفثق",
    "youth.last_name": "Qzlastnamex",
    "youth.last_name_ar": "ظغضثقف",
    "youth.notes": "Qzyouthnotesx",
    "guardianship.guardian_name": "Qzguardianx",
    "guardianship.guardian_phone": "0677123987",
    "contact.value": "0655443321",
    "contact.name": "Qztrustedx",
    "consent.given_by_name": "Qzgiverx",
    "assessment.notes": "Qzassessnotesx",
    "assessment.youth_view": "Qzyouthviewx",
    "assessment_axis.needs": "Qzaxisneedsx",
    "plan.youth_goals": "Qzgoalsx",
    "case_note.text": "Qzordinarynotex",
    "case_note.sensitive_text": "Qzsensitivenotex",
    "incident.description": "Qzincidentx",
    "document.original_name": "Qzdocnamex",
}


def birth_canaries() -> set[str]:
    """The date of birth in every form a page or answer shows a date."""
    forms = {BIRTH.isoformat(), BIRTH.strftime("%d/%m/%Y")}
    for language in Language:
        for form in ("short", "medium", "long", "full"):
            forms.add(i18n.format_date(BIRTH, language, form))
    return forms


def build_canary_world():  # type: ignore[no-untyped-def]
    """The API and pages' world, y1 registered with canaries and given one of everything."""
    c = CANARY
    w = build_world(first_name=c["youth.first_name"], last_name=c["youth.last_name"],
                    first_name_ar=c["youth.first_name_ar"], last_name_ar=c["youth.last_name_ar"],
                    date_of_birth=BIRTH, notes=c["youth.notes"])  # fmt: skip
    w = add_referrals(w)
    w = add_case_file(w, youth_view=c["assessment.youth_view"], youth_goals=c["plan.youth_goals"],
                      note_text=c["case_note.sensitive_text"],
                      incident_text=c["incident.description"],
                      document_name=c["document.original_name"] + ".pdf")  # fmt: skip
    today = date.today()
    with session_scope() as s:
        youth, m1 = s.get(Youth, w.ids["y1"]), s.get(User, w.ids["m1"])
        partner = s.get(User, w.ids["partner"])
        assert youth is not None and m1 is not None and partner is not None
        ordinary = note_service.write_note(
            s, youth=youth, actor=m1, today=today,
            data=NoteIn(kind="call", with_whom=["youth"], contact_date=today,
                        text=c["case_note.text"]),
        )  # fmt: skip
        w.ids["ordinary_note"] = ordinary.pk
        contact_service.update_contacts(
            s, youth=youth, actor=m1, today=today,
            data=ContactsIn(phone=c["contact.value"], trusted_1_name=c["contact.name"],
                            trusted_1_phone="0611111111"),
        )  # fmt: skip
        s.add(Guardianship(youth_id=youth.pk, legal_status="kafala", start_date=BIRTH,
                           guardian_name=c["guardianship.guardian_name"],
                           guardian_phone=c["guardianship.guardian_phone"]))  # fmt: skip
        # Free texts the pages' world leaves empty: the assessment's notes and needs.
        for assessment in s.exec(select(Assessment).where(Assessment.youth_id == youth.pk)):
            assessment.notes = c["assessment.notes"]
            for axis in s.exec(
                select(AssessmentAxis).where(AssessmentAxis.assessment_id == assessment.id)
            ):
                axis.needs = c["assessment_axis.needs"]
        # Partner A's consent covers identity and contact too; its referral shares the last
        # name and phone (what `_snapshot` copies at sending) and the partner accepted it.
        consent = s.get(Consent, w.ids["consent_a"])
        referral = s.get(Referral, w.ids["ref_a"])
        assert consent is not None and referral is not None
        consent.given_by_name = c["consent.given_by_name"]
        consent.data = [*consent.data, "identity", "contact"]
        referral.shared_fields = [*referral.shared_fields, "last_name", "phone"]
        referral.shared = referral.shared | {
            "last_name": f"{c['youth.last_name']} {c['youth.last_name_ar']}",
            "phone": c["contact.value"],
        }
        s.flush()
        referral_service.answer_referral(
            s, referral_id=referral.pk, actor=partner, data=AnswerIn(status="accepted")
        )
    return w


def api_paths(ids: dict[str, int]) -> list[str]:
    """Every GET route of the JSON API, its parameters filled from the world (and `?format=
    csv` for a list that exports); a new parameter the walk cannot fill fails here.

    Every parameter is filled today. Two answers carry no content to search: a youth's
    flow runs (503: no Prefect server in this test; runs carry ids and codes only), and on
    the pages' side `/youths/import/{token}` (a dummy token: 404; an upload holds no
    youth's record until it is imported)."""
    values = {
        "youth_id": [ids["y1"]], "note_id": [ids["note"], ids["ordinary_note"]],
        "document_id": [ids["card"], ids["signed"]], "referral_id": [ids["ref_a"]],
        "partner_id": [ids["partner_a"]], "user_id": [ids["m1"], ids["partner"]],
        "item_id": [ids["item"]], "transfer_id": [ids["transfer"]],
    }  # fmt: skip
    paths = []
    for template in get_routes():
        if not template.startswith(API):
            continue
        filled = [template]
        for name, choices in values.items():
            if "{" + name + "}" in template:
                filled = [p.replace("{" + name + "}", str(v)) for p in filled for v in choices]
        assert all("{" not in p for p in filled), f"the walk cannot fill {template}"
        paths += with_exports(template, filled)
    return paths


@cache
def get_routes() -> dict[str, bool]:
    """Every GET route's path → whether it exports (its endpoint takes `format`)."""
    return {
        route.path: "format" in inspect.signature(route.endpoint).parameters
        for route in iter_route_contexts(create_app().router.routes)
        if "GET" in (route.methods or ())
    }


def with_exports(template: str, paths: list[str]) -> list[str]:
    """The paths, and their CSV and XLSX exports if the route exports."""
    formats = ("csv", "xlsx") if get_routes()[template] else ()
    return paths + [f"{p}?format={f}" for p in paths if "?" not in p for f in formats]


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """What a reader gets: the headers, and the body's text (a PDF's extracted text, an
    XLSX's XML parts); an uploaded file's bytes are the youth's own document."""
    head = " ".join(f"{k}: {v}" for k, v in response.headers.items())
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        return head + json.dumps(response.json(), ensure_ascii=False)
    if kind.startswith("text/") or "csv" in kind:
        return head + response.text
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return head + " ".join(book.read(n).decode() for n in book.namelist())
    if kind.startswith("application/pdf") and "/file" not in str(response.url):
        pages = PdfReader(io.BytesIO(response.content)).pages
        return head + " ".join(page.extract_text() for page in pages)
    return head


def canaries_in(text: str) -> set[str]:
    found = {key for key, canary in CANARY.items() if canary.lower() in text.lower()}
    if any(form in text for form in birth_canaries()):
        found.add("youth.date_of_birth")
    return found


def walk(w, who: str) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Field → the paths whose answers showed its canary to a user."""
    seen: dict[str, set[str]] = defaultdict(set)
    for path in api_paths(w.ids):
        response = w.client.get(path, headers=w.as_(who))
        # 503: no Prefect server in this test (flow runs carry ids and codes only).
        assert response.status_code < 500 or response.status_code == 503, (who, path)
        for key in canaries_in(text_of(response)):
            seen[key].add(path)
    with TestClient(create_app(), base_url="http://testserver") as client:
        assert sign_in(client, who).status_code == 303
        pages = [p for t in page_paths() for p in with_exports(t, concrete(t, w.ids))]
        for path in pages:
            response = client.get(path, follow_redirects=False)
            assert response.status_code < 500, (who, path, response.text)
            for key in canaries_in(text_of(response)):
                seen[key].add(path)
    return seen


def test_no_role_sees_a_field_outside_its_allow_list(committed):
    assert set(CANARY) | {"youth.date_of_birth"} == disclosure.KEYS
    w = build_canary_world()
    leaks, seen_by = {}, {}
    for who, role in WHO.items():
        seen = walk(w, who)
        seen_by[who] = set(seen)
        consented = who not in WITHOUT_CONSENT
        leaks |= {(who, key): sorted(paths) for key, paths in seen.items()
                  if not disclosure.may_see(role, key, under_consent=consented)}  # fmt: skip
    assert leaks == {}
    # The walk reaches the file: the case workers see every field some page shows (no page
    # shows the guardianship or the registration's notes today), a supervisor the file
    # without its sensitive fields, a partner its referral's youth.
    shown = disclosure.KEYS - {"guardianship.guardian_name", "guardianship.guardian_phone",
                               "youth.notes"}  # fmt: skip
    assert seen_by["coord_a"] >= shown and seen_by["m1"] >= shown
    assert seen_by["supervisor"] >= {"youth.first_name", "youth.date_of_birth", "case_note.text"}
    assert seen_by["partner"] >= {"youth.first_name", "youth.last_name", "contact.value"}
    assert seen_by["partner_b"] >= {"youth.first_name"}
    # A supervisor sees that the sensitive note exists, without its text.
    notes = w.get("supervisor", f"/youths/{w.ids['y1']}/notes").json()["items"]
    hidden = {n["id"]: n["current"]["hidden"] for n in notes}
    assert hidden == {w.ids["note"]: True, w.ids["ordinary_note"]: False}
