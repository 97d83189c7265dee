"""a youth flagged for reconciliation remembers since when

`reconciliation_flagged_at`: when a change of the youth's committed but its pathway run
could not be started (Prefect down); cleared when a reconciliation brings it up to date.
The flow-run monitoring page shows coordinators since when each youth waits.

Revision ID: 3b8f1c6d2e47
Revises: 84f4052040ee
Create Date: 2026-12-02 10:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mowakaba.db

revision: str = "3b8f1c6d2e47"
down_revision: str | None = "84f4052040ee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: batch mode would copy the youth table.
    op.add_column(
        "youth",
        sa.Column(
            "reconciliation_flagged_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True
        ),
    )


def downgrade() -> None:
    op.drop_column("youth", "reconciliation_flagged_at")
