"""partial indexes for the dashboard: the escalations still waiting, the exit checklists

The dashboard counts and lists the escalations neither acknowledged nor closed per
institution; at national scale they are ~2,000 of 280,000, which PostgreSQL read in full
for each of three queries. It also counts the exit checklists of the youths leaving soon
(~18,000 nationally): each was found by reading all ~16 work items of the youth.

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
CHECKLIST = "kind = 'exit_checklist_item'"


def upgrade() -> None:
    op.create_index(
        "ix_escalation_waiting",
        "escalation",
        ["work_item_id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_work_item_checklist_youth_id",
        "work_item",
        ["youth_id"],
        postgresql_where=sa.text(CHECKLIST),
        sqlite_where=sa.text(CHECKLIST),
    )


def downgrade() -> None:
    op.drop_index("ix_work_item_checklist_youth_id", table_name="work_item")
    op.drop_index("ix_escalation_waiting", table_name="escalation")
