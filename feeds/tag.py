"""The topic tagger: whole words and phrases, Turkish-aware, explainable. Pure and fast.

Text and aliases go through the same normalisation:

- folding to ASCII letters before lower-casing (``İ``→``I``, ``ş``→``s``, ``ı``→``i`` …), so
  Turkish case pairs agree (``İ``/``i`` and ``I``/``ı`` all become ``i``) and ``Türkiye``,
  ``TÜRKİYE`` and ``Turkiye`` are one word;
- codes joined: ``S-400``, ``S 400`` and ``S400`` all become ``s400`` (one to three letters
  followed by digits);
- a word's apostrophe suffix is dropped: ``NATO'nun`` → ``nato``, ``Turkey's`` → ``turkey``.

A word matches an alias word when it is the same word, or the alias word followed by a Turkish
suffix chain (``yaptırımları``, ``göçmenlerin``) in Turkish text or an English inflection
(``sanctions``, ``economies``) in other text, or, in Turkish text, when both have the same
Snowball stem (``birliğine`` / ``birlik``). Aliases of three letters or fewer match only as
whole words (``AB`` never matches ``ABD``); written in capitals, only capitalised words
(``US`` never matches "us").
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import snowballstemmer

from feeds.models import Story, TagMatch
from feeds.taxonomy import Taxonomy

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
_HAS_DIGIT = re.compile(r"\d")
_CODE = re.compile(r"\b([A-Za-z]{1,3})[\s-]?(\d{1,4})\b")
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)?")
_SHORT = 3
_PREFIX = 4


def _turkish_suffixes() -> frozenset[str]:
    """Suffix chains a Turkish noun can take: [plural][possessive][case][-ki] (harmony ignored)."""
    plural = ["", "lar", "ler"]
    possessive = [
        "",
        "i",
        "u",
        "si",
        "su",
        "m",
        "im",
        "um",
        "n",
        "in",
        "un",
        "imiz",
        "umuz",
        "iniz",
        "unuz",
        "leri",
        "lari",
        "miz",
        "niz",
    ]
    case = [
        "",
        "a",
        "e",
        "ya",
        "ye",
        "i",
        "u",
        "yi",
        "yu",
        "da",
        "de",
        "ta",
        "te",
        "dan",
        "den",
        "tan",
        "ten",
        "in",
        "un",
        "nin",
        "nun",
        "la",
        "le",
        "yla",
        "yle",
        "na",
        "ne",
        "ni",
        "nu",
        "nda",
        "nde",
        "ndan",
        "nden",
        "ca",
        "ce",
        "dir",
        "dur",
        "tir",
        "tur",
    ]
    ki = ["", "ki"]
    chains = {"".join(parts) for parts in itertools.product(plural, possessive, case, ki)}
    chains.discard("")
    return frozenset(chains)


TURKISH_SUFFIXES = _turkish_suffixes()
ENGLISH_SUFFIXES = frozenset({"s", "es", "ed", "d", "ing", "n", "an", "ans", "ian", "ians"})


def cased_words(text: str) -> list[str]:
    """A text's words folded to ASCII letters but keeping their case (İ → I, ş → s), codes
    joined (S-400 → S400) and apostrophe suffixes dropped (NATO'nun → NATO). Lower-casing
    them gives what Turkish case folding and ASCII folding give: ı, I, i and İ all become i."""
    folded = text.translate(_FOLD_KEEPING_CASE)
    if _HAS_DIGIT.search(folded):
        folded = _CODE.sub(_join_code, folded)
    return [word.split("'", 1)[0] if "'" in word else word for word in _WORD.findall(folded)]


def _join_code(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2)


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
class _AliasWord:
    surface: str
    stem: str  # Turkish stem (English inflections are matched by suffix, not by stem)
    # Short aliases written with capitals match only capitalised words: "US" never matches
    # "us", "Fed" never "fed", "AB" never "ab".
    case: str | None = None  # "upper", "title" or None

    def matches(self, word: str, language: str, raw: str = "") -> bool:
        if self.case == "upper" and not raw.isupper():
            return False
        if self.case == "title" and not raw[:1].isupper():
            return False
        if word == self.surface:
            return True
        if len(self.surface) <= _SHORT or not word.startswith(self.surface[:_PREFIX]):
            return False
        if word.startswith(self.surface):
            rest = word[len(self.surface) :]
            return rest in (TURKISH_SUFFIXES if language == "tr" else ENGLISH_SUFFIXES)
        if language != "tr":
            # economy → economies, economied; other English forms share the alias's letters.
            return self.surface.endswith("y") and word in (
                self.surface[:-1] + "ies",
                self.surface[:-1] + "ied",
            )
        # Turkish stem changes (birlik → birliği, kitap → kitabı) need the stemmer.
        return stem(word, "tr") == self.stem


@dataclass(frozen=True, slots=True)
class _Alias:
    slug: str
    text: str
    words: tuple[_AliasWord, ...]


def _alias_word(cased: str) -> _AliasWord:
    surface = cased.lower()
    case = None
    if len(surface) <= _SHORT and cased.isupper():
        case = "upper"
    elif len(surface) <= _SHORT and cased[:1].isupper():
        case = "title"
    return _AliasWord(surface, stem(surface, "tr") if len(surface) > _SHORT else surface, case)


class _PhraseIndex:
    """Phrases indexed by their first word (its surface form and its first letters)."""

    def __init__(self) -> None:
        self._by_word: defaultdict[str, list[_Alias]] = defaultdict(list)
        self._by_prefix: defaultdict[str, list[_Alias]] = defaultdict(list)

    def add(self, slug: str, text: str, language: str | None) -> None:
        alias_words = tuple(_alias_word(w) for w in cased_words(text))
        if not alias_words:
            return
        alias = _Alias(slug, text, alias_words)
        first = alias_words[0]
        self._by_word[first.surface].append(alias)
        if len(first.surface) > _SHORT:
            self._by_prefix[first.surface[:_PREFIX]].append(alias)

    def find(
        self, tokens: list[str], raw: list[str], language: str
    ) -> list[tuple[_Alias, int, int]]:
        """Every (phrase, start, end) occurrence in ``tokens``."""
        by_word, by_prefix = self._by_word, self._by_prefix
        found: list[tuple[_Alias, int, int]] = []
        count = len(tokens)
        for start, word in enumerate(tokens):
            exact = by_word.get(word)
            # Inflected forms share their first letters with the alias word (a stem change
            # such as birlik → birliği comes later in the word), so only those are compared.
            similar = by_prefix.get(word[:_PREFIX]) if len(word) > _SHORT else None
            if exact is None and similar is None:
                continue
            for alias in itertools.chain(exact or (), similar or ()):
                first, *rest = alias.words
                end = start + 1 + len(rest)
                if end > count or not first.matches(word, language, raw[start]):
                    continue
                if all(
                    alias_word.matches(tokens[start + offset], language, raw[start + offset])
                    for offset, alias_word in enumerate(rest, start=1)
                ):
                    found.append((alias, start, end))
        return found


class Tagger:
    """Tags texts with the topics of a taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._order = {slug: index for index, slug in enumerate(taxonomy.slugs)}
        self._aliases = _PhraseIndex()
        self._exclusions = _PhraseIndex()
        for topic in taxonomy.topics:
            for text in topic.aliases_en:
                self._aliases.add(topic.slug, text, "en")
            for text in topic.aliases_tr:
                self._aliases.add(topic.slug, text, "tr")
            for text in topic.exclude:
                self._exclusions.add(topic.slug, text, None)
        self._slugs_with_exclusions = frozenset(t.slug for t in taxonomy.topics if t.exclude)

    def tag(self, text: str, language: str | None) -> list[TagMatch]:
        """Topics of ``text`` (a title and summary), each once, in taxonomy order."""
        language = "tr" if language == "tr" else "en"
        raw = cased_words(text)
        tokens = [word.lower() for word in raw]
        matches = self._aliases.find(tokens, raw, language)
        if not matches:
            return []
        excluded = (
            [(a.slug, s, e) for a, s, e in self._exclusions.find(tokens, raw, language)]
            if any(alias.slug in self._slugs_with_exclusions for alias, _, _ in matches)
            else []
        )
        found: dict[str, TagMatch] = {}
        for alias, start, end in matches:
            if alias.slug in found:
                continue
            if any(slug == alias.slug and s <= start and end <= e for slug, s, e in excluded):
                continue
            found[alias.slug] = TagMatch(alias.slug, alias.text)
        return sorted(found.values(), key=lambda match: self._order[match.slug])


def tag_stories(stories: Iterable[Story], tagger: Tagger) -> list[Story]:
    """The stories with their topics from title and summary."""
    return [
        replace(story, topics=tuple(tagger.tag(f"{story.title}. {story.summary}", story.language)))
        for story in stories
    ]
