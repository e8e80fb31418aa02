"""What the reading commands need at scale (measured with bench/query.py, 1,000,000 stories).

- ``story_topics.published_at``: the story's publication time (it never changes once stored),
  indexed after the slug, so ``/topic`` reads a topic's newest stories as one ordered index range
  instead of every story of the topic. It replaces the ``(slug, story_id)`` index.
- ``stories.fetched_at``: a digest takes the stories fetched since the chat's last one, one
  range of this index instead of a pass over every story.
- PostgreSQL search: the text search vector of migration 0006 becomes a stored generated column
  ``stories.stories_fts`` (the GIN index ``ix_stories_fts`` moves onto it), so that ranking and
  matching read the vector instead of computing six ``to_tsvector`` calls per story again. The
  column is not in the models (storage.search.SEARCH_SCHEMA_NAMES names it); PostgreSQL keeps it
  up to date, so no code path that writes stories has to know about it. SQLite's FTS5 index
  already stores what it ranks and is unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)

# Byte for byte the vector of migration 0006 (and the folding of storage/search.py).
_FOLD_FROM = "ÂÇĞÎİÖŞÛÜâçğîıöşûüÀÁÃÄÅÈÉÊËÌÍÏÑÒÓÔÕÙÚàáãäåèéêëìíïñòóôõùú"
_FOLD_TO = "ACGIIOSUUacgiiosuuAAAAAEEEEIIINOOOOUUaaaaaeeeeiiinoooouu"
_PG_VECTOR = (
    "setweight(to_tsvector('turkish'::regconfig, title), 'A')"
    " || to_tsvector('turkish'::regconfig, summary)"
    " || setweight(to_tsvector('english'::regconfig, title), 'A')"
    " || to_tsvector('english'::regconfig, summary)"
    " || setweight(to_tsvector('simple'::regconfig,"
    f" translate(title, '{_FOLD_FROM}', '{_FOLD_TO}')), 'A')"
    f" || to_tsvector('simple'::regconfig, translate(summary, '{_FOLD_FROM}', '{_FOLD_TO}'))"
)


def upgrade() -> None:
    op.add_column("story_topics", sa.Column("published_at", UTC_TS, nullable=True))
    op.execute(
        "UPDATE story_topics SET published_at ="
        " (SELECT stories.published_at FROM stories WHERE stories.id = story_topics.story_id)"
    )
    with op.batch_alter_table("story_topics") as batch:
        batch.alter_column("published_at", existing_type=UTC_TS, nullable=False)
        batch.drop_index("ix_story_topics_slug")
        batch.create_index("ix_story_topics_slug_published", ["slug", "published_at", "story_id"])
    op.create_index("ix_stories_fetched_at", "stories", ["fetched_at"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # Drop the expression index first: the table rewrite would otherwise rebuild it.
        op.execute("DROP INDEX IF EXISTS ix_stories_fts")
        op.execute(
            "ALTER TABLE stories ADD COLUMN stories_fts tsvector"
            f" GENERATED ALWAYS AS ({_PG_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_stories_fts ON stories USING gin (stories_fts)")
    elif dialect != "sqlite":
        raise RuntimeError(f"unsupported database dialect {dialect!r}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_stories_fts")
        op.execute("ALTER TABLE stories DROP COLUMN stories_fts")
        op.execute(f"CREATE INDEX ix_stories_fts ON stories USING gin (({_PG_VECTOR}))")
    op.drop_index("ix_stories_fetched_at", "stories")
    with op.batch_alter_table("story_topics") as batch:
        batch.drop_index("ix_story_topics_slug_published")
        batch.create_index("ix_story_topics_slug", ["slug", "story_id"])
        batch.drop_column("published_at")
