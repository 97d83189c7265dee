"""`mowakaba bench` commands at tiny sizes: their exit codes, not their timings."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from mowakaba.cli.root import app
from mowakaba.models import Youth


def test_bench_seed_writes_the_set_into_an_empty_database(committed: Engine) -> None:
    result = CliRunner().invoke(app, ["bench", "seed", "--youths", "20"])
    assert result.exit_code == 0, result.output
    assert "national data set: 20 youths in 2 institutions" in result.output
    with Session(committed) as session:
        assert session.exec(select(func.count()).select_from(Youth)).one() == 20
