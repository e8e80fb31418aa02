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

import math
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from storage.records import StoryRecord
from storage.search_rank import Match, rank_matches
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
        "search_lexemes",
    }
)
MAX_WORDS = 32
# How many of the newest matching stories are ranked (see the module docstring).
SEARCH_WINDOW = 100
# On PostgreSQL (see _pg_newest_matches and _next_span): the newest stories searched first; how
# much wider the next range is when none of them matched; how many matches in all make asking
# for all of them cheap; and how far back ranges reach before all the older stories are asked
# for. SEARCH_BLOCK must stay the divisor of migration 0009's index expression.
SEARCH_FIRST_SPAN = 2_000
SEARCH_EMPTY_GROWTH = 8
SEARCH_ALL_MATCHES = 1_000
SEARCH_RANGE_LIMIT = 200_000
SEARCH_BLOCK = 1000

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


# The words a query word's prefix stands for, when it stands for at most this many stored
# lexemes; a prefix of more (a word of one or two letters) stays a prefix.
PREFIX_EXPANSION_LIMIT = 64
# Per query word: its Turkish and English stems, and the stored lexemes it is a prefix of (at
# most PREFIX_EXPANSION_LIMIT + 1, so that one too many says "too many"). Byte order: the
# table's collation is "C", and every string beginning with the prefix lies in the range.
_PG_WORD_FORMS = text(
    """
    SELECT tsvector_to_array(to_tsvector('turkish'::regconfig, w.word)),
           tsvector_to_array(to_tsvector('english'::regconfig, w.word)),
           ARRAY(SELECT lexeme FROM search_lexemes
                 WHERE lexeme >= w.prefix AND lexeme < w.prefix || chr(1114111)
                 ORDER BY lexeme LIMIT :room)
    FROM unnest(CAST(:words AS text[]), CAST(:prefixes AS text[])) WITH ORDINALITY
         AS w(word, prefix, position)
    ORDER BY w.position
    """
)


def _tsquery_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _pg_tsquery(session: Session, words: list[str]) -> str | None:
    """A tsquery: for every word, its Turkish stem, its English stem or a stored lexeme it is a
    folded prefix of; None when some word can match nothing."""
    prefixes = [word.translate(_FOLD).lower() for word in words]
    rows = session.execute(
        _PG_WORD_FORMS,
        {"words": words, "prefixes": prefixes, "room": PREFIX_EXPANSION_LIMIT + 1},
    ).all()
    clauses: list[str] = []
    for prefix, (turkish, english, expansions) in zip(prefixes, rows, strict=True):
        # A stem of several lexemes (the parser split the word) needs them all.
        alternatives = [
            " & ".join(_tsquery_lexeme(lexeme) for lexeme in stemmed).join("()")
            if len(stemmed) > 1
            else _tsquery_lexeme(stemmed[0])
            for stemmed in (turkish, english)
            if stemmed
        ]
        if len(expansions) > PREFIX_EXPANSION_LIMIT:
            alternatives.append(_tsquery_lexeme(prefix) + ":*")
        else:
            # The parser stores a hyphenated word whole and in parts, so a story with
            # ``trump-xi`` has ``trump`` too: such a word adds nothing to its first part.
            alternatives.extend(
                _tsquery_lexeme(lexeme)
                for lexeme in expansions
                if not ("-" in lexeme and lexeme.partition("-")[0].startswith(prefix))
            )
        if not alternatives:
            return None
        clauses.append("(" + " | ".join(dict.fromkeys(alternatives)) + ")")
    return " & ".join(clauses)


def search_stories(
    session: Session,
    query: str,
    *,
    limit: int = 10,
    since: datetime | None = None,
    include_backlog: bool = True,
    one_per_cluster: bool = False,
) -> list[StoryRecord]:
    """Stories whose title or summary contains every word of ``query`` (as a word prefix), best
    match first, newer first among equals; with ``one_per_cluster``, only the best of each
    same-event cluster. Only the newest ``SEARCH_WINDOW`` matching stories are ranked. Stories
    of general feeds judged not about Turkey are left out. Raises ValueError for a query
    without words."""
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
        ranked = _sqlite_ranked(session, words, kept)
    elif dialect == "postgresql":
        ranked = _pg_ranked(session, words, kept)
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    chosen: list[int] = []
    clusters: set[int] = set()
    for story_id, cluster_id in ranked:
        if one_per_cluster and cluster_id is not None:
            if cluster_id in clusters:
                continue
            clusters.add(cluster_id)
        chosen.append(story_id)
        if len(chosen) == limit:
            break
    return _records_in_order(session, chosen)


def _sqlite_ranked(
    session: Session, words: list[str], kept: list[ColumnElement[bool]]
) -> list[tuple[int, int | None]]:
    """(id, cluster id) of the newest ``SEARCH_WINDOW`` matches, best first: FTS5 walks the
    matches newest first (its rowid is the story id), and ``rank_matches`` ranks them.

    FTS5's own ``bm25`` is not used: its first call counts, for each query word, every story
    that contains it, which for a word prefix means expanding the prefix a second time over the
    whole index and doubles the cost of a search for common words."""
    fts: ColumnElement[Any] = literal_column("stories_fts")
    columns = (StoryRow.id, StoryRow.published_at, StoryRow.title, StoryRow.summary)
    window = (
        select(*columns, StoryRow.cluster_id)
        .select_from(_FTS)
        .join(StoryRow, StoryRow.id == _FTS.c.rowid)
        .where(fts.bool_op("MATCH")(fts5_query(words)), *kept)
        .order_by(_FTS.c.rowid.desc())
        .limit(SEARCH_WINDOW)
    )
    rows = session.execute(window).all()
    cluster_of = {row[0]: row[4] for row in rows}
    matches = [Match(*row[:4]) for row in rows]
    return [(story_id, cluster_of[story_id]) for story_id in rank_matches(matches, words)]


