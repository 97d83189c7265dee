"""case notes and lasting contacts

Revision ID: 6467b222d865
Revises: 06e45c7db8a3
Create Date: 2026-11-30 09:27:10.476283+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import mowakaba.db

revision: str = "6467b222d865"
down_revision: str | None = "06e45c7db8a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_case_note_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_case_note_youth_id_youth"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
        sa.UniqueConstraint("youth_id", "number", name=op.f("uq_case_note_youth_id_number")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "case_note_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "visit",
                "call",
                "meeting",
                "message",
                "other",
                name="notekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("with_whom", sa.JSON(), nullable=False),
        sa.Column("contact_date", sa.Date(), nullable=False),
        sa.Column(
            "sensitivity",
            sa.Enum(
                "none",
                "health",
                "family",
                "justice",
                name="sensitivity",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("written_by_id", sa.Integer(), nullable=False),
        sa.Column("written_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["case_note.id"],
            name=op.f("fk_case_note_version_note_id_case_note"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["user_account.id"],
            name=op.f("fk_case_note_version_written_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note_version")),
        sa.UniqueConstraint(
            "note_id", "version", name=op.f("uq_case_note_version_note_id_version")
        ),
    )
    with op.batch_alter_table("case_note_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_version_note_id"), ["note_id"], unique=False)

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("relation", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(sa.Column("confirmed_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_contact_recorded_by_id_user_account"),
            "user_account",
            ["recorded_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contact_recorded_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("recorded_by_id")
        batch_op.drop_column("confirmed_date")
        batch_op.drop_column("relation")
        batch_op.drop_column("name")
        batch_op.drop_column("position")

    with op.batch_alter_table("case_note_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_version_note_id"))

    op.drop_table("case_note_version")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_youth_id"))

    op.drop_table("case_note")
