"""Ranking SQLite's window of search matches: a pure function over the matched stories' text.

FTS5 finds which stories match and hands over the newest ``SEARCH_WINDOW`` of them; this module
orders them. It is BM25's term-frequency score per field — the title weighted 3:1 over the
summary, each field's length compared with the window's average length — without the inverse
document frequency factor. FTS5's own ``bm25`` computes that factor on its first call by
counting every story that contains each query word, which for a word prefix expands the prefix
over the whole index a second time: for three common words that doubled the cost of a search
over 1,000,000 stories (bench/query.py). Every story in the window contains every query word,
so the factor would only say how much an extra occurrence of a rare word outweighs one of a
common word. PostgreSQL's ``ts_rank_cd`` has no such factor either.

A word counts in a field once per token that begins with it, in the folding the SQLite index
uses (lowercase, diacritics removed, dotless ı as i), so the score follows the prefix match:
``sanction`` counts ``sanctions``, ``yaptırım`` counts ``yaptırımlar``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# BM25's usual constants: term-frequency saturation and length normalisation.
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
SUMMARY_WEIGHT = 1.0

# FTS5's unicode61 tokenizer: letters, numbers and private-use characters make tokens.
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Match:
    """One matched story: what ranking reads."""

    id: int
    published_at: datetime
    title: str
    summary: str


class _Folding(dict[int, str]):
    """``str.translate`` table that folds each non-ASCII character on first sight: decomposed,
    combining marks dropped, dotless ı as i."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char == "ı":
            folded = "i"
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            folded = "".join(part for part in decomposed if not unicodedata.combining(part))
        self[code] = folded
        return folded


_FOLDING = _Folding()


def fold(text: str) -> str:
    """Lowercase without diacritics, ı as i: how the SQLite search index sees text."""
    lowered = text.lower()
    return lowered if lowered.isascii() else lowered.translate(_FOLDING)


def tokens(text: str) -> list[str]:
    """The folded tokens of ``text``."""
    return _TOKEN.findall(fold(text))


@dataclass(frozen=True, slots=True)
class _Field:
    """A field's folded tokens, each after a space (so `` word`` finds the tokens that begin
    with ``word``), and its length in tokens."""

    spaced: str
    length: int

    @classmethod
    def of(cls, text: str) -> _Field:
        found = tokens(text)
        return cls(" " + " ".join(found), len(found))


def _field_score(field: _Field, starts: Sequence[str], average: float) -> float:
    """BM25's term-frequency part for every query word (each after a space), summed."""
    norm = 1 - B + B * field.length / average
    score = 0.0
    for start in starts:
        frequency = field.spaced.count(start)
        if frequency:
            score += frequency * (K1 + 1) / (frequency + K1 * norm)
    return score


def rank_matches(matches: Iterable[Match], words: Sequence[str]) -> list[int]:
    """The ids of ``matches``, best first: higher score, then newer, then higher id. ``words``
    are the query's words."""
    starts = [" " + fold(word) for word in words]
    fields = [(match, _Field.of(match.title), _Field.of(match.summary)) for match in matches]
    if not fields:
        return []
    average_title = max(1.0, sum(title.length for _, title, _ in fields) / len(fields))
    average_summary = max(1.0, sum(summary.length for _, _, summary in fields) / len(fields))
    scored: list[tuple[float, datetime, int]] = []
    for match, title, summary in fields:
        score = TITLE_WEIGHT * _field_score(title, starts, average_title)
        score += SUMMARY_WEIGHT * _field_score(summary, starts, average_summary)
        scored.append((score, match.published_at, match.id))
    scored.sort(key=lambda row: (-row[0], -row[1].timestamp(), -row[2]))
    return [story_id for _, _, story_id in scored]
