"""indexes for the indicators: work due in a period (all kinds, per kind), exits in one

`mowakaba bench indicators --youths 100000` missed its 1 s target for the plan reviews
on time and the intake delay (a scan of every work item) without them.

Revision ID: 9d4f2a6c1e83
Revises: 7d2f4a6c1e90
Create Date: 2026-11-30 13:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9d4f2a6c1e83"
down_revision: str | None = "7d2f4a6c1e90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_work_item_due_date", "work_item", ["due_date"])
    op.create_index("ix_work_item_kind_due_date", "work_item", ["kind", "due_date"])
    op.create_index("ix_youth_exit_date", "youth", ["exit_date"])


def downgrade() -> None:
    op.drop_index("ix_youth_exit_date", table_name="youth")
    op.drop_index("ix_work_item_kind_due_date", table_name="work_item")
    op.drop_index("ix_work_item_due_date", table_name="work_item")
