"""The CNDP declaration (docs/privacy.md) is generated from the data model and stays true."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlmodel import SQLModel
from typer.testing import CliRunner

import mowakaba.models  # noqa: F401  (every table on the metadata)
from mowakaba import disclosure, privacy_declaration
from mowakaba.cli.root import app
from mowakaba.enums import Role
from mowakaba.settings import REPO_ROOT, get_settings

DOC = REPO_ROOT / "docs" / "privacy.md"


def test_every_table_has_a_data_category():
    assert privacy_declaration.unclassified(SQLModel.metadata) == []
    assert set(privacy_declaration.TABLES) == set(SQLModel.metadata.tables)  # none left over


def test_docs_privacy_holds_the_declaration_of_the_current_model():
    generated = privacy_declaration.render(SQLModel.metadata, get_settings())
    text = DOC.read_text(encoding="utf-8")
    assert privacy_declaration.splice(text, generated) == text, (
        "docs/privacy.md is stale: run `mowakaba privacy declaration --write`"
    )


def test_a_table_without_a_category_is_refused():
    metadata = MetaData()
    Table("secret_dossier", metadata, Column("id", Integer, primary_key=True))
    assert privacy_declaration.unclassified(metadata) == ["secret_dossier"]
    with pytest.raises(ValueError, match="secret_dossier"):
        privacy_declaration.render(metadata, get_settings())


def test_the_declaration_lists_sensitive_columns_recipients_and_retention():
    retention = SimpleNamespace(case_file_years=7, sensitive_notes_years=2, documents_years=3,
                                audit_trail_years=10, notifications_months=6,
                                run_history_months=12)  # fmt: skip
    text = privacy_declaration.render(SQLModel.metadata, SimpleNamespace(retention=retention))
    assert "| `case_note_version` | health / sensitive | sensitive_notes | 2 years |" in text
    assert "| audit_trail | 10 years | the event |" in text
    assert "`guardian_name`, `guardian_relation`, `guardian_phone`" in text
    # A partner: first name always, last name under consent, the date of birth never.
    assert "| date of birth | `youth.date_of_birth` | — | ✓ | ✓ | ✓ | — |" in text
    assert "| last name (Latin script) | `youth.last_name` | — | ✓ | ✓ | ✓ | *consent* |" in text
    # Without retention settings (or one of them), nothing is said to be deleted.
    bare = privacy_declaration.render(SQLModel.metadata, SimpleNamespace())
    assert f"| run_history | {privacy_declaration.NOT_SET} |" in bare


def test_partners_never_see_the_file_beyond_the_referral():
    allowed = disclosure.ALLOWED[Role.partner]
    for key in ("youth.date_of_birth", "youth.notes", "guardianship.guardian_name",
                "case_note.text", "case_note.sensitive_text", "assessment_axis.needs"):  # fmt: skip
        assert not disclosure.may_see(Role.partner, key)
    assert {allowed[k] for k in ("youth.last_name", "contact.value")} == {disclosure.Access.consent}
    assert not disclosure.may_see(Role.partner, "youth.last_name", under_consent=False)
    assert disclosure.may_see(Role.partner, "youth.first_name", under_consent=False)
    assert not disclosure.may_see(Role.supervisor, "case_note.sensitive_text")
    assert disclosure.may_see(Role.supervisor, "case_note.text")


def test_the_command_prints_and_writes_the_declaration(tmp_path, monkeypatch):
    printed = CliRunner().invoke(app, ["privacy", "declaration"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith(privacy_declaration.BEGIN)
    stale = tmp_path / "docs" / "privacy.md"
    stale.parent.mkdir()
    stale.write_text(
        f"# Privacy\n{privacy_declaration.BEGIN}\nstale-part\n{privacy_declaration.END}\nend\n"
    )
    monkeypatch.setattr("mowakaba.settings.REPO_ROOT", tmp_path)
    written = CliRunner().invoke(app, ["privacy", "declaration", "--write"])
    assert written.exit_code == 0 and "updated" in written.output, written.output
    text = stale.read_text()
    assert "stale-part" not in text and "### Recipients" in text
    assert text.endswith("END GENERATED -->\nend\n")
    again = CliRunner().invoke(app, ["privacy", "declaration", "--write"])
    assert "up to date" in again.output
