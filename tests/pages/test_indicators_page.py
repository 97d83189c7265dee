"""The indicators page: the filters, each indicator with its headline, definition, charts
and their tables, "no data" said as such, Arabic mirrored, and the scope kept."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import create_app
from api.pages.indicators import indicator_table_rows
from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.indicators import INDICATOR_KEYS
from mowakaba.models import AuditEvent, User
from mowakaba.services import indicator_snapshots as snapshot_service
from mowakaba.services.indicators import BreakdownRow, Figure, Indicator
from tests.api.conftest import build_world
from tests.pages.conftest import sign_in


@pytest.fixture
def world(committed):  # type: ignore[no-untyped-def]
    return build_world()


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    with TestClient(create_app(), base_url="http://testserver") as c:
        yield c


def as_(client: TestClient, who: str, language: Language | None = None) -> TestClient:
    if language is not None:
        with session_scope() as s:
            user = s.exec(select(User).where(User.username == who)).one()
            user.language = language
    assert sign_in(client, who).status_code == 303
    return client


def test_every_indicator_is_shown_with_its_definition_charts_and_tables(world, client):
    with session_scope() as s:  # two nightly snapshots: the trend has two points
        for days in (1, 0):
            snapshot_service.store_snapshot(s, day=date.today() - timedelta(days=days))
    page = as_(client, "coord_a", Language.en).get("/indicators")
    assert page.status_code == 200, page.text
    html = page.text
    for key in INDICATOR_KEYS:
        assert f'data-indicator="{key}"' in html
    assert "Profile of the young people due to leave" in html
    assert "Integrated: in touch, and stably housed" in html  # beside the outcomes
    # Nobody to count: said as such, never a 0 % or an error.
    assert "No data" in html
    # Every chart is an SVG with a title, and has a table.
    charts = re.findall(
        r'<svg class="(trend|bars)"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html
    )
    assert charts and all(f'id="{label}"' in html for _, label in charts)
    assert html.count('<svg class="trend"') == len(INDICATOR_KEYS)
    assert html.count("Table view of the trend") == len(INDICATOR_KEYS)
    assert "<table" in html and "<caption" in html
    # The coordinator chooses among their institutions only; no region, no nation.
    assert f'value="institution:{world.ids["inst_a"]}"' in html
    assert f'value="institution:{world.ids["inst_b"]}"' not in html
    assert "region:" not in html and "National (every institution)" not in html
    with session_scope() as s:
        assert (
            s.exec(
                __import__("sqlmodel")
                .select(AuditEvent)
                .where(AuditEvent.action == "indicators.read")
            ).first()
            is not None
        )


def test_an_admin_chooses_the_nation_a_region_or_an_institution(world, client):
    html = as_(client, "admin", Language.en).get("/indicators").text
    assert "National (every institution)" in html
    assert 'value="region:Fès-Meknès"' in html
    one = client.get("/indicators", params={"scope": "region:Fès-Meknès"})
    assert one.status_code == 200
    assert 'value="region:Fès-Meknès" selected' in one.text
    cohort = client.get("/indicators", params={"cohort": str(date.today().year)})
    assert cohort.status_code == 200
    assert f'value="{date.today().year}" selected' in cohort.text
    assert "The trend counts every year of exit" in cohort.text


def test_another_institution_is_the_404_page_and_bad_filters_say_why(world, client):
    as_(client, "coord_a", Language.en)
    stranger = client.get("/indicators", params={"scope": f"institution:{world.ids['inst_b']}"})
    assert stranger.status_code == 404
    for params, message in (
        ({"from": "2026-02-30"}, "Enter a date as YYYY-MM-DD"),
        ({"from": "2026-06-01", "to": "2026-01-01"}, "The period must start before it ends."),
        ({"cohort": "abcd"}, "Choose a year of exit from the list."),
        ({"scope": "everything"}, "Choose an institution or a region from the list."),
    ):
        response = client.get("/indicators", params=params)
        assert response.status_code == 422, params
        assert message in response.text and 'aria-invalid="true"' in response.text
        assert 'data-indicator="' not in response.text  # nothing computed on bad filters


def test_the_arabic_page_mirrors_the_trend(world, client):
    with session_scope() as s:
        snapshot_service.store_snapshot(s, day=date.today() - timedelta(days=200))
        snapshot_service.store_snapshot(s, day=date.today())
    html = as_(client, "coord_a", Language.ar).get("/indicators").text
    assert 'dir="rtl"' in html
    # Time runs right to left: the older point is on the right of the newer one.
    (section,) = re.findall(r'data-indicator="escalations_open".*?</section>', html, re.S)
    xs = [float(x) for x in re.findall(r'<circle class="point" cx="([\d.]+)"', section)]
    assert len(xs) == 2 and xs[0] > xs[1]


def test_a_breakdown_table_is_plain_values_for_an_export():
    indicator = Indicator(
        key="timeliness",
        headline=Figure("on_time", 3, 4, 0.75, "share"),
        figures=(),
        breakdown_columns=("dimension", "item"),
        breakdown=(
            BreakdownRow(("kind", "plan_review"), (Figure("due", 4, None, 4.0, "count"),
                                                   Figure("on_time", 3, 4, 0.75, "share"))),
            BreakdownRow(("mediator", "mediator:7"), (Figure("on_time", 0, 0, None, "share"),)),
        ),
    )  # fmt: skip
    header, rows = indicator_table_rows(indicator, Language.fr, names={"mediator:7": "Nadia"})
    assert header == ["Ventilation", "Élément", "Échéance", "Faites à temps (%)",
                      "Faites à temps (n/N)"]  # fmt: skip
    assert rows == [
        ["Type de travail", "Révision du programme", 4.0, 75.0, "3/4"],
        ["Médiateur social", "Nadia", "", None, "0/0"],
    ]
    header, rows = indicator_table_rows(indicator, Language.en, dimension="kind")
    assert header[0] == "Kind of work" and rows == [["Plan review", 4.0, 75.0, "3/4"]]


def test_the_page_exports_every_indicator_or_one_with_its_filters(world, client):
    page = as_(client, "coord_a", Language.en).get("/indicators", params={"cohort": "2025"})
    assert 'href="/indicators?cohort=2025&amp;format=csv"' in page.text
    assert 'href="/indicators?cohort=2025&amp;indicator=timeliness&amp;format=xlsx"' in page.text
    whole = client.get("/indicators", params={"cohort": "2025", "format": "csv"})
    assert whole.status_code == 200 and whole.content.startswith(b"\xef\xbb\xbf")
    assert whole.headers["content-disposition"].startswith('attachment; filename="indicators-')
    lines = whole.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Indicator,Breakdown,Item,Figure,Value,Unit,n,N"
    titles = {line.split(",")[0] for line in lines[1:]}
    assert "Work done on time" in titles and "Outcomes 12 months after leaving care" in titles
    one = client.get("/indicators", params={"indicator": "timeliness", "format": "xlsx"})
    assert one.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert (
        client.get("/indicators", params={"indicator": "nope", "format": "csv"}).status_code == 404
    )
    with session_scope() as s:
        export = s.exec(select(AuditEvent).where(AuditEvent.action == "export")
                        .order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]  # fmt: skip
        assert export is not None and export.object_type == "indicators.read"
