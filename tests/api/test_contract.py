"""The outside review's defects 4 and 8 (issue 10), each as the request that showed it."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from mowakaba.db import session_scope
from mowakaba.models import AuditEvent, Institution, Youth
from tests.api.test_http_hygiene import assert_secure
from tests.conftest import fresh_app

REGISTRATION = {
    "first_name": "Yasmine", "last_name": "Alaoui", "date_of_birth": "2010-05-04",
    "sex": "female", "admission_date": "2020-01-02", "education_level": "primary",
    "vocational_level": "none",
}  # fmt: skip


def register(world, **changes):
    body = {**REGISTRATION, "institution_id": world.ids["inst_a"], **changes}
    return world.post("coord_a", "/youths", json=body)


@pytest.mark.parametrize(
    "char", ["\x00", "\u202e", "\u200b", "\ufeff", "\n", "\x1b", "\u2066", "\u200f"]
)
def test_a_name_with_a_control_or_invisible_character_is_refused_naming_field_and_character(
    world, char
):
    response = register(world, first_name=f"Yas{char}mine")
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("first_name:") and f"U+{ord(char):04X}" in message


def test_arabic_names_with_zwnj_pass_and_a_decomposed_name_is_stored_composed(world):
    response = register(world, first_name=unicodedata.normalize("NFD", "Zoé"),
                        first_name_ar="مى\u200cلا", last_name_ar="الزهراء")  # fmt: skip
    assert response.status_code == 201, response.text
    with session_scope() as s:
        youth = s.get(Youth, response.json()["id"])
        assert youth is not None
        assert youth.first_name == "Zoé" == unicodedata.normalize("NFC", youth.first_name)
        assert youth.first_name_ar == "مى\u200cلا"


def test_a_reason_keeps_its_line_feeds(world):
    response = world.post("m1", f"/youths/{world.ids['y1']}/exit-extension",
                          json={"until": "2000-01-01", "reason": "un\r\ndeux\u202e"})  # fmt: skip
    assert response.status_code == 422
    assert "reason:" in response.json()["error"]["message"]


@pytest.mark.parametrize("value", [1336176000, "1336176000", "2012-05-05T00:00:00", "0001-01-01"])
def test_a_date_of_birth_is_an_iso_date_string_in_range(world, value):
    response = register(world, date_of_birth=value)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith("date_of_birth:")


def test_a_reschedule_more_than_a_year_ahead_is_refused_naming_the_bound(world):
    from mowakaba.enums import WorkItemStatus
    from mowakaba.models import WorkItem

    with session_scope() as s:
        item = s.query(WorkItem).filter_by(youth_id=world.ids["y1"],
                                           status=WorkItemStatus.open).first()  # fmt: skip
        item_id = item.id
    far = world.post("coord_a", f"/work-items/{item_id}/reschedule",
                     json={"due_date": "2100-01-01", "reason": "leave"})  # fmt: skip
    assert far.status_code == 422
    assert far.json()["error"]["code"] == "date_too_far"
    assert "at most" in far.json()["error"]["message"]
    near = world.post("coord_a", f"/work-items/{item_id}/reschedule",
                      json={"due_date": str(date.today() + timedelta(days=30)), "reason": "leave"})  # fmt: skip
    assert near.status_code == 200, near.text


def test_a_chunked_body_over_the_limit_is_413_in_the_error_shape(world):
    def chunks():
        for _ in range(17):
            yield b"x" * 65536

    response = world.client.post("/api/v1/youths", headers=world.as_("coord_a"), content=chunks())
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert_secure(response)


def test_an_unexpected_error_is_a_json_500_with_the_request_id_and_the_headers(committed):
    app = fresh_app()  # this one gains a broken route: never the run's shared app
    broken = APIRouter()

    @broken.get("/api/v1/broken")
    def explode() -> None:
        raise RuntimeError("boom")

    app.include_router(broken)
    response = TestClient(app).get("/api/v1/broken")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal" and "boom" not in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert_secure(response)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/work-items?due_before=0", "/audit-events?to=0.5", "/audit-events?from=0"]
)
def test_a_number_is_not_a_date_in_a_query(world, path):
    response = world.get("coord_a", path)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_iso_dates_in_queries_still_work(world):
    assert world.get("coord_a", "/work-items?due_before=2030-01-01").status_code == 200
    assert (
        world.get("coord_a", "/audit-events?from=2020-01-01T00:00:00&to=2030-01-01").status_code
        == 200
    )


@pytest.mark.parametrize("name", ["Dar Al Atfal A", "DAR AL ATFAL A", " Dar Al Atfal A "])
def test_a_duplicate_institution_name_is_a_409_conflict(world, name):
    response = world.post("admin", "/institutions", json={"name": name, "region": "Oriental"})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "conflict"
    with session_scope() as s:
        assert s.query(Institution).count() == 2


@pytest.mark.parametrize(
    "method, path, allow",
    [("DELETE", "/youths", "GET, POST"), ("PUT", "/youths/1", "GET, PATCH"),
     ("GET", "/work-items/1/reschedule", "POST")],
)  # fmt: skip
def test_405_lists_every_method_the_path_accepts(world, method, path, allow):
    response = world.client.request(method, f"/api/v1{path}", headers=world.as_("coord_a"))
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_supervisors_malformed_body_earns_the_403_first_and_one_denial(world):
    response = world.post("supervisor", "/youths", content=b"{not json",
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"
    with session_scope() as s:
        denials = (
            s.query(AuditEvent)
            .filter_by(request_id=response.headers["x-request-id"], action="youths.create")
            .count()
        )
    assert denials == 1
