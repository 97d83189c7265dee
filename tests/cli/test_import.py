"""`mowakaba youths import`: the sample register checked, imported valid rows only, twice."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from mowakaba.cli import app
from mowakaba.db import session_scope
from mowakaba.models import Youth

SAMPLE = str(Path(__file__).parents[2] / "docs" / "sample-register.csv")
runner = CliRunner()


@pytest.fixture
def no_prefect(monkeypatch):  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MOWAKABA_PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    from mowakaba.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def youths() -> int:
    with session_scope() as s:
        return s.exec(select(func.count()).select_from(Youth)).one()


def test_the_sample_register_from_the_command_line(committed, no_prefect):
    added = runner.invoke(app, ["institutions", "add", "--name", "Dar Al Atfal Ain Chock",
                                "--region", "Casablanca-Settat"])  # fmt: skip
    assert added.exit_code == 0, added.output
    common = ["youths", "import", SAMPLE, "--institution", "Dar Al Atfal Ain Chock",
              "--as-of", "2026-11-30"]  # fmt: skip
    checked = runner.invoke(app, [*common, "--dry-run"])
    assert checked.exit_code == 1 and "row 4, column 'Date de naissance'" in checked.output
    assert "8 valid, 5 with errors" in checked.output and youths() == 0
    refused = runner.invoke(app, common)
    assert refused.exit_code == 2 and "nothing imported" in refused.output and youths() == 0
    imported = runner.invoke(app, [*common, "--valid-only"])
    assert imported.exit_code == 0, imported.output
    assert "8 young people imported" in imported.output and youths() == 8
    again = runner.invoke(app, [*common, "--valid-only"])
    assert "0 young people imported" in again.output and youths() == 8
    assert "9 already registered" in again.output
    mapped = runner.invoke(app, [*common, "--dry-run", "--map", "Sexe=none"])
    assert mapped.exit_code == 2 and "no column for: sex" in mapped.output
