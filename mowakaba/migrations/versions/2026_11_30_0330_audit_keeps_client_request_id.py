"""audit keeps the client's request id beside the server's

`request_id` is now always the server's own; a client's `X-Request-ID`, once
validated, is kept in `client_request_id` so that both sides can be matched.

Revision ID: 5c1f0e7a9b21
Revises: 885bc9f202e3
Create Date: 2026-11-30 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5c1f0e7a9b21"
down_revision: str | None = "885bc9f202e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: batch mode would copy audit_event and lose its append-only
    # triggers on SQLite.
    op.add_column(
        "audit_event",
        sa.Column("client_request_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("audit_event", "client_request_id")
