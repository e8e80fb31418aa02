"""Mentions a story makes in passing: a topic named only there is not what the story is about.
Pure.

Five kinds of mention are set aside:

- **A name, or a word that needs context, in a background phrase, outside the headline.**
  English sets a scene with a phrase that a preposition opens ("amid Russia's invasion of
  Ukraine", "during Russia's war on Ukraine", "despite …", "unlike Donald Trump"); Turkish
  closes it with a postposition ("Rusya-Ukrayna savaşı sırasında", "Trump'ın aksine", "…
  rağmen", "… gölgesinde"). The phrase runs from its marker to the named word, at most
  ``BACKGROUND_REACH`` words, with no clause punctuation between them. Names (aliases written
  with a capital: a country, a leader, a bloc) are set aside, and so are words a topic counts
  only with context, which such a phrase gives them in passing ("faced deportation amid a
  protest crackdown under Trump"); any other theme word in such a phrase is often the cause a
  reader of the theme follows ("exports rose despite sanctions"). A phrase about an encounter
  ("during talks with Putin", "Putin ile görüşmesi sırasında") is not background: it is the
  story.
- **A named camp.** "Israeli tanks surge into the Jabalia refugee camp", "Cenin mülteci
  kampına baskın": a place where raids and fighting happen. A camp of refugees named for its
  people ("a Rohingya refugee camp") is usually a story of refugees, and says "refugees" again.
- **A currency.** "a US $5 million plan", "US$26.50 a share": the dollar, not the state.
- **An origin.** "Syrian-born engineer", "Turkish-born actor": a person's birthplace, not the
  state or the country's affairs.
- **A quoted title of a work.** A name that is the whole of a quotation, in a text that speaks
  of a work (a series, a film, a book, a season …), is the work's title: "Dana Eden, Co-Creator
  of 'Tehran,' Dies During Filming of Fourth Season" is not news about Iran. A quoted word in
  other texts is still the word ("removing the word 'Palestine' from displays").

The tagger sets a topic aside only when every one of its mentions is set aside; a headline
mention or one unquoted mention elsewhere keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from feeds.folding import fold_joined

BACKGROUND_REACH = 6  # words from the marker to the name, the name's first word included
# English: the word that opens a background phrase.
BACKGROUND_BEFORE = frozenset({"amid", "amidst", "during", "despite", "unlike"})
# Turkish (folded): the postposition that closes one.
BACKGROUND_AFTER = frozenset(
    {"sirasinda", "esnasinda", "ortasinda", "golgesinde", "ragmen", "aksine"}
)
# Words of an encounter or a role: a phrase with one is the story's own, not its background.
_ENCOUNTERS = frozenset(
    {
        "meeting", "meetings", "met", "meet", "talks", "talk", "visit", "visits", "visiting",
        "call", "calls", "summit", "summits", "conversation", "negotiations", "trip",
        "interview", "audience",
        "as", "olarak",  # a role: "during his final years as Iraq's leader"
    }
)  # fmt: skip
_ENCOUNTER_STEMS_TR = ("gorusme", "ziyaret", "zirve", "muzakere", "toplanti", "telefon")
# Words that speak of a work (folded, lower case): whole words, and beginnings of words.
_WORK_WORDS = frozenset(
    {
        "series", "season", "seasons", "episode", "episodes", "creator", "creators", "director",
        "directors", "directed", "screenwriter", "starring", "sitcom", "book", "books", "novel",
        "novels", "memoir", "album", "albums", "song", "songs", "opera", "musical", "tv",
        "television", "netflix", "kitap", "kitabi", "kitabinda", "sarki", "sarkisi", "sezon",
        "sezonu", "sezonunun", "senarist",
    }
)  # fmt: skip
_WORK_BEGINNINGS = ("film", "movie", "documentar", "dizi", "belgesel", "yonetmen")
_LOOKED_AT_BEGINNINGS = (*_WORK_BEGINNINGS, "kamp")
_CAMPS = frozenset({"camp", "camps"})
# Words before "refugee camp" that are no camp's name when capitalised (a Title Case
# headline's "Into the Refugee Camp").
_NOT_PLACES = frozenset(
    {"the", "a", "in", "at", "of", "from", "into", "near", "to", "on", "and", "its", "their"}
)
# Clause punctuation between two words: a background phrase does not run across it.
_BREAK = re.compile(r"[,.;:!?()\[\]—–]| - ")
_OPENING_QUOTES = "'\"“«"
_CLOSING_QUOTES = "'\"”»"


@dataclass(frozen=True, slots=True)
class Layout:
    """What lies between a text's words (as ``feeds.folding.cased_words`` reads them)."""

    breaks: frozenset[int]  # i: clause punctuation between word i and word i + 1
    opened: frozenset[int]  # i: word i comes right after an opening quotation mark
    closed: frozenset[int]  # i: a closing quotation mark comes right after word i
    priced: frozenset[int] = frozenset()  # i: a dollar sign comes right after word i ("US $5")

    @classmethod
    def of(cls, text: str) -> Layout:
        folded, spans = fold_joined(text)
        breaks: set[int] = set()
        opened: set[int] = set()
        closed: set[int] = set()
        priced: set[int] = set()
        previous_end = 0
        for index, (start, end) in enumerate(spans):
            gap = folded[previous_end:start]
            before = gap.rstrip()
            # An opening mark starts the gap or follows a space: ",' " closes a quotation.
            if before[-1:] and before[-1] in _OPENING_QUOTES and before[-2:-1] in ("", " ", "("):
                opened.add(index)
            if index and _BREAK.search(gap):
                breaks.add(index - 1)
            previous_end = end
            # A closing mark comes right after the word, or after its comma (‘Tehran,’).
            after = folded[end : end + 2].lstrip(",.")
            if after[:1] and after[0] in _CLOSING_QUOTES:
                closed.add(index)
            if folded[end : end + 2].lstrip()[:1] == "$":
                priced.add(index)
        return cls(frozenset(breaks), frozenset(opened), frozenset(closed), frozenset(priced))