def _records_in_order(session: Session, story_ids: list[int]) -> list[StoryRecord]:
    """The records of ``story_ids``, in that order."""
    if not story_ids:
        return []
    chosen = select_story_records().where(StoryRow.id.in_(story_ids))
    records = {record.id: record for record in story_records(session, chosen)}
    return [records[story_id] for story_id in story_ids if story_id in records]


def _pg_ranked(
    session: Session, words: list[str], kept: list[ColumnElement[bool]]
) -> list[tuple[int, int | None]]:
    """(id, cluster id) of the newest ``SEARCH_WINDOW`` matches, ranked by ``ts_rank_cd``
    (computed for those alone) best first and newer first among equals."""
    tsquery = _pg_tsquery(session, words)
    if tsquery is None:
        return []
    found = _pg_newest_matches(session, cast(literal(tsquery), TSQUERY), kept)
    found.sort(key=lambda row: (-row[2], -row[1].timestamp(), -row[0]))
    return [(row[0], row[3]) for row in found]


def _pg_newest_matches(
    session: Session, tsquery: ColumnElement[Any], kept: list[ColumnElement[bool]]
) -> list[Any]:
    """(id, published_at, rank, cluster id) of the newest ``SEARCH_WINDOW`` stories matching
    ``tsquery``
    (a constant, so it is not computed per row).

    Asked for every match, the GIN index decodes each word's whole posting list and reads every
    matching row, which for a common word is a tenth of all stories. Its first column, the
    story's block of ``SEARCH_BLOCK`` ids (migration 0009), lets a query ask for the matches
    from a recent block on instead, at a cost that follows how far back that is. So the newest
    ``SEARCH_FIRST_SPAN`` stories are searched first, and then ranges further back as
    ``_next_span`` says, until the window is full.
    """
    matching = select(StoryRow.id).where(_PG_VECTOR.bool_op("@@")(tsquery), *kept)
    newest = session.scalar(select(func.max(StoryRow.id))) or 0
    # Inline, so that it is the index's expression whatever plan the server makes.
    block = StoryRow.id.op("/", return_type=Integer)(literal_column(str(SEARCH_BLOCK), Integer))
    found: list[Any] = []
    below = newest + 1  # every match with an id at or above this is in ``found``
    span: int | None = SEARCH_FIRST_SPAN
    while below > 1 and len(found) < SEARCH_WINDOW:
        # ``id + 0``: bounds the primary key cannot serve, so that the GIN index does.
        query = matching if below > newest else matching.where(StoryRow.id + 0 < below)
        if span is not None and below - span > 1:
            low = below - span
            # The first block is what the index reads (from there to the newest: an upper bound
            # would be a second range for it to read, from the oldest block up); the id bound
            # is what the rows must meet.
            first = literal(low // SEARCH_BLOCK, Integer)
            query = query.where(block >= first, StoryRow.id + 0 >= low)
        else:
            low = 1
        ordered = query.order_by((StoryRow.id + 0).desc()).limit(SEARCH_WINDOW - len(found))
        found.extend(session.execute(_ranked(ordered.subquery(), tsquery)))
        below = low
        span = _next_span(len(found), newest + 1 - below, newest, span or 0)
    return found


def _ranked(chosen: Subquery, tsquery: ColumnElement[Any]) -> Select[Any]:
    """(id, published_at, rank, cluster id) of the ``chosen`` stories: the rank is computed for
    them alone, not for every match a range held before its newest were chosen."""
    rank = func.ts_rank_cd(_PG_VECTOR, tsquery)
    columns = (StoryRow.id, StoryRow.published_at, rank, StoryRow.cluster_id)
    return select(*columns).join(chosen, chosen.c.id == StoryRow.id)


def _next_span(found: int, searched: int, newest: int, span: int) -> int | None:
    """How many stories further back the next search reaches, or None for all the older ones,
    after ``found`` matches among the newest ``searched`` of ``newest`` stories, the last
    search reaching ``span`` back.

    - Matches found: the range is as wide as their share says the missing ones need, twice
      over; but when that share of all stories is at most ``SEARCH_ALL_MATCHES``, asking for all
      of them costs little and finishes the search.
    - None yet: a range ``SEARCH_EMPTY_GROWTH`` times as wide, once; none there either says the
      words are rare, and all the older stories are asked for.
    - A search reaching further back than ``SEARCH_RANGE_LIMIT`` stories asks for all of them.
    """
    if found:
        share = found / searched
        if share * newest <= SEARCH_ALL_MATCHES:
            return None
        span = math.ceil(2 * (SEARCH_WINDOW - found) / share)
    elif span <= SEARCH_FIRST_SPAN:
        span *= SEARCH_EMPTY_GROWTH
    else:
        return None
    return span if searched + span <= SEARCH_RANGE_LIMIT else None


# Migration 0009's fill of the vocabulary of the search vectors.
_PG_REFILL_LEXEMES = (
    "INSERT INTO search_lexemes (lexeme)"
    " SELECT DISTINCT unnest(tsvector_to_array(stories_fts)) FROM stories ORDER BY 1"
    " ON CONFLICT DO NOTHING"
)


def reindex_search(session: Session) -> None:
    """Rebuild the search index from the stories: SQLite's FTS5 index, PostgreSQL's vocabulary
    of lexemes (its GIN index needs nothing)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.connection().exec_driver_sql(
            "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')"
        )
    elif dialect == "postgresql":
        session.connection().exec_driver_sql("DELETE FROM search_lexemes")
        session.connection().exec_driver_sql(_PG_REFILL_LEXEMES)
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
