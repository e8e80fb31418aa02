"""PostgreSQL search at scale: a vocabulary of the search vectors, so that a query word's
prefix is looked up as the words it stands for, and a GIN index that also knows each story's
place in the order of storing, so that the newest matches are found without reading the older
ones (see storage/search.py).

- A GIN index answers a prefix (``'minister':*``) by collecting every matching entry's posting
  list into a bitmap, which for a common word costs ten times what the same words looked up
  exactly cost (bench/query.py: 38 ms against 3.5 ms for ``prime minister germany`` over
  1,000,000 stories). The table ``search_lexemes`` holds every lexeme of every stored
  ``stories_fts`` vector, in byte order, so a prefix becomes an index range read and the query
  asks the GIN index for those lexemes exactly. Triggers keep it up to date as stories are
  inserted or their text changes; a lexeme is never removed (one whose stories are gone matches
  nothing, which is harmless). ``storage.search.reindex_search`` rebuilds it.
- ``ix_stories_fts`` becomes a two-column GIN index: ``id / 1000`` (the story's block of a
  thousand in the order of storing, through the ``btree_gin`` extension that ships with
  PostgreSQL) and the vector. A search for the newest matches of common words asks for a range
  of recent blocks, and the index intersects the words' posting lists with that range instead
  of decoding them whole: 1–5 ms where the vector alone took 10–20 ms, and where walking the
  newest stories one by one took a microsecond per story. A query on the vector alone still
  uses the index as before.

SQLite's FTS5 index answers prefixes and the newest matches itself; nothing changes there.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# In byte order, so that a prefix is one index range whatever the database's collation.
_CREATE_TABLE = 'CREATE TABLE search_lexemes (lexeme text COLLATE "C" PRIMARY KEY)'
# Sorted so that two writers insert shared lexemes in the same order and cannot deadlock.
_ADD_LEXEMES = """
    INSERT INTO search_lexemes (lexeme)
    SELECT DISTINCT unnest(tsvector_to_array(stories_fts)) FROM {source} ORDER BY 1
    ON CONFLICT DO NOTHING
"""
_FUNCTIONS = f"""
CREATE FUNCTION search_lexemes_of_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_ADD_LEXEMES.format(source="inserted_stories")};
    RETURN NULL;
END $$;
CREATE FUNCTION search_lexemes_of_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_lexemes (lexeme)
    SELECT DISTINCT unnest(tsvector_to_array(NEW.stories_fts)) ORDER BY 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
"""
# One statement-level trigger per insert; a row-level one only when a title or summary changes
# (updates of other columns, such as the cluster, are frequent and leave the vector alone).
_TRIGGERS = """
CREATE TRIGGER stories_search_lexemes_insert AFTER INSERT ON stories
    REFERENCING NEW TABLE AS inserted_stories
    FOR EACH STATEMENT EXECUTE FUNCTION search_lexemes_of_inserted();
CREATE TRIGGER stories_search_lexemes_update AFTER UPDATE OF title, summary ON stories
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary)
    EXECUTE FUNCTION search_lexemes_of_updated();
"""


# Byte for byte the expression storage/search.py queries (``SEARCH_BLOCK``).
_BLOCKED_INDEX = "CREATE INDEX ix_stories_fts ON stories USING gin ((id / 1000), stories_fts)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_CREATE_TABLE)
        op.execute(_ADD_LEXEMES.format(source="stories"))
        op.execute(_FUNCTIONS)
        op.execute(_TRIGGERS)
        # Trusted since PostgreSQL 13: a database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute("DROP INDEX ix_stories_fts")
        op.execute(_BLOCKED_INDEX)
        # Statistics of the new expression, without which the planner takes a range of recent
        # blocks for a third of the table.
        op.execute("ANALYZE stories")
    elif dialect != "sqlite":
        raise RuntimeError(f"unsupported database dialect {dialect!r}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The extension stays: other objects may use it.
        op.execute("DROP INDEX ix_stories_fts")
        op.execute("CREATE INDEX ix_stories_fts ON stories USING gin (stories_fts)")
        op.execute("DROP TRIGGER stories_search_lexemes_update ON stories")
        op.execute("DROP TRIGGER stories_search_lexemes_insert ON stories")
        op.execute("DROP FUNCTION search_lexemes_of_updated()")
        op.execute("DROP FUNCTION search_lexemes_of_inserted()")
        op.execute("DROP TABLE search_lexemes")
