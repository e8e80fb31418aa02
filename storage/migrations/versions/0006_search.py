"""Full-text search over stories' titles and summaries (see storage/search.py).

SQLite: an FTS5 table ``stories_fts`` whose external content is the view
``stories_fts_source`` (the stories' text with Turkish dotless ı folded to i, which the
unicode61 tokenizer does not fold), kept in sync by triggers on ``stories``.
PostgreSQL: a GIN expression index ``ix_stories_fts`` over Turkish, English and diacritic-folded
``simple`` text search vectors; no column is added, so the models are unchanged.

The objects here are not in the models; storage.search.SEARCH_SCHEMA_NAMES lists the names the
schema comparison must ignore. A later migration that rebuilds ``stories`` on SQLite (batch
mode) drops these triggers with the old table, and must drop this schema first and create it
again afterwards.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Both sides of the folding must stay byte-for-byte what storage/search.py uses.
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

_SQLITE_UPGRADE = [
    """
    CREATE VIEW stories_fts_source AS
    SELECT id, replace(title, 'ı', 'i') AS title, replace(summary, 'ı', 'i') AS summary
    FROM stories
    """,
    """
    CREATE VIRTUAL TABLE stories_fts USING fts5(
        title, summary,
        content='stories_fts_source', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2"
    )
    """,
    """
    CREATE TRIGGER stories_fts_ai AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts(rowid, title, summary)
        VALUES (new.id, replace(new.title, 'ı', 'i'), replace(new.summary, 'ı', 'i'));
    END
    """,
    """
    CREATE TRIGGER stories_fts_ad AFTER DELETE ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, summary)
        VALUES ('delete', old.id, replace(old.title, 'ı', 'i'), replace(old.summary, 'ı', 'i'));
    END
    """,
    """
    CREATE TRIGGER stories_fts_au AFTER UPDATE OF title, summary ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, summary)
        VALUES ('delete', old.id, replace(old.title, 'ı', 'i'), replace(old.summary, 'ı', 'i'));
        INSERT INTO stories_fts(rowid, title, summary)
        VALUES (new.id, replace(new.title, 'ı', 'i'), replace(new.summary, 'ı', 'i'));
    END
    """,
    # Index the stories stored before this revision.
    "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')",
]

_SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS stories_fts_au",
    "DROP TRIGGER IF EXISTS stories_fts_ad",
    "DROP TRIGGER IF EXISTS stories_fts_ai",
    "DROP TABLE IF EXISTS stories_fts",
    "DROP VIEW IF EXISTS stories_fts_source",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_UPGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_stories_fts ON stories USING gin (({_PG_VECTOR}))")
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_DOWNGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_stories_fts")
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
