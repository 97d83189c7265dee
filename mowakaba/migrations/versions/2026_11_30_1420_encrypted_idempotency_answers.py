"""idempotency answers encrypted at rest: `idempotency_record.response` becomes TEXT

The answer replayed for an Idempotency-Key holds what the first request created: a note's
text, a youth's names and date of birth. It is now stored as JSON text sealed like a
case note (mowakaba/models/columns.py, EncryptedJSON). The rows already there keep their
plain JSON text, which still reads; they are short-lived (the retention flow removes them).

Revision ID: 7a3f0c2e9d14
Revises: 5e1c7a9d2b40
Create Date: 2026-11-30 14:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3f0c2e9d14"
down_revision: str | None = "5e1c7a9d2b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.alter_column(
            "response",
            existing_type=sa.JSON(),
            type_=sa.Text(),
            existing_nullable=False,
            postgresql_using="response::text",
        )


def downgrade() -> None:
    # An encrypted answer is not JSON: its record goes (that key is forgotten); plain
    # answers are kept.
    op.execute("DELETE FROM idempotency_record WHERE response LIKE 'mwk1:%'")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.alter_column(
            "response",
            existing_type=sa.Text(),
            type_=sa.JSON(),
            existing_nullable=False,
            postgresql_using="response::json",
        )
