"""retention: legal holds, objection and deletion requests, purges done; the audit trail
may lose rows older than its floor

`audit_event` stays append-only for every row younger than AUDIT_FLOOR_YEARS (5): UPDATE
is refused always, DELETE of a recent row too; the retention flow deletes older rows
(settings.retention.audit_trail_years, never below the floor).

Revision ID: 5e1c7a9d2b40
Revises: c41d7e2a9b05
Create Date: 2026-11-30 14:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import mowakaba.db

revision: str = "5e1c7a9d2b40"
down_revision: str | None = "c41d7e2a9b05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows younger than this can never be deleted, whatever the settings say.
AUDIT_FLOOR_YEARS = 5


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        _fk("legal_hold", "youth_id", "youth"),
        _fk("legal_hold", "placed_by_id", "user_account"),
        _fk("legal_hold", "lifted_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_hold_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "privacy_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "objection",
                "deletion",
                name="privacyrequestkind",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                "done",
                name="privacyrequeststatus",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        _fk("privacy_request", "youth_id", "youth"),
        _fk("privacy_request", "requested_by_id", "user_account"),
        _fk("privacy_request", "decided_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_request")),
    )
    with op.batch_alter_table("privacy_request", schema=None) as batch_op:
        batch_op.create_index("ix_privacy_request_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_request_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "retention_purge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column(
            "record_class",
            sa.Enum(
                "case_file",
                "sensitive_notes",
                "documents",
                "audit_trail",
                "notifications",
                "run_history",
                name="recordclass",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("purged_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        _fk("retention_purge", "youth_id", "youth"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_purge")),
        sa.UniqueConstraint(
            "youth_id", "record_class", name=op.f("uq_retention_purge_youth_id_record_class")
        ),
    )
    with op.batch_alter_table("retention_purge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_purge_youth_id"), ["youth_id"], unique=False)
    _audit_deletable_past_floor()


def downgrade() -> None:
    _audit_append_only_again()
    op.drop_table("retention_purge")
    op.drop_table("privacy_request")
    op.drop_table("legal_hold")


def _audit_deletable_past_floor() -> None:
    """UPDATE refused always; DELETE refused for a row younger than the floor."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' AND OLD.occurred_at < now() - interval "
            f"'{AUDIT_FLOOR_YEARS} years' THEN RETURN OLD; END IF; "
            "RAISE EXCEPTION 'audit_event is append-only'; END $$"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        op.execute(
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
            f"WHEN OLD.occurred_at >= datetime('now', '-{AUDIT_FLOOR_YEARS} years') "
            "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
        )


def _audit_append_only_again() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        op.execute(
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
        )
