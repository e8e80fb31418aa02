"""How a Turkish text's names read in English, so that same-event clustering can find an
English and a Turkish report of one happening through the names they share. Pure.

Reports in two languages share names, places and numbers, not words. Turkish news writes many
names its own way (``Rusya``/Russia, ``Cenevre``/Geneva, ``BM``/UN, ``Zelenskiy``/Zelensky);
``exonyms.toml`` lists them, and a capitalised Turkish word listed there is read as its English
form. A capitalised Turkish word that is not Turkish vocabulary (``Guterres``, ``Rubio``) is a
foreign name: it is stemmed as English is, so that it meets the English reports' word (the
Turkish stemmer would cut ``Jeri`` to ``jer``, the English one cuts ``Guterres`` to
``guterr``). Other capitalised words (``Kurulu``, a headline's first word) are Turkish and are
stemmed as Turkish.

A deployment can add names, or read a listed word otherwise, with a file of its own
(``HABERCI_NAMES_FILE``, ``use_exonyms``).

What happened carries over too, through ``news_words.toml``: Turkish news words with the English
word English news writes for them (``müzakere`` talks, ``ateşkes`` ceasefire, ``imzala`` sign). A
Turkish word that is a listed word followed by a Turkish noun suffix chain (``müzakerelerin``),
or for a listed verb stem by a verb's (``imzalandı``, ``kınadılar``), counts as the English word;
the longest listed word wins (``ateşkes`` before ``ateş``). Such a word keeps the background
weight it has in Turkish when that is the higher, so reading it in English never makes it rarer
than it is.

Names take their Turkish suffixes after an apostrophe (``Cenevre'de``), which the folding drops,
so a capitalised word is read as written. Lower-case words are never names here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from feeds.folding import cased_words, stem
from feeds.tag import TURKISH_SUFFIXES, TURKISH_VERB_SUFFIXES
from feeds.word_frequency import story_shares

EXONYMS = Path(__file__).with_name("exonyms.toml")
NEWS_WORDS = Path(__file__).with_name("news_words.toml")
_SHORTEST_NEWS_WORD = 4


class ExonymError(ValueError):
    """A gazetteer entry that is not one Turkish word for one to three English words."""


def _read_toml(path: Path) -> dict[str, object]:
    """A TOML file's tables; ``ExonymError`` naming the file when it cannot be read or parsed."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ExonymError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ExonymError(f"{path.name}: not valid TOML: {exc}") from exc


def read_exonyms(path: Path = EXONYMS) -> dict[str, str]:
    """Folded, lower-cased Turkish word → its English form, lower-cased (one to three words).
    Raises ``ExonymError`` naming the file and the entry for anything else."""
    raw = _read_toml(path).get("tr_to_en")
    if not isinstance(raw, Mapping):
        raise ExonymError(f"{path.name}: no [tr_to_en] table of Turkish = English names")
    return _names(raw, path)


