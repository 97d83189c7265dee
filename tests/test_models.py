"""The data model: migrations agree with the models, types round-trip, constraints hold."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from mowakaba import migrate
from mowakaba.enums import AuditOutcome, EducationLevel, Sex, Stage, VocationalLevel, WorkItemKind
from mowakaba.models import AuditEvent, Institution, WorkItem, Youth


def test_models_and_migrations_agree(engine):
    assert migrate.current(engine) is not None
    assert migrate.differences(engine) == []


def test_the_quick_schema_check_reads_the_same_head_as_alembic(engine, tmp_path):
    assert migrate.heads_on_disk() == {migrate.head()}
    assert migrate.is_current(engine)
    empty = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert not migrate.is_current(empty)
    with empty.begin() as connection:
        connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(sa.text("INSERT INTO alembic_version VALUES ('379b11c89c50')"))
    assert not migrate.is_current(empty)  # an older revision is not current
    empty.dispose()


def test_every_table_has_a_named_primary_key_and_sensitive_columns_are_marked():
    youth = SQLModel.metadata.tables["youth"]
    assert youth.c.notes.info.get("sensitive") is True
    assert not youth.c.first_name.info.get("sensitive")
    for table in SQLModel.metadata.tables.values():
        assert table.primary_key.name == f"pk_{table.name}"


def make_institution(session, name="Dar Al Atfal Casablanca"):
    institution = Institution(name=name, region="Casablanca-Settat")
    session.add(institution)
    session.flush()
    return institution


def make_youth(session, institution, **kw):
    values = dict(
        code=f"Y{kw.pop('n', 1):05d}",
        first_name="Amine",
        last_name="Test",
        date_of_birth=date(2012, 3, 15),
        sex=Sex.male,
        institution_id=institution.id,
        admission_date=date(2020, 1, 1),
        registered_date=date(2026, 11, 29),
        education_level=EducationLevel.lower_secondary,
        vocational_level=VocationalLevel.none,
        stage_entered_date=date(2026, 11, 29),
    )
    values.update(kw)
    youth = Youth(**values)
    session.add(youth)
    session.flush()
    return youth


def test_datetimes_come_back_aware_and_utc(session):
    institution = make_institution(session)
    plus_one = timezone(timedelta(hours=1))
    institution.created_at = datetime(2026, 2, 14, 0, 30, tzinfo=plus_one)
    session.flush()
    session.expire_all()
    again = session.get(Institution, institution.id)
    assert again.created_at == datetime(2026, 2, 13, 23, 30, tzinfo=UTC)
    assert again.created_at.tzinfo is not None


def test_enums_and_the_presumed_birth_flag_round_trip(session):
    youth = make_youth(session, make_institution(session), date_of_birth_presumed=True)
    session.expire_all()
    again = session.get(Youth, youth.id)
    assert again.stage is Stage.enrolled
    assert again.date_of_birth_presumed is True
    raw = session.execute(sa.text("SELECT stage, sex FROM youth WHERE id = :id"), {"id": youth.id})
    assert tuple(raw.one()) == ("enrolled", "male")


def test_a_work_item_is_unique_per_youth_kind_and_subject(session):
    institution = make_institution(session)
    youth = make_youth(session, institution)

    def item():
        return WorkItem(
            youth_id=youth.id,
            institution_id=institution.id,
            kind=WorkItemKind.intake_assessment,
            assignee_pool="institution_coordinators",
            due_date=date(2026, 12, 29),
        )

    session.add(item())
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(item())
        session.flush()


def test_a_work_item_has_exactly_one_kind_of_assignee(session):
    institution = make_institution(session)
    youth = make_youth(session, institution)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            WorkItem(
                youth_id=youth.id,
                institution_id=institution.id,
                kind=WorkItemKind.record_exit,
                due_date=date(2030, 3, 15),
            )
        )
        session.flush()


def test_audit_events_cannot_be_changed_or_deleted(session):
    event = AuditEvent(
        action="read", object_type="youth", object_id="1", outcome=AuditOutcome.allowed
    )
    session.add(event)
    session.flush()
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), session.begin_nested():
            session.execute(sa.text(statement))


def test_foreign_keys_are_enforced(session):
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            WorkItem(
                youth_id=999_999,
                institution_id=999_999,
                kind=WorkItemKind.record_exit,
                assignee_pool="institution_coordinators",
                due_date=date(2030, 3, 15),
            )
        )
        session.flush()


def test_the_suite_runs_on_the_database_it_was_asked_for(engine):
    from tests import dbsetup

    assert engine.dialect.name == dbsetup.backend()


def test_the_upgrade_gives_existing_work_items_the_timings_in_force(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "d388c4c1503b")  # before work items kept their timings
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO work_item (youth_id, institution_id, kind, subject, assignee_pool,"
                " due_date, status, cycle, escalation_level, created_at) VALUES (1, 1,"
                " 'plan_approval', 'v1', 'institution_coordinators', '2026-12-04', 'open',"
                " 0, 0, '2026-11-27 09:00:00')"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        kept = connection.execute(
            sa.text("SELECT reminder_days, escalation_working_days FROM work_item")
        ).one()
    assert tuple(kept) == ("7,1", "3,10")
    migrate.downgrade(engine, "d388c4c1503b")
    engine.dispose()
