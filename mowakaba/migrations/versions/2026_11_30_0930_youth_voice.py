"""the young person's own voice: their goals and agreement on a plan, their view in an
assessment, the language of their documents

`plan.youth_goals` (sensitive) and the agreement (`agreement_method`, `_date`,
`_witness_name`, `_witness_role`, `_recorded_at`, `_recorded_by_id`);
`assessment.youth_view` (sensitive); `youth.language` (ar, fr or en; Arabic by default).

Revision ID: 5c1d7a9e3f20
Revises: 6467b222d865
Create Date: 2026-11-30 09:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import mowakaba.db

revision: str = "5c1d7a9e3f20"
down_revision: str | None = "6467b222d865"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs where no constraint comes with them: batch mode would copy the table.
    op.add_column(
        "youth",
        sa.Column(
            "language",
            sa.Enum("ar", "fr", "en", name="language", native_enum=False, length=32),
            nullable=False,
            server_default="ar",
        ),
    )
    op.add_column(
        "assessment", sa.Column("youth_view", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("youth_goals", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "agreement_method",
                sa.Enum(
                    "signed_on_paper",
                    "in_person",
                    name="agreementmethod",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("agreement_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "agreement_witness_name",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "agreement_witness_role",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "agreement_recorded_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("agreement_recorded_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_agreement_recorded_by_id_user_account"),
            "user_account",
            ["agreement_recorded_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_plan_agreement_recorded_by_id_user_account"), type_="foreignkey"
        )
        for column in (
            "agreement_recorded_by_id",
            "agreement_recorded_at",
            "agreement_witness_role",
            "agreement_witness_name",
            "agreement_date",
            "agreement_method",
            "youth_goals",
        ):
            batch_op.drop_column(column)
    op.drop_column("assessment", "youth_view")
    op.drop_column("youth", "language")
