"""GET /api/v1/indicators: every indicator with its numerator, denominator, breakdown and
definition, for the caller's scope only; bad filters are a clear 422, a stranger's
institution a 404."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language, WorkItemStatus
from mowakaba.indicators import INDICATOR_KEYS, INTEGRATED_DEFINITION, definition
from mowakaba.models import Institution, User, WorkItem
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


def test_the_indicators_export_as_one_long_table_in_scope_and_audited(world):
    from tests.api.test_exports import csv_rows, exports_of, last_audit_id, xlsx_sheet

    with session_scope() as s:  # work due last week: a mediator named like a formula
        for item in s.exec(select(WorkItem).where(WorkItem.status == WorkItemStatus.open)):
            item.due_date = date.today() - timedelta(days=7)
        s.get(User, world.ids["m1"]).display_name = '=HYPERLINK("http://evil.example")'
        s.get(Institution, world.ids["inst_b"]).name = "Dar B, never in A's file"
        s.get(User, world.ids["coord_a"]).language = Language.en
    since = last_audit_id()
    answer = world.get("coord_a", "/indicators", params=PERIOD).json()
    rows = csv_rows(world.get("coord_a", "/indicators", params={**PERIOD, "format": "csv"}))
    assert rows[0] == ["Indicator", "Breakdown", "Item", "Figure", "Value", "Unit", "n", "N"]
    # One row per figure: each indicator's own figures, then its breakdown's.
    own = [r for r in rows[1:] if r[1] == "Overall"]
    assert len(own) == sum(1 + len([f for f in i["figures"] if f["key"] != i["headline"]["key"]])
                           for i in answer["indicators"])  # fmt: skip
    intake = {i["key"]: i for i in answer["indicators"]}["intake_coverage"]["headline"]
    [line] = [r for r in own if r[0] == "Intake assessment coverage"]
    assert line[6:] == [str(intake["numerator"]), str(intake["denominator"])]
    assert line[4] == ("" if intake["value"] is None else str(round(intake["value"] * 100, 1)))
    flat = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example")' in flat  # neutralised, still there
    assert not any(cell.startswith("=") for cell in flat)
    assert not any("Dar B" in cell for cell in flat)  # another institution: never
    [summary] = exports_of(world.ids["coord_a"], since)
    assert (summary.object_type, summary.object_id) == ("indicators.read", "csv")
    # One indicator only, as a workbook.
    sheet = xlsx_sheet(world.get("coord_a", "/indicators", params={
        **PERIOD, "format": "xlsx", "indicator": "timeliness"}))  # fmt: skip
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        "Work done on time"}  # fmt: skip


def test_mediators_cannot_export_the_indicators_and_a_bad_key_is_422(world):
    assert world.get("m1", "/indicators", params={"format": "csv"}).status_code == 403
    response = world.get("coord_a", "/indicators", params={"format": "csv", "indicator": "x"})
    assert response.status_code == 422