def _names(raw: Mapping[str, object], path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    for turkish, english in raw.items():
        words = cased_words(turkish)
        if len(words) != 1:
            raise ExonymError(f"{path.name}: {turkish!r} is not one word")
        if not isinstance(english, str) or not 1 <= len(cased_words(english)) <= 3:
            raise ExonymError(f"{path.name}: {turkish!r} = {english!r}: one to three English words")
        key, value = words[0].lower(), " ".join(cased_words(english)).lower()
        if table.get(key, value) != value:
            raise ExonymError(f"{path.name}: {turkish!r} reads as {key!r}, listed twice")
        table[key] = value
    return table


def read_news_words(path: Path = NEWS_WORDS) -> dict[str, tuple[str, bool]]:
    """Folded, lower-cased Turkish word (four letters or more) → its English word, lower-cased,
    and whether it is a verb's stem (``[tr_to_en_verbs]``) rather than a noun or an adjective
    (``[tr_to_en_words]``). Raises ``ExonymError`` naming the file and the entry for anything
    else."""
    document = _read_toml(path)
    nominals, verbs = document.get("tr_to_en_words"), document.get("tr_to_en_verbs", {})
    if not isinstance(nominals, Mapping) or not isinstance(verbs, Mapping):
        raise ExonymError(f"{path.name}: no [tr_to_en_words] table of Turkish = English words")
    return _news_words_of(nominals, verbs, path)


def _news_words_of(
    nominals: Mapping[str, object], verbs: Mapping[str, object], path: Path
) -> dict[str, tuple[str, bool]]:
    table: dict[str, tuple[str, bool]] = {}
    for raw, verb in ((nominals, False), (verbs, True)):
        for turkish, english in raw.items():
            words = cased_words(turkish)
            if len(words) != 1 or len(words[0]) < _SHORTEST_NEWS_WORD:
                raise ExonymError(
                    f"{path.name}: {turkish!r} is not one word of four letters or more"
                )
            if not isinstance(english, str) or len(cased_words(english)) != 1:
                raise ExonymError(f"{path.name}: {turkish!r} = {english!r}: one English word")
            key, value = words[0].lower(), (cased_words(english)[0].lower(), verb)
            if table.get(key, value) != value:
                raise ExonymError(f"{path.name}: {turkish!r} reads as {key!r}, listed twice")
            table[key] = value
    return table


def read_names_file(path: Path) -> tuple[dict[str, str], dict[str, tuple[str, bool]]]:
    """A deployment's names file (``HABERCI_NAMES_FILE``): its names (``[tr_to_en]``) and its
    news words (``[tr_to_en_words]``, ``[tr_to_en_verbs]``), in the bundled files' formats; at
    least one of the tables. Raises ``ExonymError`` naming the file and the entry."""
    document = _read_toml(path)
    if not any(name in document for name in _NAMES_FILE_TABLES):
        raise ExonymError(f"{path.name}: no [tr_to_en], [tr_to_en_words] or [tr_to_en_verbs] table")
    tables: dict[str, Mapping[str, object]] = {}
    for name in _NAMES_FILE_TABLES:
        table = document.get(name, {})
        if not isinstance(table, Mapping):
            raise ExonymError(f"{path.name}: [{name}] is not a table")
        tables[name] = table
    names = _names(tables["tr_to_en"], path)
    words = _news_words_of(tables["tr_to_en_words"], tables["tr_to_en_verbs"], path)
    return names, words


_NAMES_FILE_TABLES = ("tr_to_en", "tr_to_en_words", "tr_to_en_verbs")


def news_word(lower: str) -> str | None:
    """The English word a folded, lower-cased Turkish word counts as: that of the longest listed
    word it starts with, followed by nothing or by a Turkish noun suffix chain, or for a verb's
    stem by a verb's (``imzala-n-di``)."""
    table = _news_words()
    for end in range(len(lower), _SHORTEST_NEWS_WORD - 1, -1):
        listed = table.get(lower[:end])
        if listed is None:
            continue
        english, verb = listed
        rest = lower[end:]
        if not rest or rest in TURKISH_SUFFIXES or "y" + rest in TURKISH_SUFFIXES:
            return english  # "y" is a buffer before a vowel: "müzakereye"
        if verb and rest in TURKISH_VERB_SUFFIXES:
            return english
    return None


_table: dict[str, str] | None = None  # in use: the bundled names and a deployment's
_words: dict[str, tuple[str, bool]] | None = None  # the bundled news words and a deployment's
_extra: Path | None = None  # the deployment's file in ``_table`` and ``_words``


def _exonyms() -> dict[str, str]:
    """The names in use; the bundled ones are read on first use."""
    global _table
    if _table is None:
        _table = read_exonyms()
    return _table


def _news_words() -> dict[str, tuple[str, bool]]:
    """The news words in use; the bundled ones are read on first use."""
    global _words
    if _words is None:
        _words = read_news_words()
    return _words


def use_exonyms(path: Path | None) -> bool:
    """The bundled names and news words, extended by those of ``path`` (a deployment's own,
    ``read_names_file``; its entries win where both list a word), for every clustering from now
    on. The file is read in full first: a bad entry raises ``ExonymError`` and changes nothing.
    Returns whether the names changed; callers then reset what was read through the old names
    (``feeds.cluster.use_names_file``)."""
    global _table, _words, _extra
    if path == _extra:  # the same names: for None, the bundled ones, read on first use
        return False
    table, words = read_exonyms(), read_news_words()
    if path is not None:
        own_names, own_words = read_names_file(path)
        table.update(own_names)
        words.update(own_words)
    _table, _words, _extra = table, words, path
    background_shares.cache_clear()
    return True


def turkish_terms(word: str) -> tuple[str, ...]:
    """The stemmed terms a folded Turkish word (``cased_words``) counts as: its English form's
    stems when it is a listed name, the English word's stem when it is a listed news word (a
    headline's first word too), the English stem when it is a capitalised foreign name, else
    its Turkish stem."""
    lower = word.lower()
    if word[0].isupper():
        english = _exonyms().get(lower)
        if english is not None:
            return tuple(stem(part, "en") for part in english.split(" "))
    english = news_word(lower)
    if english is not None:
        return (stem(english, "en"),)
    turkish = stem(lower, "tr")
    if word[0].isupper() and turkish not in story_shares():
        return (stem(lower, "en"),)  # not Turkish (nor shared) vocabulary: a foreign name
    return (turkish,)


@cache
def background_shares() -> dict[str, float]:
    """The bundled background shares (``feeds.word_frequency.story_shares``), with a listed
    name's English terms as common as the name is in Turkish where English text gives them no
    figure: ``Erdoğan`` counts as ``erdogan``, which the English list lacks, and is as common as
    the Turkish stem ``erdoga`` says. Where English has a figure (``iran``), it stands. A news
    word's English term is as common as the more common of the two (``deprem``, earthquake)."""
    bundled = story_shares()
    shares = dict(bundled)
    for turkish, (word, _) in _news_words().items():
        share = bundled.get(stem(turkish, "tr"))
        if share is not None:
            term = stem(word, "en")
            shares[term] = max(shares.get(term, 0.0), share)
    for turkish, english in _exonyms().items():
        share = bundled.get(stem(turkish, "tr"))
        if share is None:
            continue
        for part in english.split(" "):
            term = stem(part, "en")
            if term not in bundled:
                shares[term] = max(shares.get(term, 0.0), share)
    return shares
