"""work items keep their timings

Each work item keeps the reminder days and escalation working days in force when
it was created (DESIGN §2: changed timings apply to items created after the
change). Existing items take the timings in force at the upgrade: the best record
of what they were created under.

Revision ID: 885bc9f202e3
Revises: d388c4c1503b
Create Date: 2026-11-30 02:27:30.104796+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from mowakaba.rules import format_days
from mowakaba.settings import get_settings

revision: str = "885bc9f202e3"
down_revision: str | None = "d388c4c1503b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_days", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "escalation_working_days",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=True,
            )
        )
    timings = get_settings().timings
    work_item = sa.table(
        "work_item",
        sa.column("reminder_days", sa.String),
        sa.column("escalation_working_days", sa.String),
    )
    op.execute(
        work_item.update().values(
            reminder_days=format_days(timings.reminder_days_before),
            escalation_working_days=format_days(timings.escalation_working_days),
        )
    )


def downgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): batch mode would copy and
    # drop work_item, which the rows that reference it refuse with foreign keys on.
    op.drop_column("work_item", "escalation_working_days")
    op.drop_column("work_item", "reminder_days")
