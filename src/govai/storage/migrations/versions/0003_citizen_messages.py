"""citizen messages, dispatch models and alerts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 06:38:17.158318
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "msg_dispatch_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("training", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_dispatch_model")),
        sa.UniqueConstraint("name", "version", name="uq_msg_dispatch_model_version"),
    )
    with op.batch_alter_table("msg_dispatch_model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_msg_dispatch_model_name"), ["name"], unique=False)

    op.create_table(
        "msg_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("extra_handlers", sa.Integer(), nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("webhook", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["govai_org.id"], name=op.f("fk_msg_alert_org_id_govai_org")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_alert")),
        sa.UniqueConstraint(
            "org_id", "kind", "key", "period_start", name="uq_msg_alert_key_period"
        ),
    )
    with op.batch_alter_table("msg_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_msg_alert_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_msg_alert_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_msg_alert_status"), ["status"], unique=False)

    op.create_table(
        "msg_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("dislikes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("dispatch_status", sa.String(length=16), nullable=False),
        sa.Column("suggestion", sa.String(length=100), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("top", sa.JSON(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("reply_status", sa.String(length=16), nullable=False),
        sa.Column("reply_draft", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["govai_org.id"], name=op.f("fk_msg_message_org_id_govai_org")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_message")),
        sa.UniqueConstraint("org_id", "external_id", name="uq_msg_message_org_ext"),
    )
    with op.batch_alter_table("msg_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_msg_message_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_msg_message_department"), ["department"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_msg_message_dispatch_status"), ["dispatch_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_msg_message_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_msg_message_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "msg_dispatch_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(length=64), nullable=False),
        sa.Column("suggested", sa.String(length=100), nullable=False),
        sa.Column("chosen", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["msg_message.id"],
            name=op.f("fk_msg_dispatch_correction_message_id_msg_message"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_dispatch_correction")),
    )
    with op.batch_alter_table("msg_dispatch_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_msg_dispatch_correction_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_msg_dispatch_correction_model_name"), ["model_name"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("msg_dispatch_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msg_dispatch_correction_model_name"))
        batch_op.drop_index(batch_op.f("ix_msg_dispatch_correction_message_id"))

    op.drop_table("msg_dispatch_correction")
    with op.batch_alter_table("msg_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msg_message_received_at"))
        batch_op.drop_index(batch_op.f("ix_msg_message_org_id"))
        batch_op.drop_index(batch_op.f("ix_msg_message_dispatch_status"))
        batch_op.drop_index(batch_op.f("ix_msg_message_department"))
        batch_op.drop_index(batch_op.f("ix_msg_message_created_at"))

    op.drop_table("msg_message")
    with op.batch_alter_table("msg_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msg_alert_status"))
        batch_op.drop_index(batch_op.f("ix_msg_alert_org_id"))
        batch_op.drop_index(batch_op.f("ix_msg_alert_created_at"))

    op.drop_table("msg_alert")
    with op.batch_alter_table("msg_dispatch_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msg_dispatch_model_name"))

    op.drop_table("msg_dispatch_model")
