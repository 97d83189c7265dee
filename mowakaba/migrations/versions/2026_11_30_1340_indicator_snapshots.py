"""indicator snapshots: each figure of each indicator, per institution, per day

Written by the nightly `indicators_snapshot` flow; the indicators page draws its trends
from them. Unique per (institution, day, figure): the snapshot is idempotent per day.

Revision ID: bf124f0c0cf3
Revises: 9d4f2a6c1e83
Create Date: 2026-11-30 13:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import mowakaba.db

revision: str = "bf124f0c0cf3"
down_revision: str | None = "9d4f2a6c1e83"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("indicator_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("figure_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=True),
        sa.Column("denominator", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("computed_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_indicator_snapshot_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_snapshot")),
        sa.UniqueConstraint(
            "institution_id",
            "snapshot_date",
            "figure_key",
            name=op.f("uq_indicator_snapshot_institution_id_snapshot_date_figure_key"),
        ),
    )
    with op.batch_alter_table("indicator_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_indicator_snapshot_figure_key_snapshot_date",
            ["figure_key", "snapshot_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("indicator_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_snapshot_figure_key_snapshot_date")

    op.drop_table("indicator_snapshot")
