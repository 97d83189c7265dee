"""accounts can be locked after many failed sign-ins and forced to change their password

`locked_until`: many failed sign-ins from all clients lock an account for a while.
`must_change_password`: set by an admin's password reset.

Revision ID: 7d2e4b9c1a38
Revises: 5c1f0e7a9b21
Create Date: 2026-12-01 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mowakaba.db

revision: str = "7d2e4b9c1a38"
down_revision: str | None = "5c1f0e7a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: batch mode would copy user_account.
    op.add_column(
        "user_account",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "user_account",
        sa.Column("locked_until", mowakaba.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("user_account", "locked_until")
    op.drop_column("user_account", "must_change_password")
