"""one language of the youth: SMS go in `youth.language`; `youth.sms_language` is dropped

The SMS agreement (incidents) and the printables (the youth's voice) each kept a language of
the youth. One stays, `youth.language`: a youth who chose an SMS language while their
documents' language was still the default (Arabic) keeps the SMS language as their language.

Revision ID: 5c1e0a9b7d21
Revises: 7803ad7e8889
Create Date: 2026-11-30 10:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e0a9b7d21"
down_revision: str | None = "7803ad7e8889"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGE = sa.Enum("ar", "fr", "en", name="language", native_enum=False, length=32)


def upgrade() -> None:
    op.execute(
        "UPDATE youth SET language = sms_language "
        "WHERE sms_language IS NOT NULL AND language = 'ar'"
    )
    op.drop_column("youth", "sms_language")  # plain: batch mode would copy the youth table


def downgrade() -> None:
    op.add_column("youth", sa.Column("sms_language", LANGUAGE, nullable=True))
    op.execute("UPDATE youth SET sms_language = language WHERE sms_agreed_date IS NOT NULL")
