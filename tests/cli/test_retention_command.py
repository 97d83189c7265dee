"""`mowakaba retention run [--dry-run]`, here with no Prefect server answering: the same
tasks run in the command's process; the youth's runs wait for a run with Prefect."""

from __future__ import annotations

import socket

from sqlmodel import select
from typer.testing import CliRunner

from mowakaba.cli import app
from mowakaba.db import session_scope
from mowakaba.enums import RecordClass
from mowakaba.models import RetentionPurge, Youth
from mowakaba.settings import get_settings
from tests.services.retention_world import build, texts_of

runner = CliRunner()


def test_a_dry_run_lists_then_a_run_purges_without_prefect(committed, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MOWAKABA_PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    get_settings.cache_clear()
    with session_scope() as s:
        w = build(s)
        code = s.get(Youth, w.youth_id).code
        before = texts_of(s, w.youth_id)
    dry = runner.invoke(app, ["retention", "run", "--dry-run", "--as-of", "2026-11-30"])
    assert dry.exit_code == 0, dry.output
    assert f"{code} documents: would purge document=2" in dry.output
    assert f"{code} case_file: would purge youth=1" in dry.output
    assert "(dry run: nothing changed)" in dry.output
    with session_scope() as s:
        assert texts_of(s, w.youth_id) == before
    # A purge cannot be undone: never as of a day still to come (a dry run may look ahead).
    ahead = runner.invoke(app, ["retention", "run", "--as-of", "2099-01-01"])
    assert ahead.exit_code != 0 and "--dry-run" in ahead.output
    assert (
        runner.invoke(app, ["retention", "run", "--dry-run", "--as-of", "2099-01-01"]).exit_code
        == 0
    )
    with session_scope() as s:
        assert texts_of(s, w.youth_id) == before
    done = runner.invoke(app, ["retention", "run", "--as-of", "2026-11-30"])
    assert done.exit_code == 0, done.output
    assert f"{code} sensitive_notes: purged case_note=1, case_note_version=1" in done.output
    with session_scope() as s:
        assert "Karim" not in texts_of(s, w.youth_id)
        mark = s.exec(select(RetentionPurge).where(
            RetentionPurge.record_class == RecordClass.run_history)).one()  # fmt: skip
        assert mark.pending  # Prefect did not answer: the next run deletes the runs
    again = runner.invoke(app, ["retention", "run", "--as-of", "2026-11-30"])
    assert again.exit_code == 0 and f"{code} documents" not in again.output
    get_settings.cache_clear()
