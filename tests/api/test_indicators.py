"""GET /api/v1/indicators: every indicator with its numerator, denominator, breakdown and
definition, for the caller's scope only; bad filters are a clear 422, a stranger's
institution a 404."""

from __future__ import annotations

from datetime import date

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.indicators import INDICATOR_KEYS, INTEGRATED_DEFINITION, definition
from mowakaba.models import User
from mowakaba.services import indicator_snapshots as snapshot_service

PERIOD = {"from": "2025-12-01", "to": date.today().isoformat()}


def test_a_coordinator_reads_every_indicator_of_their_institution(world):
    response = world.get("coord_a", "/indicators", params=PERIOD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["from"] == PERIOD["from"] and body["to"] == PERIOD["to"]
    assert body["institution_ids"] == [world.ids["inst_a"]]
    assert [i["key"] for i in body["indicators"]] == list(INDICATOR_KEYS)
    for indicator in body["indicators"]:
        assert indicator["definition"]
        assert set(indicator["headline"]) == {"key", "unit", "numerator", "denominator", "value"}
    # The youths registered today are not 15 and not registered 30 days ago: nobody to
    # count is "no data", never a division by zero.
    intake = {i["key"]: i for i in body["indicators"]}["intake_coverage"]
    assert intake["headline"]["denominator"] == 0 and intake["headline"]["value"] is None


def test_the_definition_is_in_the_callers_language_with_integrated_defined(world):
    with session_scope() as s:
        user = s.get(User, world.ids["coord_a"])
        assert user is not None
        user.language = Language.en
    response = world.get("coord_a", "/indicators", params=PERIOD)
    outcome = {i["key"]: i for i in response.json()["indicators"]}["outcome_6m"]
    assert outcome["definition"] == f"{definition('outcome_6m')} {INTEGRATED_DEFINITION}"


def test_a_coordinator_never_reads_another_institutions_indicators(world):
    other = world.get("coord_a", "/indicators", params={"institution_id": world.ids["inst_b"]})
    missing = world.get("coord_a", "/indicators", params={"institution_id": 999999})
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    region = world.get("coord_a", "/indicators", params={"region": "Fès-Meknès"})
    assert region.status_code == 404


def test_supervisors_read_their_region_and_admins_the_nation(world):
    supervisor = world.get("supervisor", "/indicators").json()
    assert supervisor["institution_ids"] == [world.ids["inst_a"]]  # Casablanca-Settat
    assert world.get("supervisor", "/indicators", params={
        "institution_id": world.ids["inst_b"]}).status_code == 404  # fmt: skip
    admin = world.get("admin", "/indicators").json()
    assert admin["institution_ids"] is None
    one_region = world.get("admin", "/indicators", params={"region": "Fès-Meknès"}).json()
    assert one_region["institution_ids"] == [world.ids["inst_b"]]


def test_mediators_and_partners_are_refused(world):
    for who in ("m1", "partner"):
        response = world.get(who, "/indicators")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_allowed"


def test_bad_filters_are_a_clear_422(world):
    for params, code in (
        ({"from": "2026-13-01"}, "invalid_request"),
        ({"to": "31/12/2026"}, "invalid_request"),
        ({"from": "2026-06-01", "to": "2026-01-01"}, "invalid_period"),
        ({"cohort": "20x6"}, "invalid_request"),
        ({"cohort": "1800"}, "invalid_request"),
        ({"institution_id": "0"}, "invalid_request"),
    ):
        response = world.get("coord_a", "/indicators", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["code"] == code


def test_snapshots_do_not_change_the_answer(world):
    before = world.get("coord_a", "/indicators", params=PERIOD).json()
    with session_scope() as s:
        snapshot_service.store_snapshot(s, day=date.today())
    assert world.get("coord_a", "/indicators", params=PERIOD).json() == before
