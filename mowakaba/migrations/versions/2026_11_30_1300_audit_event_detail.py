"""an audit event's detail: what a list-wide action covered

`audit_event.detail` (JSON, nullable): for an export, its format, the list's filters and
the number of rows, so that one row tells what left the system. Ids and codes only.

Revision ID: 7d2f4a6c1e90
Revises: 3b8e0c4d2a17
Create Date: 2026-11-30 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2f4a6c1e90"
down_revision: str | None = "3b8e0c4d2a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: batch mode would copy the table and lose its append-only triggers.
    op.add_column("audit_event", sa.Column("detail", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_event", "detail")  # SQLite ≥ 3.35 drops a column in place
