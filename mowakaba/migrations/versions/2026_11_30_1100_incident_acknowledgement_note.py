"""an incident's acknowledgement note, kept on the incident (sensitive)

`incident.acknowledgement_note`: what the coordinator wrote when taking the incident in
hand. It was kept in the response work item's payload, which supervisors read on the
work page; like `closing_note`, it is now a sensitive field of the incident.

Revision ID: 3b8e0c4d2a17
Revises: 5c1e0a9b7d21
Create Date: 2026-11-30 11:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "3b8e0c4d2a17"
down_revision: str | None = "5c1e0a9b7d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: batch mode would copy the table.
    op.add_column(
        "incident",
        sa.Column(
            "acknowledgement_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.drop_column("acknowledgement_note")
