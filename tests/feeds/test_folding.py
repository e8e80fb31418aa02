"""How the tagger and the clusterer read a text: folding, words, and a story read once."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from feeds.folding import _FOLD_KEEPING_CASE, TextWords, _fold, cased_words, story_words

# Characters that matter to the folding and to the word rules: Turkish letters and their
# capitals, quotes and apostrophes, codes (S-400, F 35; "the 2026" is not one), dotted
# abbreviations, digits of other scripts, the Kelvin sign (which lower-cases to an ASCII k), and
# plain letters and spaces.
ALPHABET = st.sampled_from(
    [
        *"aZbsS09 -'.,`’‘´\t\nıİşŞğĞçÇöÖüÜâîûéßK٤",
        "\u212a",
        "\u00a0",
        "S-400",
        "F 35",
        "U.S.",
        "the 2026",
        "A 21",
        "I 9",
    ]
)
TEXTS = st.lists(ALPHABET, max_size=30).map("".join)
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)?")


def words_as_documented(text: str) -> list[str]:
    """The folding by translation table and the word rule, one regular expression each."""
    folded = text.translate(_FOLD_KEEPING_CASE)
    folded = re.sub(r"\b([A-Za-z]{1,3})(-?|\s)(\d{1,4})\b", _code_as_documented, folded)
    return [word.split("'", 1)[0] for word in _WORD.findall(folded)]


def _code_as_documented(match: re.Match[str]) -> str:
    """Letters and digits joined, except after a space unless the letters are capitals other
    than the words "A" and "I"."""
    letters, separator, digits = match.groups()
    if separator and separator != "-" and (not letters.isupper() or letters in ("A", "I")):
        return match.group(0)
    return letters + digits


@given(TEXTS)
def test_folding_by_replacement_is_the_translation_table(text: str) -> None:
    assert _fold(text) == text.translate(_FOLD_KEEPING_CASE)


@given(TEXTS)
def test_words_follow_the_documented_rules(text: str) -> None:
    assert cased_words(text) == words_as_documented(text)
    read = TextWords.of(text)
    assert list(read.cased) == words_as_documented(text)
    assert list(read.lower) == [word.lower() for word in words_as_documented(text)]


def test_folding_examples() -> None:
    assert cased_words("TÜRKİYE'NİN S-400'leri, F 35 ve İstanbul’da") == [
        "TURKIYE",
        "S400",
        "F35",
        "ve",
        "Istanbul",
    ]
    # After a space only capitals make a code: a word before a number stays a word.
    assert cased_words("the 2026 Games, A 21-year-old, MQ 9, s-400") == [
        "the",
        "2026",
        "Games",
        "A",
        "21",
        "year",
        "old",
        "MQ9",
        "s400",
    ]
    assert TextWords.of("Işık ılık").lower == ("isik", "ilik")


@given(TEXTS, TEXTS)
def test_a_story_reads_as_its_title_and_summary_joined_by_a_full_stop(
    title: str, summary: str
) -> None:
    """The tagger reads ``f"{title}. {summary}"``; reading the two apart and putting the words
    together gives the same words, so one reading serves the tagger and the clusterer."""
    read = story_words(title, summary)
    assert read.text == TextWords.of(f"{title}. {summary}")
    assert read.title == TextWords.of(title)
    assert read.summary == TextWords.of(summary)


def test_a_story_is_read_once() -> None:
    title, summary = "Erdoğan meets Guterres", "Talks in New York on the ceasefire."
    assert story_words(title, summary) is story_words(title, summary)
