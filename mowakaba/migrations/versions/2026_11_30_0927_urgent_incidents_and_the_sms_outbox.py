"""urgent incidents and the sms outbox

`incident`: an incident recorded on a youth (runaway, hospitalisation, arrest...),
escalated at once; `sms_message` and `sms_attempt`: the SMS outbox and its attempts;
`user_account.phone` (incidents by SMS) and the youth's agreement to SMS reminders
(`youth.sms_agreed_date`, `youth.sms_language`). Self-contained: only these.

Revision ID: 1aca71d25437
Revises: 5c1d7a9e3f20
Create Date: 2026-11-30 09:27:25.938107+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import mowakaba.db

revision: str = "1aca71d25437"
down_revision: str | None = "5c1d7a9e3f20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("incident", "follow_up_reminder", name="smskind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("youth_id", sa.Integer(), nullable=True),
        sa.Column(
            "language",
            sa.Enum("ar", "fr", "en", name="language", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sent", "failed", name="deliverystatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["user_account.id"],
            name=op.f("fk_sms_message_recipient_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_sms_message_youth_id_youth")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sms_message_idempotency_key")),
    )
    with op.batch_alter_table("sms_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sms_message_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sms_message_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "runaway",
                "hospitalisation",
                "arrest",
                "violence",
                "pregnancy",
                "other",
                name="incidentkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("occurred_date", sa.Date(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "acknowledged",
                "closed",
                name="incidentstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", mowakaba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closing_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("returned_date", sa.Date(), nullable=True),
        sa.Column("runaway_reviews", sa.Integer(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_acknowledged_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_closed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_incident_institution_id_institution"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_reported_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"], ["work_item.id"], name=op.f("fk_incident_work_item_id_work_item")
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_incident_youth_id_youth")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_institution_id_status", ["institution_id", "status"], unique=False
        )
        batch_op.create_index("ix_incident_kind_status", ["kind", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "sms_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sms_message_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", mowakaba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["sms_message_id"],
            ["sms_message.id"],
            name=op.f("fk_sms_attempt_sms_message_id_sms_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_attempt")),
    )
    with op.batch_alter_table("sms_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_attempt_sms_message_id"), ["sms_message_id"], unique=False
        )

    # Plain ADD COLUMNs: batch mode would copy the user and youth tables.
    op.add_column(
        "user_account",
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.add_column("youth", sa.Column("sms_agreed_date", sa.Date(), nullable=True))
    op.add_column(
        "youth",
        sa.Column(
            "sms_language",
            sa.Enum("ar", "fr", "en", name="language", native_enum=False, length=32),
            nullable=True,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("youth", schema=None) as batch_op:
        batch_op.drop_column("sms_language")
        batch_op.drop_column("sms_agreed_date")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("phone")

    with op.batch_alter_table("sms_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_attempt_sms_message_id"))

    op.drop_table("sms_attempt")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_youth_id"))
        batch_op.drop_index("ix_incident_kind_status")
        batch_op.drop_index("ix_incident_institution_id_status")

    op.drop_table("incident")
    with op.batch_alter_table("sms_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_message_youth_id"))
        batch_op.drop_index("ix_sms_message_status_next_attempt_at")

    op.drop_table("sms_message")
