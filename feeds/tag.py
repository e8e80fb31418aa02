"""The topic tagger: whole words and phrases, Turkish-aware, explainable. Pure and fast.

Text and aliases go through the same normalisation:

- Turkish case folding (``İ``→``i``, ``I``→``ı`` in Turkish text), then folding to ASCII
  letters (``ş``→``s``, ``ı``→``i`` …), so ``Türkiye``, ``TÜRKİYE`` and ``Turkiye`` agree;
- codes joined: ``S-400``, ``S 400`` and ``S400`` all become ``s400`` (one to three letters
  followed by digits);
- a word's apostrophe suffix is dropped: ``NATO'nun`` → ``nato``, ``Turkey's`` → ``turkey``.

A word matches an alias word when it is the same word, or the alias word followed by a Turkish
suffix chain (``yaptırımları``, ``göçmenlerin``), or an English inflection (``sanctions``), or
when both have the same Snowball stem in the text's language (``birliğine`` / ``birlik``).
Aliases of three letters or fewer match only as whole words (``AB`` never matches ``ABD``).
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

_TURKISH_UPPER = str.maketrans({"İ": "i", "I": "ı"})
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
_CODE = re.compile(r"\b([a-z]{1,3})[\s-]?(\d{1,4})\b")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)?")
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


def fold(text: str, language: str | None) -> str:
    """Lower-case with Turkish rules for Turkish text, then fold to ASCII letters."""
    if language == "tr":
        text = text.translate(_TURKISH_UPPER)
    return text.lower().translate(_ASCII)


def words(text: str, language: str | None) -> list[str]:
    """Normalised words of a text: folded, codes joined, apostrophe suffixes dropped."""
    folded = _CODE.sub(r"\1\2", fold(text, language))
    return [word.split("'", 1)[0] for word in _WORD.findall(folded)]


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

    def matches(self, word: str, language: str) -> bool:
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


def _alias_word(surface: str) -> _AliasWord:
    return _AliasWord(surface, stem(surface, "tr") if len(surface) > _SHORT else surface)


class _PhraseIndex:
    """Phrases indexed by their first word (its surface form and its first letters)."""

    def __init__(self) -> None:
        self._by_word: defaultdict[str, list[_Alias]] = defaultdict(list)
        self._by_prefix: defaultdict[str, list[_Alias]] = defaultdict(list)

    def add(self, slug: str, text: str, language: str | None) -> None:
        alias_words = tuple(_alias_word(w) for w in words(text, language))
        if not alias_words:
            return
        alias = _Alias(slug, text, alias_words)
        first = alias_words[0]
        self._by_word[first.surface].append(alias)
        if len(first.surface) > _SHORT:
            self._by_prefix[first.surface[:_PREFIX]].append(alias)

    def find(self, tokens: list[str], language: str) -> list[tuple[_Alias, int, int]]:
        """Every (phrase, start, end) occurrence in ``tokens``."""
        by_word, by_prefix = self._by_word, self._by_prefix
        found: list[tuple[_Alias, int, int]] = []
        for start, word in enumerate(tokens):
            exact = by_word.get(word)
            # Inflected forms share their first letters with the alias word (a stem change
            # such as birlik → birliği comes later in the word), so only those are compared.
            similar = by_prefix.get(word[:_PREFIX]) if len(word) > _SHORT else None
            if exact is None and similar is None:
                continue
            for alias in itertools.chain(exact or (), similar or ()):
                end = start + len(alias.words)
                if end <= len(tokens) and all(
                    alias_word.matches(tokens[start + offset], language)
                    for offset, alias_word in enumerate(alias.words)
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

    def tag(self, text: str, language: str | None) -> list[TagMatch]:
        """Topics of ``text`` (a title and summary), each once, in taxonomy order."""
        language = "tr" if language == "tr" else "en"
        tokens = words(text, language)
        matches = self._aliases.find(tokens, language)
        if not matches:
            return []
        excluded = [(a.slug, s, e) for a, s, e in self._exclusions.find(tokens, language)]
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
