"""Ranked full-text search over stories' titles and summaries, on SQLite and PostgreSQL.

The index is built by migration 0006 and kept up to date by the database itself (triggers on
SQLite, an expression index on PostgreSQL), so no code path that writes stories has to know
about it.

Words, not syntax. A query is cut into words (runs of letters and digits; combining marks stay
with their letter) and everything else is a separator, so quotes, ``*``, ``-``, ``:``,
parentheses or SQL in the input never reach a query language. On SQLite each word becomes an
FTS5 string (``"word"*``, the quote doubled if there were one), so ``AND``, ``OR``, ``NOT`` and
``NEAR`` are plain words; on PostgreSQL each word is a bound parameter of ``plainto_tsquery``
(which interprets no operators) and a quoted prefix lexeme. Every word must match (AND), each as
a prefix: ``yaptırım`` finds ``yaptırımlar``, ``sanction`` finds ``sanctions``.

Folding on SQLite. The FTS5 ``unicode61 remove_diacritics 2`` tokenizer lowercases and strips
diacritics, which covers Turkish ç ğ ö ş ü and also dotted İ (it decomposes to I plus a
combining dot, so ``İstanbul`` is indexed as ``istanbul``). Dotless ı has no decomposition and
is kept, so ``ışık`` would be indexed as ``ısık`` but ``IŞIK`` as ``isik``. Both sides therefore
fold ı to i: the index's external content is the view ``stories_fts_source``, which applies
SQLite's built-in ``replace(text, 'ı', 'i')`` to titles and summaries, the triggers index the
same expressions, and queries get the same replacement here. A built-in function needs nothing
registered on each connection, and FTS5's ``rebuild`` (``reindex_search``) reads the view, so it
recreates exactly what the triggers maintain. The price is that words differing only in ı/i
(kır, kir) are not told apart, which costs little in ranked search.

PostgreSQL. The GIN expression index covers ``turkish`` and ``english`` stemmed vectors (so a
query word's inflections match, as the stemmer sees them) and a ``simple`` vector over text whose
Turkish and common Latin diacritics are folded by ``translate()``; each query word matches
(turkish stem OR english stem OR folded prefix), so ``turkiye`` finds ``Türkiye`` and
``istanbul`` finds ``İstanbul`` like on SQLite. ``search_stories`` repeats the indexed
expression verbatim so the planner uses the index.

Ranking: SQLite ``bm25`` with the title weighted 3:1 over the summary; PostgreSQL ``ts_rank_cd``
with titles at weight A and summaries at D. Ties go to the newer story.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, column, func, literal_column, table
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from storage.records import StoryRecord
from storage.stories import select_story_records, story_records
from storage.tables import StoryRow

# Database objects of the search index that the models do not describe (see migration 0006):
# the FTS5 table, its shadow tables and content view on SQLite, the GIN index on PostgreSQL.
SEARCH_SCHEMA_NAMES = frozenset(
    {
        "stories_fts",
        "stories_fts_data",
        "stories_fts_idx",
        "stories_fts_docsize",
        "stories_fts_config",
        "stories_fts_source",
        "ix_stories_fts",
    }
)
MAX_WORDS = 32
TITLE_WEIGHT = 3.0
SUMMARY_WEIGHT = 1.0

# Must stay exactly what migration 0006 indexes on PostgreSQL.
_FOLD_FROM = "ÂÇĞÎİÖŞÛÜâçğîıöşûüÀÁÃÄÅÈÉÊËÌÍÏÑÒÓÔÕÙÚàáãäåèéêëìíïñòóôõùú"
_FOLD_TO = "ACGIIOSUUacgiiosuuAAAAAEEEEIIINOOOOUUaaaaaeeeeiiinoooouu"
_FOLD = str.maketrans(_FOLD_FROM, _FOLD_TO)
_PG_VECTOR = (
    "(setweight(to_tsvector('turkish'::regconfig, stories.title), 'A')"
    " || to_tsvector('turkish'::regconfig, stories.summary)"
    " || setweight(to_tsvector('english'::regconfig, stories.title), 'A')"
    " || to_tsvector('english'::regconfig, stories.summary)"
    " || setweight(to_tsvector('simple'::regconfig,"
    f" translate(stories.title, '{_FOLD_FROM}', '{_FOLD_TO}')), 'A')"
    " || to_tsvector('simple'::regconfig,"
    f" translate(stories.summary, '{_FOLD_FROM}', '{_FOLD_TO}')))"
)
_FTS = table("stories_fts", column("rowid", Integer))


def search_words(query: str) -> list[str]:
    """The words of a search query, in order, each once. Raises ValueError when there are none
    or more than ``MAX_WORDS``."""
    # Lowercasing İ outside Turkish rules gives i plus a combining dot: make it a plain i.
    text = unicodedata.normalize("NFC", query).replace("i\u0307", "i")
    words: list[str] = []
    current: list[str] = []
    for char in [*text, " "]:
        if char.isalnum() or (current and unicodedata.category(char).startswith("M")):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    words = list(dict.fromkeys(words))
    if not words:
        raise ValueError("give at least one word to search for")
    if len(words) > MAX_WORDS:
        raise ValueError(f"give at most {MAX_WORDS} words to search for")
    return words


def fts5_query(words: list[str]) -> str:
    """An FTS5 query matching stories that have every word as a prefix of one of their words."""
    quoted = ('"' + word.replace("ı", "i").replace('"', '""') + '"*' for word in words)
    return " ".join(quoted)


def _pg_tsquery(words: list[str]) -> ColumnElement[Any]:
    """A tsquery: for every word, its Turkish stem, its English stem or its folded prefix."""
    turkish: ColumnElement[Any] = literal_column("'turkish'::regconfig")
    english: ColumnElement[Any] = literal_column("'english'::regconfig")
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    combined: ColumnElement[Any] | None = None
    for word in words:
        folded = word.translate(_FOLD).replace("\\", "\\\\").replace("'", "''")
        either = (
            func.plainto_tsquery(turkish, word, type_=TSQUERY)
            .op("||", return_type=TSQUERY)(func.plainto_tsquery(english, word, type_=TSQUERY))
            .op("||", return_type=TSQUERY)(func.to_tsquery(simple, f"'{folded}':*", type_=TSQUERY))
            .self_group()
        )
        combined = either if combined is None else combined.op("&&", return_type=TSQUERY)(either)
    assert combined is not None
    return combined


def search_stories(
    session: Session,
    query: str,
    *,
    limit: int = 10,
    since: datetime | None = None,
    include_backlog: bool = True,
) -> list[StoryRecord]:
    """Stories whose title or summary contains every word of ``query`` (as a word prefix), best
    match first, newer first among equals. Stories of general feeds judged not about Turkey are
    left out. Raises ValueError for a query without words."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    words = search_words(query)
    statement = select_story_records()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        fts: ColumnElement[Any] = literal_column("stories_fts")
        rank: ColumnElement[Any] = func.bm25(fts, TITLE_WEIGHT, SUMMARY_WEIGHT, type_=Float)
        statement = statement.join(_FTS, _FTS.c.rowid == StoryRow.id).where(
            fts.bool_op("MATCH")(fts5_query(words))
        )
        best_first = rank.asc()  # bm25 is lower for better matches
    elif dialect == "postgresql":
        vector = literal_column(_PG_VECTOR, type_=TSVECTOR)
        tsquery = _pg_tsquery(words)
        rank = func.ts_rank_cd(vector, tsquery, type_=Float)
        statement = statement.where(vector.bool_op("@@")(tsquery))
        best_first = rank.desc()
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    statement = statement.where(StoryRow.about_turkey.is_not(False))
    if since is not None:
        statement = statement.where(StoryRow.published_at >= since)
    if not include_backlog:
        statement = statement.where(StoryRow.is_backlog.is_(False))
    statement = statement.order_by(
        best_first, StoryRow.published_at.desc(), StoryRow.id.desc()
    ).limit(limit)
    return story_records(session, statement)


def reindex_search(session: Session) -> None:
    """Rebuild the search index from the stories (SQLite); PostgreSQL's index needs nothing."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.connection().exec_driver_sql(
            "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')"
        )
    elif dialect != "postgresql":
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
