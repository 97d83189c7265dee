"""Who looked at a file: the youth's audit rows, refusals included, for that youth only;
its export holds the same rows; mediators and partners are refused; reading it is audited."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.models import AuditEvent, User


@pytest.fixture
def world(world):
    """The API world, its people reading English (the log is written in the reader's words)."""
    with session_scope() as s:
        for user in s.exec(select(User)):
            user.language = Language.en
            s.add(user)
    return world


def traffic(w):
    """coord_a reads y1, m1 changes y1, coord_b (another institution) tries y1, and
    coord_a reads y2 (another youth: never in y1's log)."""
    y1, y2 = w.ids["y1"], w.ids["y2"]
    assert w.get("coord_a", f"/youths/{y1}").status_code == 200
    assert w.patch("m1", f"/youths/{y1}", json={"education_level": "secondary"}).status_code == 200
    assert w.get("coord_b", f"/youths/{y1}").status_code == 404
    assert w.get("coord_a", f"/youths/{y2}").status_code == 200


def test_the_log_lists_reads_changes_and_refusals_of_that_youth_only(world):
    w = world
    traffic(w)
    answer = w.get("coord_a", f"/youths/{w.ids['y1']}/access-log", params={"page_size": 100})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    seen = {(i["actor_id"], i["action"], i["outcome"]) for i in items}
    assert (w.ids["coord_a"], "youths.read", "allowed") in seen
    assert (w.ids["m1"], "youths.update", "allowed") in seen
    assert (w.ids["coord_b"], "youths.read", "not_found") in seen
    refused = next(i for i in items if i["actor_id"] == w.ids["coord_b"]
                   and i["outcome"] == "not_found")  # fmt: skip
    assert refused["who"] == "coord_b" and refused["role"] == "Coordinator"
    assert refused["action_words"] == "Opened the file"
    with session_scope() as s:
        of_y2 = s.exec(select(AuditEvent.id).where(AuditEvent.youth_id == w.ids["y2"])).all()
    assert of_y2 and not {i["id"] for i in items} & set(of_y2)  # y2's rows exist, not here
    only = w.get("coord_a", f"/youths/{w.ids['y1']}/access-log",
                 params={"outcome": "refused"}).json()["items"]  # fmt: skip
    assert only and {i["outcome"] for i in only} <= {"denied", "not_found", "error"}
    assert any(i["actor_id"] == w.ids["coord_b"] for i in only)


def test_reading_the_log_is_audited_and_listed(world):
    w = world
    w.get("supervisor", f"/youths/{w.ids['y1']}/access-log")
    items = w.get("admin", f"/youths/{w.ids['y1']}/access-log").json()["items"]
    assert [(i["actor_id"], i["action"]) for i in items[:1]] == [
        (w.ids["supervisor"], "youths.access_log")
    ]  # the admin's own read is written after its answer: the supervisor's is the newest


def test_the_csv_export_has_the_same_rows_as_the_log(world):
    w = world
    # Audit rows outlive each test (append-only; the ids of youths restart): the rows of
    # this test are those after the last one written before it.
    with session_scope() as s:
        before = max(s.exec(select(AuditEvent.id)).all(), default=0) or 0
    traffic(w)
    listed = w.get("coord_a", f"/youths/{w.ids['y1']}/access-log",
                   params={"page_size": 100}).json()["items"]  # fmt: skip
    listed = [item for item in listed if item["id"] > before]
    exported = w.get("coord_a", f"/youths/{w.ids['y1']}/access-log", params={"format": "csv"})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == ["When", "Who", "Role", "What", "On", "Outcome"]
    # The export's first row is the read of the log just before it; then the same rows.
    assert body[0][1:4] == ["coord_a", "Coordinator", "Read who looked at the file"]
    assert [r[1:] for r in body[1 : 1 + len(listed)]] == [
        [i["who"] or "", i["role"], i["action_words"], i["object_words"], i["outcome_words"]]
        for i in listed
    ]
    sheet = w.get("coord_a", f"/youths/{w.ids['y1']}/access-log", params={"format": "xlsx"})
    book = load_workbook(io.BytesIO(sheet.content))
    # The xlsx came after the csv: two more rows (the csv's export and its log read).
    assert book.active.max_row == len(rows) + 2


def test_mediators_and_partners_are_refused_and_other_institutions_do_not_find_it(world):
    w = world
    path = f"/youths/{w.ids['y1']}/access-log"
    for who in ("m1", "partner"):
        answer = w.get(who, path)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
        assert w.get(who, path, params={"format": "csv"}).status_code == 403
    assert w.get("coord_b", path).status_code == 404
    assert w.get("coord_b", "/youths/999999/access-log").json() == w.get("coord_b", path).json()
    assert (
        w.get("coord_a", path, params={"since": "2026-02-01", "until": "2026-01-01"}).status_code
        == 422
    )
