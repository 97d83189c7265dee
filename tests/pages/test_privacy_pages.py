"""Privacy pages: a coordinator answers an access request in two clicks from the youth
file (PDF and JSON archive, audited with counts and no content); who looked at the file,
filtered and exported; refused to mediators and partners."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from sqlmodel import func, select

from mowakaba.db import session_scope
from mowakaba.enums import AuditOutcome, Language, Role
from mowakaba.models import AuditEvent, User
from tests.factories import make_user
from tests.pages.conftest import sign_in
from tests.pages.test_session import audit_mark, audit_since

LINK = re.compile(r'href="(/youths/\d+/access-request)"')


def english(world) -> None:
    with session_scope() as s:
        for user in s.exec(select(User)):
            user.language = Language.en
            s.add(user)


def test_a_coordinator_answers_an_access_request_in_two_clicks(world, browser_client):
    late = world.ids["late"]
    sign_in(browser_client, "coord")
    file_page = browser_client.get(f"/youths/{late}")
    [request_page] = LINK.findall(file_page.text)  # click 1: from the file
    page = browser_client.get(request_page)
    assert page.status_code == 200
    assert f'href="/youths/{late}/access-request/pdf"' in page.text
    assert f'href="/youths/{late}/access-request/zip"' in page.text
    before = audit_mark()
    pdf = browser_client.get(f"/youths/{late}/access-request/pdf")  # click 2
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    archive = browser_client.get(f"/youths/{late}/access-request/zip")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    document = json.loads(zipfile.ZipFile(io.BytesIO(archive.content)).read("subject-access.json"))
    assert document["records"]["youth"][0]["first_name"] == "Amine"
    rows = audit_since(before, "youths.subject_access_export")
    assert [r.detail["format"] for r in rows] == ["pdf", "zip"]  # one row per download
    assert all(r.youth_id == late for r in rows)
    kept = json.dumps([r.detail for r in rows])
    assert "Amine" not in kept and world.codes["late"] not in kept  # counts, never content
    assert rows[-1].detail["counts"]["youth"] == 1


def test_mediators_and_partners_get_neither_page(world, browser_client):
    late = world.ids["late"]
    sign_in(browser_client, "med1")
    assert "/access-request" not in browser_client.get(f"/youths/{late}").text
    for path in ("access-request", "access-request/pdf", "access-request/zip", "access-log"):
        assert browser_client.get(f"/youths/{late}/{path}").status_code == 403, path


def test_the_access_log_page_lists_filters_and_exports(world, browser_client):
    english(world)
    late = world.ids["late"]
    sign_in(browser_client, "med1")
    browser_client.get(f"/youths/{late}")
    browser_client.get(f"/youths/{late}/access-log")  # refused: a mediator
    browser_client.post("/sign-out", data={})
    browser_client.cookies.clear()
    sign_in(browser_client, "coord")
    page = browser_client.get(f"/youths/{late}/access-log")
    assert page.status_code == 200
    assert "Nadia Alaoui" in page.text and "Opened the file" in page.text
    assert 'data-outcome="denied"' in page.text
    refused = browser_client.get(f"/youths/{late}/access-log?outcome=refused").text
    assert 'data-outcome="denied"' in refused and 'data-outcome="allowed"' not in refused
    exported = browser_client.get(f"/youths/{late}/access-log?outcome=refused&format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "Role", "What", "On", "Outcome"]
    # The audit trail outlives a test's tables (append-only): count the youth's refusals.
    with session_scope() as s:
        refusals = s.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.youth_id == late, AuditEvent.outcome != AuditOutcome.allowed)).one()  # fmt: skip
    assert len(rows) - 1 == refusals
    assert ["Nadia Alaoui", "Mediator", "Read who looked at the file", "Refused"] in [
        r[1:4] + r[5:] for r in rows[1:]
    ]


def test_an_admin_reads_the_log_but_not_the_file_and_a_missing_youth_is_404(world, browser_client):
    with session_scope() as s:
        make_user(s, Role.admin, username="admin1")
    late = world.ids["late"]
    sign_in(browser_client, "admin1")
    log = browser_client.get(f"/youths/{late}/access-log")
    assert log.status_code == 200 and f'href="/youths/{late}"' not in log.text
    assert browser_client.get(f"/youths/{late}/access-request").status_code == 403
    browser_client.cookies.clear()
    sign_in(browser_client, "coord")
    before = audit_mark()
    assert browser_client.get("/youths/999999/access-request/zip").status_code == 404
    [refused] = audit_since(before, "youths.subject_access_export")
    assert refused.outcome == AuditOutcome.not_found and refused.detail is None
