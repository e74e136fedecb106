"""approval: catalogue, applications, events, files, notices, holidays

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 09:23:37.080705
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "apv_holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_apv_holiday")),
    )
    op.create_table(
        "apv_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("item_type", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("auto_approval", sa.Boolean(), nullable=False),
        sa.Column("rules_yaml", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.String(length=32), nullable=False),
        sa.Column("rules_updated_by", sa.String(length=64), nullable=False),
        sa.Column("rules_updated_at", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["govai_org.id"], name=op.f("fk_apv_item_org_id_govai_org")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apv_item")),
        sa.UniqueConstraint("code", name=op.f("uq_apv_item_code")),
    )
    with op.batch_alter_table("apv_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apv_item_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_apv_item_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_apv_item_org_id"), ["org_id"], unique=False)

    op.create_table(
        "apv_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("query_code", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("applicant", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("precheck", sa.JSON(), nullable=False),
        sa.Column("precheck_outcome", sa.String(length=24), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("overturned", sa.Boolean(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("limit_days", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("extensions", sa.JSON(), nullable=False),
        sa.Column("suspensions", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["apv_item.id"], name=op.f("fk_apv_application_item_id_apv_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apv_application")),
        sa.UniqueConstraint("number", name=op.f("uq_apv_application_number")),
    )
    with op.batch_alter_table("apv_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apv_application_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_apv_application_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_apv_application_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_apv_application_submitted_at"), ["submitted_at"], unique=False
        )

    op.create_table(
        "apv_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["apv_application.id"],
            name=op.f("fk_apv_event_application_id_apv_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apv_event")),
    )
    with op.batch_alter_table("apv_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apv_event_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_apv_event_at"), ["at"], unique=False)

    op.create_table(
        "apv_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("material", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["apv_application.id"],
            name=op.f("fk_apv_file_application_id_apv_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apv_file")),
    )
    with op.batch_alter_table("apv_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apv_file_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "apv_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("doc_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["apv_application.id"],
            name=op.f("fk_apv_notice_application_id_apv_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apv_notice")),
    )
    with op.batch_alter_table("apv_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apv_notice_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("apv_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apv_notice_application_id"))

    op.drop_table("apv_notice")
    with op.batch_alter_table("apv_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apv_file_application_id"))

    op.drop_table("apv_file")
    with op.batch_alter_table("apv_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apv_event_at"))
        batch_op.drop_index(batch_op.f("ix_apv_event_application_id"))

    op.drop_table("apv_event")
    with op.batch_alter_table("apv_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apv_application_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_apv_application_status"))
        batch_op.drop_index(batch_op.f("ix_apv_application_item_id"))
        batch_op.drop_index(batch_op.f("ix_apv_application_due_on"))

    op.drop_table("apv_application")
    with op.batch_alter_table("apv_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apv_item_org_id"))
        batch_op.drop_index(batch_op.f("ix_apv_item_name"))
        batch_op.drop_index(batch_op.f("ix_apv_item_department"))

    op.drop_table("apv_item")
    op.drop_table("apv_holiday")
