"""Chats (private chats, groups, channels) with their settings, and the topics they follow.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(256), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("digest_times", sa.String(128), nullable=False),
        sa.Column("alerts", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("inactive_reason", sa.Text, nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("last_digest_at", UTC_TS, nullable=True),
        sa.Column("next_digest_at", UTC_TS, nullable=True),
        sa.UniqueConstraint("platform", "external_id", name="uq_chats_platform_external"),
    )
    op.create_index("ix_chats_next_digest", "chats", ["active", "next_digest_at"])
    op.create_table(
        "chat_topics",
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("slug", sa.String(64), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("chat_topics")
    op.drop_index("ix_chats_next_digest", "chats")
    op.drop_table("chats")
