"""drafting: 公文 drafts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "doc_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("doc_type", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("kb", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("produce_id", sa.String(length=64), nullable=False),
        sa.Column("aigc", sa.JSON(), nullable=False),
        sa.Column("exports", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["govai_org.id"], name=op.f("fk_doc_draft_org_id_govai_org")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doc_draft")),
    )
    with op.batch_alter_table("doc_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doc_draft_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_doc_draft_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("doc_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doc_draft_org_id"))
        batch_op.drop_index(batch_op.f("ix_doc_draft_author_id"))
    op.drop_table("doc_draft")
