"""Ranked full-text search over stories' titles and summaries, on SQLite and PostgreSQL.

The index is built by migrations 0006 and 0008 and kept up to date by the database itself
(triggers on SQLite, a generated column on PostgreSQL), so no code path that writes stories has
to know about it.

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

PostgreSQL. The stored column ``stories.stories_fts`` (migration 0008; the expression of
migration 0006) holds ``turkish`` and ``english`` stemmed vectors (so a query word's inflections
match, as the stemmer sees them) and a ``simple`` vector over text whose Turkish and common
Latin diacritics are folded by ``translate()``; the GIN index ``ix_stories_fts`` covers it. Each
query word matches (turkish stem OR english stem OR folded prefix), so ``turkiye`` finds
``Türkiye`` and ``istanbul`` finds ``İstanbul`` like on SQLite.

Ranking: SQLite ``bm25`` with the title weighted 3:1 over the summary; PostgreSQL ``ts_rank_cd``
with titles at weight A and summaries at D. Ties go to the newer story. Only the newest
``SEARCH_WINDOW`` matching stories (by id: the order they were stored) are ranked, so the cost
of a search follows that window and not how many stories a common word is in: ranking every
match of a word that a tenth of a million stories contain takes a third of a second on SQLite
and seconds on PostgreSQL (bench/query.py). A word with fewer matches than the window is ranked
over all of them, as before.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, column, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from storage.records import StoryRecord
from storage.stories import select_story_records, story_records
from storage.tables import StoryRow

# Database objects of the search index that the models do not describe (migrations 0006 and
# 0008): the FTS5 table, its shadow tables and content view on SQLite; on PostgreSQL the stored
# vector column (also named stories_fts) and its GIN index.
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
# How many of the newest matching stories are ranked (see the module docstring).
SEARCH_WINDOW = 100
# On PostgreSQL, how many of the newest stories are walked for matches before the GIN index is
# asked for older ones, and how many more when the matches found say that will do (see
# _pg_newest_matches).
SEARCH_RECENT_SPAN = 10_000
SEARCH_MORE_SPAN = 40_000
TITLE_WEIGHT = 3.0
SUMMARY_WEIGHT = 1.0

# Must stay exactly the folding of migrations 0006 and 0008 on PostgreSQL.
_FOLD_FROM = "ÂÇĞÎİÖŞÛÜâçğîıöşûüÀÁÃÄÅÈÉÊËÌÍÏÑÒÓÔÕÙÚàáãäåèéêëìíïñòóôõùú"
_FOLD_TO = "ACGIIOSUUacgiiosuuAAAAAEEEEIIINOOOOUUaaaaaeeeeiiinoooouu"
_FOLD = str.maketrans(_FOLD_FROM, _FOLD_TO)
# The stored vector of migration 0008 (migration 0006's expression, computed once per write).
_PG_VECTOR: ColumnElement[Any] = literal_column("stories.stories_fts", type_=TSVECTOR)
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
    match first, newer first among equals. Only the newest ``SEARCH_WINDOW`` matching stories
    are ranked. Stories of general feeds judged not about Turkey are left out. Raises
    ValueError for a query without words."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    words = search_words(query)
    kept: list[ColumnElement[bool]] = [StoryRow.about_turkey.is_not(False)]
    if since is not None:
        kept.append(StoryRow.published_at >= since)
    if not include_backlog:
        kept.append(StoryRow.is_backlog.is_(False))
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _sqlite_search(session, words, kept, limit)
    if dialect == "postgresql":
        return _pg_search(session, words, kept, limit)
    raise RuntimeError(f"unsupported database dialect {dialect!r}")


def _sqlite_search(
    session: Session, words: list[str], kept: list[ColumnElement[bool]], limit: int
) -> list[StoryRecord]:
    """FTS5 walks the matches newest first (its rowid is the story id) and scores only the
    ``SEARCH_WINDOW`` it returns; stories are read for those alone."""
    fts: ColumnElement[Any] = literal_column("stories_fts")
    bm25 = func.bm25(fts, TITLE_WEIGHT, SUMMARY_WEIGHT, type_=Float)
    matched = (
        select(StoryRow.id.label("id"), bm25.label("rank"))
        .select_from(_FTS)
        .join(StoryRow, StoryRow.id == _FTS.c.rowid)
        .where(fts.bool_op("MATCH")(fts5_query(words)), *kept)
        .order_by(_FTS.c.rowid.desc())
        .limit(SEARCH_WINDOW)
        .subquery("matched")
    )
    statement = (
        select_story_records()
        .join(matched, matched.c.id == StoryRow.id)
        # bm25 is lower for better matches
        .order_by(matched.c.rank.asc(), StoryRow.published_at.desc(), StoryRow.id.desc())
        .limit(limit)
    )
    return story_records(session, statement)


def _pg_search(
    session: Session, words: list[str], kept: list[ColumnElement[bool]], limit: int
) -> list[StoryRecord]:
    """The newest ``SEARCH_WINDOW`` matches with their rank, best first, then their records."""
    found = _pg_newest_matches(session, _pg_tsquery(words), kept)
    # Best first (ts_rank_cd is higher for better matches), then newer.
    found.sort(key=lambda row: (-row[2], -row[1].timestamp(), -row[0]))
    best = [row[0] for row in found[:limit]]
    if not best:
        return []
    chosen = select_story_records().where(StoryRow.id.in_(best))
    records = {record.id: record for record in story_records(session, chosen)}
    return [records[story_id] for story_id in best if story_id in records]


def _pg_newest_matches(
    session: Session, tsquery: ColumnElement[Any], kept: list[ColumnElement[bool]]
) -> list[Any]:
    """(id, published_at, rank) of the newest ``SEARCH_WINDOW`` stories matching ``tsquery``.

    The GIN index yields every match at once, and for a common word (a tenth of all stories)
    that is a long posting list to decode and a row to read per match, so the newest stories
    are walked down the primary key first (``ts_match_vq`` is ``@@`` in a form the GIN index
    does not serve, so the planner cannot swap the walk for the index). The walk covers at most
    ``SEARCH_RECENT_SPAN`` stories, and ``SEARCH_MORE_SPAN`` more when the matches it found say
    the rest of the window lies within them. Only a word that is rare among the newest stories
    goes to the GIN index for the older ones, where ``id + 0`` keeps the planner from walking
    the whole primary key instead.
    """
    rank = func.ts_rank_cd(_PG_VECTOR, tsquery, type_=Float)
    walked = select(StoryRow.id, StoryRow.published_at, rank).where(
        func.ts_match_vq(_PG_VECTOR, tsquery), *kept
    )
    indexed = select(StoryRow.id, StoryRow.published_at, rank).where(
        _PG_VECTOR.bool_op("@@")(tsquery), *kept
    )
    newest = session.scalar(select(func.max(StoryRow.id))) or 0
    found: list[Any] = []
    walked_to: int | None = None  # every match above this id is in ``found``
    if newest > SEARCH_RECENT_SPAN:
        walked_to = newest - SEARCH_RECENT_SPAN
        walk = walked.where(StoryRow.id > walked_to).order_by(StoryRow.id.desc())
        found = list(session.execute(walk.limit(SEARCH_WINDOW)))
        missing = SEARCH_WINDOW - len(found)
        if found and missing and missing * SEARCH_RECENT_SPAN <= len(found) * SEARCH_MORE_SPAN:
            more = walked.where(
                StoryRow.id <= walked_to, StoryRow.id > walked_to - SEARCH_MORE_SPAN
            ).order_by(StoryRow.id.desc())
            found.extend(session.execute(more.limit(missing)))
            walked_to -= SEARCH_MORE_SPAN
    if len(found) < SEARCH_WINDOW:
        older = indexed.order_by((StoryRow.id + 0).desc()).limit(SEARCH_WINDOW - len(found))
        if walked_to is not None:
            older = older.where(StoryRow.id <= walked_to)
        found.extend(session.execute(older))
    return found


def reindex_search(session: Session) -> None:
    """Rebuild the search index from the stories (SQLite); PostgreSQL's index needs nothing."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.connection().exec_driver_sql(
            "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')"
        )
    elif dialect != "postgresql":
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
