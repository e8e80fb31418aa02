"""Same-event clusters: the clusters table and each story's cluster.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("representative_id", sa.Integer, nullable=False),
        sa.Column("story_count", sa.Integer, nullable=False),
        sa.Column("source_count", sa.Integer, nullable=False),
        sa.Column("first_published_at", UTC_TS, nullable=False),
        sa.Column("last_published_at", UTC_TS, nullable=False),
    )
    op.create_index("ix_clusters_last_published_at", "clusters", ["last_published_at"])
    # On SQLite the table is rebuilt with AUTOINCREMENT, so that the id of a deleted story is
    # never given to a new one (a cluster's id is the id of its first story).
    with op.batch_alter_table(
        "stories", recreate="auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.add_column(sa.Column("cluster_id", sa.Integer, nullable=True))
        batch.create_index("ix_stories_cluster", ["cluster_id"])


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_index("ix_stories_cluster")
        batch.drop_column("cluster_id")
    op.drop_index("ix_clusters_last_published_at", "clusters")
    op.drop_table("clusters")
