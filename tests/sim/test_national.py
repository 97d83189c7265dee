"""The national data set: its counts, distributions, accounts and the sweep's share of work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from mowakaba.cli.root import app
from mowakaba.enums import EducationLevel, Role, VocationalLevel, WorkItemKind
from mowakaba.models import User, UserInstitution, WorkItem, Youth
from mowakaba.services import users as user_service
from mowakaba.sim.national import AS_OF, NATIONAL_PASSWORD, NationalSummary, seed_national
from tests.conftest import _empty_tables

YOUTHS = 300


@pytest.fixture(scope="module")
def national(engine: Engine) -> Iterator[NationalSummary]:
    """The national set at 300 youths, written once for the module's tests."""
    _empty_tables(engine)
    yield seed_national(YOUTHS, seed=3)
    _empty_tables(engine)


def _share(session: Session, where: sa.ColumnElement[bool]) -> float:
    total = session.exec(select(func.count()).select_from(Youth)).one()
    return session.exec(select(func.count()).select_from(Youth).where(where)).one() / total


def test_national_set_counts_every_row_it_writes(national: NationalSummary, engine: Engine) -> None:
    with Session(engine) as session:
        for table in ("youth", "work_item", "escalation", "notification", "referral"):
            written = session.exec(select(func.count()).select_from(sa.table(table))).one()
            assert national.rows[table] == written
    assert national.rows["youth"] == YOUTHS
    assert 8 * YOUTHS <= national.rows["work_item"] <= 25 * YOUTHS
    assert national.rows["referral_transition"] > national.rows["referral"] > 0
    assert national.rows["follow_up"] > 0 and national.rows["exit_extension"] > 0


def test_national_set_follows_the_programme_figures(
    national: NationalSummary, engine: Engine
) -> None:
    with Session(engine) as session:
        primary = _share(session, Youth.education_level.in_(  # type: ignore[attr-defined]
            [EducationLevel.none, EducationLevel.primary]))  # fmt: skip
        higher = _share(session, Youth.education_level.in_(  # type: ignore[attr-defined]
            [EducationLevel.secondary, EducationLevel.university]))  # fmt: skip
        basic = _share(session, Youth.vocational_level == VocationalLevel.basic)  # type: ignore[arg-type]
        leavers = session.exec(
            select(Youth.date_of_birth, Youth.exit_date).where(Youth.exit_date.is_not(None))  # type: ignore[union-attr]
        ).all()
        ages = session.exec(select(Youth.date_of_birth)).all()
    assert 0.38 <= primary <= 0.58  # CONTEXT.md: ~48 % no further than primary
    assert 0.12 <= higher <= 0.32  # 22 % secondary or university
    assert 0.46 <= basic <= 0.66  # 56 % basic qualification
    past_19 = sum(exit_date - born > timedelta(days=19 * 365) for born, exit_date in leavers)
    assert leavers and past_19 / len(leavers) >= 0.5  # 68 % of leavers past 19
    assert all(14 * 365 <= (AS_OF - born).days <= 24 * 365 for born in ages)


def test_about_one_open_item_in_twenty_is_due_on_the_benchmark_date(
    national: NationalSummary, engine: Engine
) -> None:
    with Session(engine) as session:
        open_items = session.exec(
            select(func.count()).select_from(WorkItem).where(WorkItem.status == "open")
        ).one()
        due = session.exec(
            select(func.count()).select_from(WorkItem).where(
                WorkItem.status == "open", WorkItem.escalation_level == 0,
                WorkItem.due_date <= AS_OF + timedelta(days=7),  # type: ignore[operator]
                WorkItem.kind != WorkItemKind.follow_up_checkpoint,
            )
        ).one()  # fmt: skip
    assert open_items == national.open_items
    assert due == national.due_items
    assert 0.02 <= due / open_items <= 0.09


def test_every_institution_has_a_coordinator_and_mediators_with_a_caseload(
    national: NationalSummary, engine: Engine
) -> None:
    by_role: dict[str, list[tuple[str, str, int | None]]] = {}
    for account in national.accounts:
        by_role.setdefault(account[1], []).append(account)
    homes = {home for _, _, home in by_role["mediator"]}
    assert homes == {home for _, _, home in by_role["coordinator"]}
    assert len(homes) == national.institutions
    assert by_role["admin"] and by_role["supervisor"] and by_role["partner"]
    with Session(engine) as session:
        caseloads = dict(
            session.exec(select(Youth.mediator_id, func.count()).group_by(Youth.mediator_id)).all()
        )
        mediators = session.exec(select(User).where(User.role == Role.mediator)).all()
        member = session.exec(select(UserInstitution).where(
            UserInstitution.user_id == mediators[0].id)).one()  # fmt: skip
    assert len(mediators) == len(by_role["mediator"]) >= 2 * national.institutions
    assert all(caseloads.get(m.id, 0) >= 1 for m in mediators)
    assert (mediators[0].username, "mediator", member.institution_id) in national.accounts
    assert user_service.verify_password(mediators[0].password_hash, NATIONAL_PASSWORD)


def test_rows_added_after_the_set_get_fresh_ids(national: NationalSummary, engine: Engine) -> None:
    with Session(engine) as session:
        highest = session.exec(select(func.max(User.id))).one()
        user = user_service.create_user(
            session, username="after.seed", password="another-pass-2026", role=Role.admin
        )
        session.flush()
        assert user.id is not None and highest is not None and user.id > highest
        session.rollback()


def test_bench_seed_refuses_a_database_that_holds_youths(national: NationalSummary) -> None:
    result = CliRunner().invoke(app, ["bench", "seed", "--youths", "5"])
    assert result.exit_code == 2, result.output