def worth_a_look(tokens: Sequence[str], written: str) -> bool:
    """Whether any mention of the text can be set aside: it has a background marker, an
    origin ("-born"), a camp, a word of a work or a dollar sign. A quick test before the
    text's ``Layout`` is read."""
    return (
        "born" in tokens
        or "$" in written
        or not BACKGROUND_BEFORE.isdisjoint(tokens)
        or not BACKGROUND_AFTER.isdisjoint(tokens)
        or not _CAMPS.isdisjoint(tokens)
        or not _WORK_WORDS.isdisjoint(tokens)
        or any(token.startswith(_LOOKED_AT_BEGINNINGS) for token in tokens)
    )


def _speaks_of_a_work(tokens: Sequence[str]) -> bool:
    return not _WORK_WORDS.isdisjoint(tokens) or any(
        token.startswith(_WORK_BEGINNINGS) for token in tokens
    )


def set_aside(
    start: int,
    end: int,
    tokens: Sequence[str],
    layout: Layout,
    *,
    cased: Sequence[str],
    headline: int,
    name: bool,
    language: str,
    ambiguous: bool = False,
) -> bool:
    """Whether the mention ``tokens[start:end]`` is made in passing (see the module's text).
    ``headline``: how many of the text's first words are its headline; ``name``: whether the
    alias is a name; ``ambiguous``: whether it is a word that needs context (one of several
    senses, as "crackdown" or "protest")."""
    if start in layout.opened and end - 1 in layout.closed and _speaks_of_a_work(tokens):
        return True
    if name and end < len(tokens) and tokens[end] == "born":  # an origin: "Syrian-born"
        return True
    if name and end - 1 in layout.priced:  # a currency: "US $5 million", "US$26.50 a share"
        return True
    if not name and _names_a_camp(start, end, tokens, cased, layout):
        return True
    if not (name or ambiguous) or start < headline:
        return False
    if language == "tr":
        return _closed_by_postposition(end, tokens, layout)
    return _opened_by_preposition(start, tokens, layout, headline)


def _names_a_camp(
    start: int, end: int, tokens: Sequence[str], cased: Sequence[str], layout: Layout
) -> bool:
    """Whether the mention is part of a named camp ("Jabalia refugee camp", "Cenin mülteci
    kampı"): a place, where raids and fighting happen, more than a story of migration."""
    before = start - 1
    return (
        end < len(tokens)
        and (tokens[end] in _CAMPS or tokens[end].startswith("kamp"))
        and before >= 0
        and before not in layout.breaks
        and cased[before][:1].isupper()
        and tokens[before] not in _NOT_PLACES
    )


def _opened_by_preposition(
    start: int, tokens: Sequence[str], layout: Layout, headline: int
) -> bool:
    for index in range(start - 1, max(headline, start - BACKGROUND_REACH) - 1, -1):
        if index in layout.breaks:
            return False
        if tokens[index] in BACKGROUND_BEFORE:
            return not _encounter(tokens[index + 1 : start])
    return False


def _closed_by_postposition(end: int, tokens: Sequence[str], layout: Layout) -> bool:
    for index in range(end, min(len(tokens), end - 1 + BACKGROUND_REACH)):
        if index - 1 in layout.breaks:
            return False
        if tokens[index] in BACKGROUND_AFTER:
            return not _encounter(tokens[end:index])
    return False


def _encounter(between: Sequence[str]) -> bool:
    """Whether the words between a marker and a name make the phrase the story's own: an
    encounter ("during talks with"), or a role ("during his years as Iraq's leader")."""
    return not _ENCOUNTERS.isdisjoint(between) or any(
        word.startswith(_ENCOUNTER_STEMS_TR) for word in between
    )
