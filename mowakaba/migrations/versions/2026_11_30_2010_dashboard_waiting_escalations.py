"""a partial index of the escalations still waiting (neither acknowledged nor closed)

The dashboard counts and lists them per institution; at national scale they are ~2,000
of 280,000 escalations, which PostgreSQL read in full for each of three queries.

Revision ID: 3c8e5b1d7f26
Revises: 7a3f0c2e9d14
Create Date: 2026-11-30 20:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c8e5b1d7f26"
down_revision: str | None = "7a3f0c2e9d14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "closed_at IS NULL AND acknowledged_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_escalation_waiting",
        "escalation",
        ["work_item_id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_escalation_waiting", table_name="escalation")
