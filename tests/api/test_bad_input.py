"""Bad input on every write route: a 4xx in the error shape, never a 5xx, nothing changed.

`TARGETS` names every write route of the app with a request it would accept; each case
spoils one thing of it (an invisible character in a name, a 10k string, a wrong type, an
impossible date or id, broken JSON...). A write route missing from `TARGETS` fails
`test_every_write_route_is_in_the_battery`: a new route joins with one entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from sqlmodel import SQLModel, select

import mowakaba.models  # noqa: F401  (every table in the metadata)
from api.main import create_app
from api.policy import ROUTES
from mowakaba.db import get_engine, session_scope
from mowakaba.enums import Axis, Role, WorkItemStatus
from mowakaba.models import AuditEvent, User, WorkItem, Youth
from tests.api.conftest import PASSWORD, World, add_referrals, build_world
from tests.api.notes_world import add_note
from tests.conftest import _empty_tables
from tests.documents_files import store_document

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Bookkeeping a refused request may leave: its audit, a failed login, a token's last use.
UNCHECKED_TABLES = {"audit_event", "login_failure", "auth_token"}
API = "/api/v1"


@dataclass(frozen=True)
class Target:
    """A write route, who may use it, and a request it would accept."""

    who: str
    path_ids: Callable[[World], dict[str, int]] = lambda w: {}
    body: Callable[[World], dict[str, Any]] | None = None
    form: bool = False
    lines: tuple[str, ...] = ()  # one-line strings (names, regions, titles)
    texts: tuple[str, ...] = ()  # free text (notes, reasons): line feeds allowed
    dates: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # ids in the body
    required: tuple[str, ...] = ()
    policy: str | None = None  # the route's name in api/policy.py (None: no guard)


def _registration(w: World) -> dict[str, Any]:
    return {
        "first_name": "Yasmine", "last_name": "Alaoui", "date_of_birth": "2010-05-04",
        "sex": "female", "institution_id": w.ids["inst_a"], "admission_date": "2020-01-02",
        "education_level": "primary", "vocational_level": "none", "mediator_id": w.ids["m1"],
        "notes": "arrivée en janvier",
    }  # fmt: skip


def _assessment(w: World) -> dict[str, Any]:
    return {"axes": {a.value: {"score": 3, "needs": ""} for a in Axis}, "notes": "ok"}


TARGETS: dict[tuple[str, str], Target] = {
    ("POST", "/auth/token"): Target(
        who="", form=True, body=lambda w: {"username": "m1", "password": "x"},
        lines=("username",), required=("username", "password"),
    ),
    ("POST", "/auth/logout"): Target(who="m1", policy="auth.logout"),
    ("POST", "/institutions"): Target(
        who="admin", body=lambda w: {"name": "Dar Annour", "region": "Oriental"},
        lines=("name", "region", "time_zone"), required=("name", "region"),
        policy="institutions.create",
    ),
    ("POST", "/youths"): Target(
        who="coord_a", body=_registration,
        lines=("first_name", "last_name", "first_name_ar", "last_name_ar"), texts=("notes",),
        dates=("date_of_birth", "admission_date", "planned_exit_date"),
        ids=("institution_id", "mediator_id"), required=("date_of_birth", "sex"),
        policy="youths.create",
    ),
    ("PATCH", "/youths/{youth_id}"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"first_name": "Amin"}, lines=("first_name", "last_name_ar"),
        ids=("mediator_id",), required=("first_name",), policy="youths.update",
    ),
    ("POST", "/youths/{youth_id}/exit-extension"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"until": str(w.ids["y1_exit"] + timedelta(days=60)), "reason": "exams"},
        texts=("reason",), dates=("until",), required=("until", "reason"),
        policy="youths.exit_extension",
    ),
    ("POST", "/work-items/{item_id}/complete"): Target(
        who="m1", path_ids=lambda w: {"item_id": w.ids["item"]}, body=_assessment,
        texts=("notes",), required=("axes",), policy="work_items.complete",
    ),
    ("POST", "/work-items/{item_id}/reschedule"): Target(
        who="coord_a", path_ids=lambda w: {"item_id": w.ids["item"]},
        body=lambda w: {"due_date": str(date.today() + timedelta(days=20)), "reason": "leave"},
        texts=("reason",), dates=("due_date",), required=("due_date", "reason"),
        policy="work_items.reschedule",
    ),
    ("POST", "/escalations/{escalation_id}/acknowledge"): Target(
        who="coord_a", path_ids=lambda w: {"escalation_id": 1}, policy="escalations.acknowledge",
    ),
    ("POST", "/notifications/{notification_id}/read"): Target(
        who="m1", path_ids=lambda w: {"notification_id": 1}, policy="notifications.read",
    ),
    ("POST", "/me/password"): Target(
        who="m1", body=lambda w: {"current_password": PASSWORD,
                                  "new_password": "a new long passphrase 7"},
        # No guard dependency (it opens its own transaction: one SQLite writer), so a
        # stranger's broken body is a 422 before the 401; nothing is read or changed.
        required=("current_password", "new_password"),
    ),
    ("POST", "/users"): Target(
        who="admin", body=lambda w: {"username": "newcomer", "password": "a new long passphrase 7",
                                     "role": "mediator", "institution_ids": [w.ids["inst_a"]]},
        lines=("username", "display_name", "email"), ids=("partner_id",),
        required=("username", "password", "role"), policy="users.create",
    ),
    ("PATCH", "/users/{user_id}"): Target(
        who="admin", path_ids=lambda w: {"user_id": w.ids["m2"]},
        body=lambda w: {"display_name": "Mediator Two"}, lines=("display_name", "region"),
        ids=("partner_id",), required=("display_name",), policy="users.update",
    ),
    # Path only: an empty body is a valid request for these (they act on the path's user).
    ("POST", "/users/{user_id}/disable"): Target(
        who="admin", path_ids=lambda w: {"user_id": w.ids["m2"]}, policy="users.disable",
    ),
    ("POST", "/users/{user_id}/enable"): Target(
        who="admin", path_ids=lambda w: {"user_id": w.ids["m2"]}, policy="users.enable",
    ),
    ("POST", "/users/{user_id}/reset-password"): Target(
        who="admin", path_ids=lambda w: {"user_id": w.ids["m2"]}, policy="users.reset_password",
    ),
    ("POST", "/partners"): Target(
        who="coord_a", body=lambda w: {"name": "Association Amal", "kind": "association"},
        lines=("name", "name_ar", "phone", "email", "contact_person", "address"),
        required=("name", "kind"), policy="partners.manage",
    ),
    ("PATCH", "/partners/{partner_id}"): Target(
        who="admin", path_ids=lambda w: {"partner_id": w.ids["partner_b"]},
        body=lambda w: {"contact_person": "Mme Idrissi"}, lines=("contact_person", "phone"),
        required=("name", "kind"), policy="partners.manage",
    ),
    ("POST", "/partners/{partner_id}/services"): Target(
        who="admin", path_ids=lambda w: {"partner_id": w.ids["partner_b"]},
        body=lambda w: {"axis": "employment", "name": "CV workshop",
                        "eligibility": [{"kind": "age", "min": 16}]},
        lines=("name", "name_ar"), texts=("description",), required=("axis", "name"),
        policy="partners.manage",
    ),
    ("PATCH", "/services/{service_id}"): Target(
        who="coord_a", path_ids=lambda w: {"service_id": w.ids["service_b"]},
        body=lambda w: {"name": "CV and interviews"}, lines=("name",), texts=("description",),
        required=("name", "axis"), policy="partners.manage",
    ),
    ("POST", "/youths/{youth_id}/consents"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"axis": "housing", "data": ["identity"], "given_by": "guardian",
                        "given_by_name": "Mme Benali", "given_date": str(date.today())},
        lines=("given_by_name",), dates=("given_date",), ids=("partner_id",),
        required=("given_by", "given_date"), policy="consents.manage",
    ),
    ("POST", "/youths/{youth_id}/consents/{consent_id}/withdraw"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"], "consent_id": w.ids["consent_a"]},
        policy="consents.manage",
    ),
    ("POST", "/youths/{youth_id}/referrals"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"service_id": w.ids["service_a"], "need": "A first job",
                        "shared_fields": ["education_level"], "send": True},
        texts=("need", "health_details", "family_details", "override_reason"),
        ids=("service_id", "milestone_id"), required=("service_id", "need"),
        policy="referrals.create",
    ),
    ("POST", "/referrals/{referral_id}/send"): Target(
        who="coord_a", path_ids=lambda w: {"referral_id": w.ids["ref_draft"]},
        body=lambda w: {"override_reason": "urgent"}, texts=("override_reason",),
        policy="referrals.move",
    ),
    ("POST", "/referrals/{referral_id}/cancel"): Target(
        who="m1", path_ids=lambda w: {"referral_id": w.ids["ref_a"]},
        body=lambda w: {"reason": "moved away"}, texts=("reason",), required=("reason",),
        policy="referrals.move",
    ),
    ("POST", "/referrals/{referral_id}/reroute"): Target(
        who="coord_a", path_ids=lambda w: {"referral_id": w.ids["ref_a"]},
        body=lambda w: {"service_id": w.ids["service_b"], "reason": "no answer"},
        texts=("reason",), ids=("service_id",), required=("service_id",),
        policy="referrals.reroute",
    ),
    ("POST", "/referrals/{referral_id}/answer"): Target(
        who="m1", path_ids=lambda w: {"referral_id": w.ids["ref_a"]},
        body=lambda w: {"status": "accepted", "answered_by": "Mme Idrissi", "method": "phone"},
        lines=("answered_by",), texts=("reason", "outcome"), required=("status",),
        policy="referrals.answer",
    ),
    # The case file (the note: tests/api/notes_world.py, added to the battery's world).
    ("POST", "/youths/{youth_id}/notes"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"kind": "visit", "with_whom": ["youth", "family"],
                        "contact_date": str(date.today()), "text": "Visite au foyer",
                        "sensitivity": "family"},
        texts=("text",), dates=("contact_date",), required=("kind", "with_whom", "text"),
        policy="notes.write",
    ),
    ("POST", "/youths/{youth_id}/notes/{note_id}/versions"): Target(
        who="coord_a", path_ids=lambda w: {"youth_id": w.ids["y1"], "note_id": w.ids["note"]},
        body=lambda w: {"reason": "wrong date", "contact_date": str(date.today() - timedelta(days=1)),
                        "text": "Appel du lundi"},
        lines=("reason",), texts=("text",), dates=("contact_date",), required=("reason",),
        policy="notes.write",
    ),
    ("PUT", "/youths/{youth_id}/contacts"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"phone": "0612 34 56 78", "email": "amine@example.ma",
                        "trusted_1_name": "Fatima", "trusted_1_relation": "tante",
                        "trusted_1_phone": "0661000001", "address": "Hay Mohammadi",
                        "confirmed_date": str(date.today())},
        lines=("trusted_1_name", "address", "trusted_1_relation"), dates=("confirmed_date",),
        policy="contacts.manage",
    ),
    ("POST", "/youths/{youth_id}/plans/{version}/agreement"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"], "version": 1},
        body=lambda w: {"agreement_method": "in_person", "agreement_date": str(date.today()),
                        "agreement_witness_name": "Fatima Zahra",
                        "agreement_witness_role": "Éducatrice"},
        lines=("agreement_witness_name", "agreement_witness_role"), dates=("agreement_date",),
        required=("agreement_method", "agreement_date"), policy="plans.agreement",
    ),
    # Urgent incidents: no incident exists in this world (the moves answer 404 once the
    # body is valid); the body is checked first, and nothing changes either way.
    ("POST", "/youths/{youth_id}/incidents"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"kind": "hospitalisation", "occurred_at": "2026-01-05T10:00",
                        "description": "Appendicite, hôpital Ibn Rochd"},
        texts=("description",), required=("kind", "occurred_at", "description"),
        policy="incidents.create",
    ),
    ("POST", "/incidents/{incident_id}/acknowledge"): Target(
        who="coord_a", path_ids=lambda w: {"incident_id": 1}, body=lambda w: {"note": "Vu"},
        texts=("note",), policy="incidents.acknowledge",
    ),
    ("POST", "/incidents/{incident_id}/close"): Target(
        who="coord_a", path_ids=lambda w: {"incident_id": 1}, body=lambda w: {"note": "Fini"},
        texts=("note",), policy="incidents.close",
    ),
    ("POST", "/incidents/{incident_id}/returned"): Target(
        who="m1", path_ids=lambda w: {"incident_id": 1},
        body=lambda w: {"returned_date": str(date.today())}, dates=("returned_date",),
        required=("returned_date",), policy="incidents.returned",
    ),
    ("POST", "/incidents/{incident_id}/runaway-decision"): Target(
        who="coord_a", path_ids=lambda w: {"incident_id": 1},
        body=lambda w: {"decision": "keep_open", "reason": "Vu chez sa tante",
                        "review_date": str(date.today() + timedelta(days=14))},
        texts=("reason",), dates=("review_date", "exit_date"), required=("decision",),
        policy="incidents.runaway_decision",
    ),
    ("PUT", "/youths/{youth_id}/sms-agreement"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"agreed": True, "agreed_date": str(date.today()), "language": "ar"},
        dates=("agreed_date",), required=("agreed",), policy="youths.sms_agreement",
    ),
    ("POST", "/caseloads/reassign"): Target(
        who="coord_a", body=lambda w: {"from_mediator_id": w.ids["m1"], "to_mediator_id": w.ids["m2"]},
        ids=("from_mediator_id", "to_mediator_id"), required=("from_mediator_id",),
        policy="caseloads.reassign",
    ),
    ("POST", "/youths/{youth_id}/transfers"): Target(
        who="coord_a", path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"to_institution_id": w.ids["inst_b"], "reason": "closer to family"},
        texts=("reason",), ids=("to_institution_id",), required=("to_institution_id", "reason"),
        policy="transfers.request",
    ),
    ("POST", "/transfers/{transfer_id}/accept"): Target(
        who="coord_a", path_ids=lambda w: {"transfer_id": 1},
        body=lambda w: {"mediator_id": w.ids["m1"], "comment": "welcome"}, texts=("comment",),
        ids=("mediator_id",), policy="transfers.decide",
    ),
    ("POST", "/transfers/{transfer_id}/refuse"): Target(
        who="coord_a", path_ids=lambda w: {"transfer_id": 1},
        body=lambda w: {"reason": "no room"}, texts=("reason",), required=("reason",),
        policy="transfers.decide",
    ),
    ("POST", "/transfers/{transfer_id}/cancel"): Target(
        who="coord_a", path_ids=lambda w: {"transfer_id": 1},
        body=lambda w: {"reason": "the family moved"}, texts=("reason",),
        policy="transfers.cancel",
    ),
    ("POST", "/youths/{youth_id}/documents"): Target(
        who="m1", form=True, path_ids=lambda w: {"youth_id": w.ids["y1"]},
        body=lambda w: {"kind": "birth_certificate", "issued_date": "2010-02-01"},
        dates=("issued_date", "expiry_date"), required=("kind", "issued_date"),
        policy="documents.upload",
    ),
    ("POST", "/youths/{youth_id}/documents/{document_id}/retire"): Target(
        who="m1", path_ids=lambda w: {"youth_id": w.ids["y1"], "document_id": w.ids["doc"]},
        body=lambda w: {"status": "withdrawn", "reason": "a blurred scan"},
        texts=("reason",), required=("status", "reason"), policy="documents.retire",
    ),
}  # fmt: skip

BAD_CHARACTERS = {"nul": "\x00", "rlo": "\u202e", "zwsp": "\u200b", "bom": "\ufeff",
                  "esc": "\x1b", "newline": "\n"}  # fmt: skip
BAD_DATES = {"year1": "0001-01-01", "year9999": "9999-12-31", "feb30": "2024-02-30",
             "number": 1336176000, "unpadded": "2024-1-5", "datetime": "2024-01-05T10:00:00"}  # fmt: skip
BAD_IDS = {"zero": 0, "minus1": -1, "2pow31": 2**31, "2pow63": 2**63, "abc": "abc"}

# A case spoils a valid request: (world, path params, body) → (path params, request kwargs).
Spoil = Callable[[World, dict[str, Any], Any], tuple[dict[str, Any], dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    route: tuple[str, str]
    spoil: Spoil
    field: str | None = None  # the error message names it
    codepoint: str | None = None


def _with(field: str, value: Any) -> Spoil:
    return lambda w, ids, body: (ids, {"body": {**body, field: value}})


def _raw(content: bytes) -> Spoil:
    return lambda w, ids, body: (
        ids, {"content": content, "headers": {"Content-Type": "application/json"}}
    )  # fmt: skip


def _path(name: str, value: Any) -> Spoil:
    return lambda w, ids, body: ({**ids, name: value}, {"body": body})


def cases() -> list[Any]:
    """Every (route, spoiled request), with a readable id."""
    out = []

    def add(route: tuple[str, str], label: str, case: Case) -> None:
        out.append(pytest.param(case, id=f"{route[0]} {route[1]} {label}"))

    for route, t in TARGETS.items():
        strings = t.lines + t.texts
        if t.body is not None:
            first = strings[0] if strings else None
            if first is not None:
                for label, ch in BAD_CHARACTERS.items():
                    if ch == "\n" and first in t.texts:
                        continue  # free text keeps its line feeds
                    add(route, f"{first}:{label}", Case(route, _with(first, f"Ami{ch}ne"), first,
                                                        f"U+{ord(ch):04X}"))  # fmt: skip
                add(route, f"{first}:number", Case(route, _with(first, 12345), first))
            for name in strings[1:]:
                add(route, f"{name}:nul", Case(route, _with(name, "a\x00b"), name, "U+0000"))
            for name in strings:
                add(route, f"{name}:10k", Case(route, _with(name, "é" * 10_000), name))
            for name in t.dates:
                for label, value in BAD_DATES.items():
                    add(route, f"{name}:{label}", Case(route, _with(name, value)))
            for name in t.ids:
                for label, value in BAD_IDS.items():
                    add(route, f"{name}:{label}", Case(route, _with(name, value), name))
            for name in t.required:
                add(route, f"{name}:null", Case(route, _with(name, None)))
            if not t.form:
                add(route, "extra-field", Case(route, _with("is_admin", True)))
                add(route, "list-body",
                    Case(route, lambda w, ids, body: (ids, {"body": [body]})))  # fmt: skip
                add(route, "empty-body", Case(route, _raw(b"")))
            else:
                add(route, "json-instead-of-form", Case(route, _raw(b'{"username": "m1"}')))
            add(route, "malformed-json", Case(route, _raw(b'{"name": "x", ')))
            add(route, "not-utf8", Case(route, _raw(b'{"name": "\xff\xfe"}')))
        for name in _path_names(route):
            for label, value in BAD_IDS.items():
                add(route, f"{name}:{label}", Case(route, _path(name, value)))
    return out


def _path_names(route: tuple[str, str]) -> list[str]:
    return [part[1:-1] for part in route[1].split("/") if part.startswith("{")]


def snapshot() -> str:
    """A digest of every row of every table a refused request must leave alone."""
    digest = hashlib.sha256()
    with get_engine().connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in UNCHECKED_TABLES:
                continue
            rows = connection.execute(table.select()).all()
            digest.update(table.name.encode())
            digest.update(repr(sorted(map(repr, rows))).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def bad_world(engine) -> Any:
    """One world for the whole battery: no case may change it."""
    _empty_tables(engine)
    w = add_note(add_referrals(build_world()))
    for who in ("admin", "supervisor", "coord_a", "m1", "partner"):
        w.as_(who)  # logged in first: the battery's failed logins may throttle new ones
    with session_scope() as s:
        youth = s.get(Youth, w.ids["y1"])
        assert youth is not None and youth.planned_exit_date is not None
        w.ids["y1_exit"] = youth.planned_exit_date  # type: ignore[assignment]
        item = s.exec(
            select(WorkItem).where(
                WorkItem.youth_id == youth.id, WorkItem.status == WorkItemStatus.open,
                WorkItem.assignee_id == w.ids["m1"],
            )
        ).first()  # fmt: skip
        assert item is not None and item.id is not None
        w.ids["item"] = item.id
        m1 = s.get(User, w.ids["m1"])
        w.ids["doc"] = store_document(s, youth, m1, kind="other").pk
    yield w
    _empty_tables(engine)


def send(w: World, route: tuple[str, str], who: str | None, ids: dict, kwargs: dict):  # type: ignore[no-untyped-def]
    method, template = route
    path = API + template.format(**ids)
    headers = {**w.as_(who or None), **kwargs.pop("headers", {})}
    if "body" in kwargs:
        body = kwargs.pop("body")
        if TARGETS[route].form:
            kwargs["data"] = {k: v for k, v in body.items() if v is not None}
        elif body is not None:
            kwargs["json"] = body
    return w.client.request(method, path, headers=headers, **kwargs)


def assert_error_shape(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), body
    return error


def test_every_write_route_is_in_the_battery():
    routes = {
        (method, route.path.removeprefix(API))
        for route in iter_route_contexts(create_app().router.routes)
        for method in route.methods or ()
        if method in WRITES and route.path.startswith(API)  # the pages: tests/pages
    }
    assert routes == set(TARGETS)


@pytest.mark.parametrize("case", cases())
def test_bad_input_is_refused_in_the_error_shape_and_changes_nothing(bad_world, case):
    target = TARGETS[case.route]
    before = snapshot()
    ids, kwargs = case.spoil(
        bad_world, target.path_ids(bad_world), target.body(bad_world) if target.body else None
    )
    response = send(bad_world, case.route, target.who, ids, kwargs)
    assert 400 <= response.status_code < 500, response.text
    error = assert_error_shape(response)
    if case.field is not None and response.status_code == 422:
        assert case.field in error["message"], error
    if case.codepoint is not None:
        assert response.status_code == 422 and case.codepoint in error["message"], error
    assert snapshot() == before


ROLE_USER = {Role.admin: "admin", Role.supervisor: "supervisor", Role.coordinator: "coord_a",
             Role.mediator: "m1", Role.partner: "partner"}  # fmt: skip
GUARDED = [route for route, t in TARGETS.items() if t.policy is not None]


@pytest.mark.parametrize("route", GUARDED, ids=[" ".join(r) for r in GUARDED])
def test_the_caller_is_refused_before_the_body_is_read(bad_world, route):
    """401 without a token, 403 for a role the policy refuses (audited once), whatever the body."""
    target = TARGETS[route]
    broken = {"content": b'{"broken": ', "headers": {"Content-Type": "application/json"}}
    before = snapshot()
    anonymous = send(bad_world, route, None, target.path_ids(bad_world), dict(broken))
    assert anonymous.status_code == 401, anonymous.text
    assert assert_error_shape(anonymous)["code"] == "unauthenticated"
    refused = [r for r in Role if r not in ROUTES[target.policy or ""]]
    for role in refused:
        response = send(bad_world, route, ROLE_USER[role], target.path_ids(bad_world), dict(broken))
        assert response.status_code == 403, (role, response.text)
        assert assert_error_shape(response)["code"] == "not_allowed"
        with session_scope() as s:
            denials = s.exec(
                select(AuditEvent).where(
                    AuditEvent.request_id == response.headers["x-request-id"],
                    AuditEvent.action == target.policy,
                )
            ).all()
        assert len(denials) == 1, role
    assert snapshot() == before


def test_an_allowed_caller_with_broken_json_gets_422_invalid_request(bad_world):
    response = send(bad_world, ("POST", "/youths"), "coord_a", {},
                    {"content": b'{"first_name": ', "headers": {"Content-Type": "application/json"}})  # fmt: skip
    assert response.status_code == 422
    assert assert_error_shape(response)["code"] == "invalid_request"
