"""How the tagger and the clusterer read a text: words folded to ASCII letters, codes joined,
apostrophe suffixes dropped, and Snowball stems. Pure.

Folding comes before lower-casing (``İ``→``I``, ``ş``→``s``, ``ı``→``i`` …), so Turkish case
pairs agree (``İ``/``i`` and ``I``/``ı`` all become ``i``) and ``Türkiye``, ``TÜRKİYE`` and
``Turkiye`` are one word. ``S-400``, ``S 400`` and ``S400`` all become ``S400`` (one to three
letters followed by digits; after a space only capitals, so "the 2026" stays two words), and
``NATO'nun`` becomes ``NATO``.

A story is read once: ``story_words`` keeps the words of the latest stories' titles and
summaries, so that the topic tagger, the general-feed filter and the clusterer, which all read
the same story within one poll, fold its text only once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_ASCII = str.maketrans(
    {
        "ı": "i",
        "ş": "s",
        "ğ": "g",
        "ç": "c",
        "ö": "o",
        "ü": "u",
        "â": "a",
        "î": "i",
        "û": "u",
        "é": "e",
        "è": "e",
        "ë": "e",
        "á": "a",
        "à": "a",
        "ä": "a",
        "ó": "o",
        "í": "i",
        "ñ": "n",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
    }
)
_ASCII_CASED = str.maketrans(
    {"İ": "I", "Ş": "S", "Ğ": "G", "Ç": "C", "Ö": "O", "Ü": "U", "Â": "A", "Î": "I", "Û": "U"}
)
_FOLD_KEEPING_CASE = {**_ASCII_CASED, **_ASCII}
# The same folding as (character, replacement) pairs: no replacement is itself folded, so
# replacing them one after the other is ``str.translate``, without its per-character look-up.
_FOLDS = tuple((chr(source), target) for source, target in _FOLD_KEEPING_CASE.items())
_HAS_DIGIT = re.compile(r"\d")
# A code: one to three letters, then digits, joined or after a hyphen (S400, S-400, s-400), or
# after a space when the letters are capitals (S 400, MQ 9): "the 2026", "of 34" and the words
# "A" and "I" ("A 21-year-old") are words before a number, not codes.
_CODE = re.compile(r"\b(?:([A-Za-z]{1,3})-?|(?!A |I )([A-Z]{1,3})\s)(\d{1,4})\b")
# A word, and the apostrophe suffix it may carry (NATO'nun): only the word is kept.
_WORD = re.compile(r"([A-Za-z0-9]+)(?:'[A-Za-z0-9]+)?")
# Stories whose words are kept: more than the new stories of the polls in flight at once.
_KEPT_STORIES = 512


def cased_words(text: str) -> list[str]:
    """A text's words folded to ASCII letters but keeping their case (İ → I, ş → s), codes
    joined (S-400 → S400) and apostrophe suffixes dropped (NATO'nun → NATO). Lower-casing
    them gives what Turkish case folding and ASCII folding give: ı, I, i and İ all become i."""
    folded = _fold(text)
    if _HAS_DIGIT.search(folded):
        folded = _CODE.sub(_join_code, folded)
    words: list[str] = _WORD.findall(folded)
    return words


def fold_joined(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text as ``cased_words`` reads it (folded, codes joined) and where each of its words
    lies in that text, apostrophe suffix included: ``cased_words(text)[i]`` starts at
    ``spans[i][0]``."""
    folded = _fold(text)
    if _HAS_DIGIT.search(folded):
        folded = _CODE.sub(_join_code, folded)
    return folded, [match.span() for match in _WORD.finditer(folded)]


def _fold(text: str) -> str:
    """``text.translate(_FOLD_KEEPING_CASE)``: non-ASCII letters and quotes, and the backtick,
    folded to ASCII (İ → I, ş → s, ’ → ')."""
    if text.isascii():
        return text.replace("`", "'")
    for source, target in _FOLDS:
        text = text.replace(source, target)
    return text


def _join_code(match: re.Match[str]) -> str:
    letters, capitals, digits = match.groups()
    return (letters or capitals) + digits


def words(text: str) -> list[str]:
    """Normalised words of a text: folded, codes joined, apostrophe suffixes dropped."""
    return [word.lower() for word in cased_words(text)]


@lru_cache(maxsize=8)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("turkish" if language == "tr" else "english")


@lru_cache(maxsize=65536)
def stem(word: str, language: str) -> str:
    return str(_stemmer(language).stemWord(word))


@dataclass(frozen=True, slots=True)
class TextWords:
    """A text's words as written (folded, case kept: ``cased_words``) and lower-cased."""

    cased: tuple[str, ...]
    lower: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> TextWords:
        cased = cased_words(text)
        if not cased:
            return cls((), ())
        # Words are ASCII letters and digits: lower-casing them joined is lower-casing each.
        return cls(tuple(cased), tuple(" ".join(cased).lower().split(" ")))


@dataclass(frozen=True, slots=True)
class StoryWords:
    """The words of a story's title, of its summary, and of both as the tagger reads them
    (``f"{title}. {summary}"``)."""

    title: TextWords
    summary: TextWords
    text: TextWords


@lru_cache(maxsize=_KEPT_STORIES)
def story_words(title: str, summary: str) -> StoryWords:
    """The words of a story's title and summary (the latest stories' are kept).

    The words of ``f"{title}. {summary}"`` are the title's followed by the summary's: no word
    and no joined code spans the full stop between them."""
    title_words, summary_words = TextWords.of(title), TextWords.of(summary)
    both = TextWords(
        title_words.cased + summary_words.cased, title_words.lower + summary_words.lower
    )
    return StoryWords(title_words, summary_words, both)
