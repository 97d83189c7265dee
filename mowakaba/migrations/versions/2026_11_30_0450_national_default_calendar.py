"""a national default calendar that an admin corrects per year

`national_holiday`: the national default's days off, computed once per year
(`national_calendar_year` says which years) and then corrected by an admin;
an institution's year is seeded from it.

Revision ID: 84f4052040ee
Revises: 7d2e4b9c1a38
Create Date: 2026-12-02 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import mowakaba.db

revision: str = "84f4052040ee"
down_revision: str | None = "7d2e4b9c1a38"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "national_calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seeded_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_national_calendar_year")),
    )
    op.create_table(
        "national_holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holiday_date", sa.Date(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "fixed", "religious", "local", name="holidaykind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_holiday")),
        sa.UniqueConstraint("holiday_date", name=op.f("uq_national_holiday_holiday_date")),
    )


def downgrade() -> None:
    op.drop_table("national_holiday")
    op.drop_table("national_calendar_year")
