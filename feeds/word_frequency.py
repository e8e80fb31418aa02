"""Background word frequencies: how common a (folded, stemmed) word is in ordinary English and
Turkish text, so that clustering weighs words well from the first story after a start.

Clustering weighs a word by how few stories in its window use it (inverse document frequency).
A window of a few hundred stories is a small sample: "them", "would" or "way" can look as rare
as a name. ``word_frequency.toml`` holds the words that are common in general text (at least 30
in a million words), as the clustering stems them, so that their weight is low from the start.
The window's own counts are added to it (see ``feeds.cluster``).

The table is derived from the English and Turkish frequency lists of wordfreq 3.1.1 (Robyn
Speer; data under CC BY-SA 4.0, see the file's header), not from any feed text, so it cannot
leak the labelled evaluation set into the weights. ``python -m feeds.word_frequency`` rebuilds
it (wordfreq must be installed; it is not a dependency of haberci). Rebuild it whenever the
word folding or stemming in ``feeds.folding`` changes, since its keys are stems.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from feeds.folding import cased_words, stem

TABLE = Path(__file__).with_name("word_frequency.toml")
LANGUAGES = ("en", "tr")
FLOOR_PER_MILLION = 30
# A story's title and summary hold about this many words: the share of stories that contain a
# word that makes up ``f`` of all words is about 1 - (1 - f) ** STORY_WORDS.
STORY_WORDS = 40
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

HEADER = """\
# Background word frequencies for same-event clustering (feeds/cluster.py, feeds/word_frequency.py).
# Each key is a word as the clustering folds and stems it (feeds.tag.cased_words, then the
# English or Turkish Snowball stem); the value is how many times in a million words the words
# with that stem occur, the larger of English and Turkish. Only stems with at least {floor} in a
# million are listed.
#
# Derived from the English and Turkish frequency lists of wordfreq {version} by Robyn Speer
# (https://github.com/rspeer/wordfreq). wordfreq's data is licensed under Creative Commons
# Attribution-ShareAlike 4.0 (https://creativecommons.org/licenses/by-sa/4.0/), and so is this
# derived table. Rebuild with: python -m feeds.word_frequency (needs wordfreq installed).

[per_million]
"""


def stem_frequencies(words: Mapping[str, float], language: str) -> dict[str, float]:
    """Word frequencies (share of all words) summed by the stem the clustering gives each word.
    Entries that are not one word after folding (``e.g.``, ``1,000``) are left out."""
    by_stem: dict[str, float] = {}
    for word, frequency in words.items():
        parts = cased_words(word)
        if len(parts) != 1:
            continue
        key = stem(parts[0].lower(), language)
        by_stem[key] = by_stem.get(key, 0.0) + frequency
    return by_stem


def frequency_table(
    lists: Mapping[str, Mapping[str, float]], floor_per_million: int = FLOOR_PER_MILLION
) -> dict[str, int]:
    """Per-million frequencies by stem, the largest over the languages, those at the floor or
    above, most frequent first."""
    merged: dict[str, int] = {}
    for language, words in lists.items():
        for key, frequency in stem_frequencies(words, language).items():
            per_million = round(frequency * 1_000_000)
            if per_million >= floor_per_million and per_million > merged.get(key, 0):
                merged[key] = per_million
    return dict(sorted(merged.items(), key=lambda item: (-item[1], item[0])))


def render_table(table: Mapping[str, int], version: str) -> str:
    """The TOML text of the table. Keys are quoted where TOML needs it: the Turkish stemmer can
    end a stem in ``ç``, ``ğ`` … (``iç``)."""
    lines = [f"{_toml_key(key)} = {value}" for key, value in table.items()]
    return HEADER.format(floor=FLOOR_PER_MILLION, version=version) + "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def read_table(path: Path = TABLE) -> dict[str, int]:
    """The table as ``render_table`` writes it: one ``key = value`` line each after the
    ``[per_million]`` header. A plain line reader, because ``tomllib`` takes about 70 ms for
    the 6,000 lines; ``load_table`` is the reference (they agree, see the tests)."""
    table: dict[str, int] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if line.strip() == "[per_million]":
            break
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition(" = ")
        table[json.loads(key) if key.startswith('"') else key] = int(value)
    return table


def load_table(path: Path = TABLE) -> dict[str, int]:
    """The table read as TOML."""
    with path.open("rb") as handle:
        per_million: dict[str, int] = tomllib.load(handle)["per_million"]
    return per_million


@lru_cache(maxsize=4)
def story_shares(path: Path = TABLE) -> dict[str, float]:
    """Each listed stem's expected share of stories that contain it (0–1)."""
    return {
        key: 1.0 - (1.0 - min(value / 1_000_000, 0.5)) ** STORY_WORDS
        for key, value in read_table(path).items()
    }


def _wordfreq_lists(languages: Iterable[str]) -> tuple[dict[str, dict[str, float]], str]:
    wordfreq = importlib.import_module("wordfreq")
    version = importlib.import_module("importlib.metadata").version("wordfreq")
    lists = {language: dict(wordfreq.get_frequency_dict(language)) for language in languages}
    return lists, str(version)


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild ``word_frequency.toml`` from wordfreq's lists."""
    del argv
    try:
        lists, version = _wordfreq_lists(LANGUAGES)
    except ModuleNotFoundError:
        print("wordfreq is not installed: pip install wordfreq", file=sys.stderr)
        return 1
    table = frequency_table(lists)
    TABLE.write_text(render_table(table, version), encoding="utf-8")
    print(f"wrote {len(table)} stems to {TABLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
