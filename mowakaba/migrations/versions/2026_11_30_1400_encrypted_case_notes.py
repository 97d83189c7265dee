"""case notes encrypted at rest: their text and correction reason become TEXT

The ciphertext (mowakaba/crypto.py: a prefix, the key id, base64 of nonce, text and tag)
is a third longer than the text's UTF-8 bytes, which are up to three times its characters:
a 10,000-character note no longer fits VARCHAR(10000) on PostgreSQL. The values already
there stay as they are (legacy plaintext reads as it is); `mowakaba keys rotate` encrypts
them. The key lives in the settings, never in the database.

Revision ID: c41d7e2a9b05
Revises: bf124f0c0cf3
Create Date: 2026-11-30 14:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41d7e2a9b05"
down_revision: str | None = "bf124f0c0cf3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_note_version", schema=None) as batch_op:
        batch_op.alter_column(
            "text", existing_type=sa.String(length=10000), type_=sa.Text(), existing_nullable=False
        )
        batch_op.alter_column(
            "reason", existing_type=sa.String(length=500), type_=sa.Text(), existing_nullable=True
        )


def downgrade() -> None:
    # PostgreSQL refuses (rather than cuts) a stored value past the old limits.
    with op.batch_alter_table("case_note_version", schema=None) as batch_op:
        batch_op.alter_column(
            "reason", existing_type=sa.Text(), type_=sa.String(length=500), existing_nullable=True
        )
        batch_op.alter_column(
            "text", existing_type=sa.Text(), type_=sa.String(length=10000), existing_nullable=False
        )
