"""The CLI as a person uses it: accounts, a youth, the work, a sweep, the inbox; bad input exits 2."""

import json

from typer.testing import CliRunner

from mowakaba.cli import app
from tests.prefect_helpers import run_scheduled_pathway_runs

runner = CliRunner()


def run(*args, ok=True, input=None):
    result = runner.invoke(app, list(args), input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result


ASSESSMENT = {
    "axes": {
        axis: {"score": 2 if axis == "housing" else 4, "needs": ""}
        for axis in [
            "health", "education_training", "employment", "social_assistance",
            "social_participation", "housing", "life_skills", "family_relations",
        ]
    }
}  # fmt: skip


def test_a_day_in_the_life_from_the_command_line(committed, deployed, tmp_path):
    run("institutions", "add", "--name", "Dar Al Atfal Ain Chock", "--region", "Casablanca-Settat")
    run("users", "create", "--username", "coord", "--password", "kasbah sunrise 42", "--role", "coordinator",
        "--institution-id", "1", "--email", "coord@example.ma", "--phone", "0612 34 56 78")  # fmt: skip
    run("users", "create", "--username", "med", "--password-stdin", "--role", "mediator",
        "--institution-id", "1", input="kasbah sunrise 42\n")  # fmt: skip
    users = run("users", "list").output
    assert "coord" in users and "med" in users and "kasbah" not in users
    assert "phone=0612 34 56 78" in users
    added = run("youths", "add", "--first-name", "Amine", "--last-name", "Benali", "--born", "2012-03-15",
                "--sex", "male", "--institution-id", "1", "--admitted", "2019-09-01",
                "--mediator", "med", "--as-of", "2026-11-29")  # fmt: skip
    assert "stage intake" in added.output and "intake_assessment" in added.output
    assert "1 work items" in run("work", "list", "--user", "med").output
    assert '"axes"' in run("work", "show", "1").output

    reminders = run("sweep", "--as-of", "2026-12-22")
    assert "reminders=1" in reminders.output
    assert "Rappel : Diagnostic d'entrée" in run("inbox", "--user", "med").output  # French
    escalated = run("sweep", "--as-of", "2027-01-04")
    assert "escalations_level_1=1" in escalated.output
    assert "Escalade (niveau 1)" in run("inbox", "--user", "coord").output
    delivered = run("deliver", "--as-of", "2027-01-04T09:00")
    assert "sent=1" in delivered.output and "<escalation.1.0.L1." in delivered.output

    payload = tmp_path / "intake.json"
    payload.write_text(json.dumps(ASSESSMENT))
    done = run(
        "work", "complete", "1", "--as", "med", "--payload", str(payload), "--as-of", "2027-01-05"
    )
    assert "pathway run" in done.output and "started" in done.output
    run_scheduled_pathway_runs()  # what serve() does in `mowakaba up`
    assert "stage planning" not in done.output
    assert "planning" in run("youths", "list").output
    assert "integration_plan" in run("work", "list", "--user", "med").output
    assert "closed" in run("escalations", "list", "--all").output


def test_bad_input_is_one_line_exit_2_and_changes_nothing(committed, tmp_path):
    run("institutions", "add", "--name", "Dar Al Atfal Fes", "--region", "Fes-Meknes")
    run("users", "create", "--username", "med", "--password", "kasbah sunrise 42", "--role", "mediator",
        "--institution-id", "1")  # fmt: skip
    cases = [
        ("users", "create", "--username", "x", "--password", "short", "--role", "mediator"),
        ("users", "create", "--username", "boss", "--password", "password", "--role", "admin"),
        ("users", "create", "--username", "boss", "--password", "password1234", "--role", "admin"),
        ("users", "create", "--username", "boss", "--password", "the boss of the place", "--role", "admin"),
        ("users", "disable", "nobody"),
        ("users", "set-role", "med", "--role", "coordinator"),
        ("users", "create", "--username", "boss", "--password", "kasbah sunrise 42", "--role", "king"),
        ("youths", "add", "--born", "2030-01-01", "--sex", "male", "--institution-id", "1",
         "--admitted", "2020-01-01", "--first-name", "A", "--last-name", "B"),
        ("youths", "add", "--born", "2012-01-01", "--sex", "male", "--institution-id", "9",
         "--admitted", "2020-01-01", "--first-name", "A", "--last-name", "B"),
        ("work", "complete", "99", "--as", "med", "--payload", str(tmp_path / "missing.json")),
        ("sweep", "--as-of", "yesterday"),
        ("reconcile", "42"),
    ]  # fmt: skip
    for case in cases:
        result = run(*case, ok=False)
        assert result.exit_code == 2, (case, result.output)
        assert result.output.startswith("error: "), (case, result.output)
        assert result.output.count("\n") == 1, (case, result.output)
    assert "0 young people" in run("youths", "list").output
    assert run("users", "list").output.count("\n") == 1


def test_an_unreachable_database_is_one_line_and_no_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        MOWAKABA_HOME=str(tmp_path),
        DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/nothing",
        MOWAKABA_SWEEP_BATCH_SIZE="500",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mowakaba.cli", "work", "list"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: the database does not answer or cannot be used:")
    assert "Traceback" not in done.stdout + done.stderr

    env.update(MOWAKABA_SWEEP_BATCH_SIZE="-3")
    done = subprocess.run(
        [sys.executable, "-m", "mowakaba.cli", "work", "list"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: a setting is invalid: sweep_batch_size: Input should be greater than 0 "
        "(see README, settings)"
    )


def test_a_date_beyond_the_calendars_is_one_line():
    from typer.testing import CliRunner

    from mowakaba.cli import app

    result = CliRunner().invoke(
        app, ["schedule", "--born", "2999-03-15", "--registered", "2026-11-29"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "Traceback" not in result.output


def test_an_operator_closes_resets_and_reassigns_accounts_and_each_change_is_audited(committed):
    from sqlmodel import select

    from mowakaba.db import session_scope
    from mowakaba.models import AuditEvent, User

    run("institutions", "add", "--name", "Dar Al Atfal Fes", "--region", "Fes-Meknes")
    run(
        "users",
        "create",
        "--username",
        "boss",
        "--password",
        "kasbah sunrise 42",
        "--role",
        "admin",
    )
    run("users", "create", "--username", "med", "--password", "kasbah sunrise 42", "--role", "mediator",
        "--institution-id", "1")  # fmt: skip
    assert "disabled" in run("users", "disable", "med").output
    assert "(disabled)" in run("users", "list").output
    assert "enabled" in run("users", "enable", "2").output
    reset = run("users", "reset-password", "med").output
    temporary = reset.split("temporary password: ")[1].strip()
    assert len(temporary) >= 12 and "must change" in reset
    assert "(must change password)" in run("users", "list").output
    assert "coordinator" in run("users", "set-role", "med", "--role", "coordinator",
                                "--institution-id", "1").output  # fmt: skip
    last_admin = run("users", "disable", "boss", ok=False)
    assert last_admin.exit_code == 2 and "last active admin" in last_admin.output
    with session_scope() as s:
        med = s.exec(select(User).where(User.username == "med")).one()
        assert med.must_change_password and med.credentials_version == 5
        actions = s.exec(
            select(AuditEvent.action).where(AuditEvent.role == "cli", AuditEvent.object_id == "2")
        ).all()
    assert set(actions) >= {"users.create", "users.disable", "users.enable",
                            "users.reset_password", "users.set_role"}  # fmt: skip
