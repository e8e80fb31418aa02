"""Feeds, stories and meta.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("title", sa.String(512)),
        sa.Column("site_url", sa.String(2048)),
        sa.Column("language", sa.String(16)),
        sa.Column("turkey_focused", sa.Boolean, nullable=False),
        sa.Column("etag", sa.String(512)),
        sa.Column("last_modified", sa.String(128)),
        sa.Column("body_hash", sa.String(64)),
        sa.Column("poll_interval_min", sa.Integer, nullable=False),
        sa.Column("next_poll_at", UTC_TS, nullable=False),
        sa.Column("added_at", UTC_TS, nullable=False),
        sa.Column("last_polled_at", UTC_TS),
        sa.Column("last_success_at", UTC_TS),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", UTC_TS),
        sa.Column("last_warning", sa.Text),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("paused_reason", sa.Text),
        sa.UniqueConstraint("url", name="uq_feeds_url"),
    )
    op.create_index("ix_feeds_next_poll_at", "feeds", ["next_poll_at"])
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("guid_key", sa.String(512), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("published_at", UTC_TS, nullable=False),
        sa.Column("fetched_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS),
        sa.Column("language", sa.String(16)),
        sa.Column("author", sa.String(256)),
        sa.Column("is_backlog", sa.Boolean, nullable=False),
        sa.UniqueConstraint("feed_id", "guid_key", name="uq_stories_feed_guid"),
        sa.UniqueConstraint("url", name="uq_stories_url"),
    )
    op.create_index("ix_stories_published_at", "stories", ["published_at"])
    op.create_index("ix_stories_feed_published", "stories", ["feed_id", "published_at"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_index("ix_stories_feed_published", table_name="stories")
    op.drop_index("ix_stories_published_at", table_name="stories")
    op.drop_table("stories")
    op.drop_index("ix_feeds_next_poll_at", table_name="feeds")
    op.drop_table("feeds")
