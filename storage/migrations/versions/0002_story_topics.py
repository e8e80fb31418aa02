"""Topics of each story, with the alias that matched.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_topics",
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("alias", sa.String(200), nullable=False),
    )
    op.create_index("ix_story_topics_slug", "story_topics", ["slug", "story_id"])


def downgrade() -> None:
    op.drop_index("ix_story_topics_slug", table_name="story_topics")
    op.drop_table("story_topics")
