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

A capitalised alias (a name: ``Kabul``, ``Özel``, ``Irak``, ``Kürt``, ``Trump``) matches only a
capitalised word: news capitalises names and peoples, and everyday words fold or inflect into
them: Turkish ``kabul`` ("accepted"), ``özel`` ("special"), ``ırak`` ("far") and ``kurt``
("wolf"), English "trumped" and "the state Department of Transportation". A title that is also
a common noun is written in lower case in the topics file (``congresswoman``).

An alias the topics file lists under ``needs_context`` counts only when one of its topic's
context phrases occurs within ``CONTEXT_WINDOW`` words of it (before or after, not overlapping
it, and not the same phrase again), or one of its "context after" phrases comes right after it
(``US warns``): ``US`` tags ``usa`` in "US envoys hold talks" (``envoys``) and "US warns Iran"
(``warn``) but not in "a US citizen was robbed". The match records both, as ``"US + envoys"``.

An alias listed under ``needs_salience`` counts only where the text is about it: in the
headline (the words before the text's first sentence end, which in ``f"{title}. {summary}"`` is
the title unless the title itself has two sentences), or when its topic is named at a second
place in the text, or with one of its topic's context phrases near it. "Economic" tags
``economy`` in "Economic growth slows" but not in "… to spend 3% of economic output on
defence" (once, in the summary); the match records the second cue (``"prices + price"``).

A topic with a ``parent`` brings its parent along (``s400`` → ``defense-industry``), with the
same alias.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from feeds import asides
from feeds.folding import StoryWords, TextWords, fold_joined, story_words
from feeds.folding import cased_words as cased_words
from feeds.folding import stem as stem
from feeds.folding import words as words
from feeds.models import Story, TagMatch
from feeds.taxonomy import Taxonomy

_SHORT = 3
# Letters Turkish has and English lacks: a Turkish-only alias written with them is matched only
# in Turkish text, where in English its folded letters are other words ("Şara" is "Sara",
# "Kürt" "Kurt", "MİT" "MIT").
_TURKISH_LETTERS = re.compile("[çğıöşüÇĞİÖŞÜ]")
_MARKED_LETTERS = frozenset("çğöşü")
_PREFIX = 4
_CACHED_WORDS = 8192  # text words whose starting phrases are remembered, per index and language
# How far (in words between them) a context phrase may be from an alias that needs context.
CONTEXT_WINDOW = 10
# A sentence end: a full stop (not an initial's, as in "U.S."), question or exclamation mark,
# then any closing quotes or brackets, then a space. (The look-behind comes after the first
# character, so that the search skips quickly to the punctuation.)
_SENTENCE_END = re.compile(r"[.?!…](?<!\b[A-Z]\.)[.?!…]*[\"'”’»)]*\s")
# Abbreviations a full stop follows inside a sentence ("Queen Urges Thais to Help Govt. Fight
# Muslim Unrest", "Gen. Petraeus").
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "rev", "st", "mt", "ft", "gen", "lt", "col", "maj",
        "capt", "sgt", "adm", "cmdr", "sen", "rep", "gov", "govt", "pres", "amb", "corp", "inc",
        "co", "ltd", "jr", "sr", "no", "vs", "dept", "jan", "feb", "mar", "apr", "aug", "sep",
        "sept", "oct", "nov", "dec",
    }
)  # fmt: skip
_LAST_WORD = re.compile(r"(\w+)\.$")


def _spaced(text: str) -> list[str]:
    return text.split()


def _or_none(spaced: str) -> list[str]:
    """The space-separated suffixes, and the empty one."""
    return ["", *_spaced(spaced)]


def _turkish_suffixes() -> frozenset[str]:
    """Suffix chains a Turkish noun can take: [plural][possessive][case][-ki] (harmony ignored)."""
    plural = _or_none("lar ler")
    possessive = _or_none("i u si su m im um n in un imiz umuz iniz unuz leri lari miz niz")
    case = _or_none(
        "a e ya ye i u yi yu da de ta te dan den tan ten in un nin nun la le yla yle "
        "na ne ni nu nda nde ndan nden ca ce dir dur tir tur"
    )
    chains = {
        "".join(parts) for parts in itertools.product(plural, possessive, case, _or_none("ki"))
    }
    chains.discard("")
    return frozenset(chains)


TURKISH_SUFFIXES = _turkish_suffixes()


def _verb_suffixes() -> frozenset[str]:
    """Endings a Turkish verb stem takes in news (folded, harmony ignored): [voice][tense, mood
    or verbal noun][person, plural or case]: ``imzala-n-di``, ``kina-di-lar``,
    ``saldir-an-lar``, ``gorus-me-si``."""
    voice = _or_none("il ul in un n l is us")
    form = _spaced(
        "di du ti tu mis mus ecek acak iyor uyor yor ma me mak mek an en yan yen arak erek "
        "dig dug tig tug ir ur ar er masi mesi mas mes"
    )
    ending = _or_none("lar ler m n k niz nuz i u in un ini unu ina una inda unda indan undan")
    chains = {"".join(parts) for parts in itertools.product(voice, form, ending)}
    return frozenset(chains | {v for v in voice if v})


TURKISH_VERB_SUFFIXES = _verb_suffixes()
ENGLISH_SUFFIXES = frozenset({"s", "es", "ed", "d", "ing", "n", "an", "ans", "ian", "ians"})


@dataclass(frozen=True, slots=True)
class _AliasWord:
    surface: str
    stem: str  # Turkish stem (English inflections are matched by suffix, not by stem)
    # Short aliases written with capitals match only capitalised words: "US" never matches
    # "us", "Fed" never "fed", "AB" never "ab".
    case: str | None = None  # "upper", "title" or None
    # A word of a Turkish-only alias takes no English inflection: "parti" is not "parties".
    english: bool = True

    def matches(self, word: str, language: str, raw: str = "") -> bool:
        if self.case == "upper" and not raw.isupper():
            return False
        if self.case == "title" and not raw[:1].isupper():
            return False
        if word == self.surface:
            return True
        if len(self.surface) <= _SHORT or not word.startswith(self.surface[:_PREFIX]):
            return False
        if language != "tr" and not self.english:
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
        # Turkish stem changes (birlik → birliği, kitap → kitabı, milletvekili → milletvekilleri)
        # need the stemmer. They change a word's last letter only and never shorten it, so a
        # word that differs earlier, or is shorter, is another word with the same stem:
        # "motorun" (the engine's) is not "motorin" (diesel), "yaptırdı" (had it done) not
        # "yaptırım" (sanction), "seçme" (selection) not "seçmen" (voter).
        return (
            len(word) >= len(self.surface)
            and word.startswith(self.surface[:-1])
            and stem(word, "tr") == self.stem
        )


@dataclass(frozen=True, slots=True)
class _Phrase:
    slug: str
    text: str
    words: tuple[_AliasWord, ...]
    needs_context: bool = False
    needs_salience: bool = False
    # A name (written with a capital): it matches only a capitalised word.
    capitalised: bool = False
    # A Turkish-only alias written with Turkish letters matches only Turkish text.
    turkish_only: bool = False
    right_after: bool = False  # a context phrase that counts only right after the alias
    words_after: tuple[_AliasWord, ...] = ()  # ``words[1:]``, kept for ``_PhraseIndex.find``
    # How text words matching the second and the last word begin (the word itself if short,
    # else its first letters): a quick test before the full one.
    second_head: str = ""
    last_head: str = ""
    # Where the alias has ç, ğ, ö, ş or ü before a word's last letter: (word, index, letter).
    # Folding reads them as c, g, o, s and u, so "Kürt" matches the surname "Kurt" and "Kurtlar
    # Vadisi"; in Turkish text written with Turkish letters, the text's word has them too.
    marks: tuple[tuple[int, int, str], ...] = ()

    @property
    def key(self) -> str:
        return " ".join(word.surface for word in self.words)


def _marks(text: str, count: int) -> tuple[tuple[int, int, str], ...]:
    """The letters of ``text`` that folding loses (``_Phrase.marks``), by word."""
    if text.isascii():
        return ()
    folded, spans = fold_joined(text)
    if len(folded) != len(text) or len(spans) != count:
        return ()
    return tuple(
        (word, index, character.lower())
        for word, (start, end) in enumerate(spans)
        for index, character in enumerate(text[start : end - 1])
        if character.lower() in _MARKED_LETTERS
    )


# Topic files repeat their words across phrases (the about-Turkey filter's venue exclusions
# alone combine every place with every event and link word), and an alias word is immutable:
# one object per word is shared by every phrase that uses it.
@functools.cache
def _alias_word(cased: str, english: bool = True) -> _AliasWord:
    surface = cased.lower()
    case = None
    if len(surface) <= _SHORT and cased.isupper():
        case = "upper"
    elif len(surface) <= _SHORT and cased[:1].isupper():
        case = "title"
    word_stem = stem(surface, "tr") if len(surface) > _SHORT else surface
    return _AliasWord(surface, word_stem, case, english)


def _key(text: str) -> str:
    return " ".join(words(text))


class _PhraseIndex:
    """Phrases indexed by their first word: a short word (three letters or fewer) as it is,
    a longer one by its first letters. A short text word can only match a short phrase word
    (itself) and a longer one only a longer one, so each word of a text costs one lookup."""

    def __init__(self) -> None:
        self._by_short: defaultdict[str, list[_Phrase]] = defaultdict(list)
        self._by_prefix: defaultdict[str, list[_Phrase]] = defaultdict(list)
        # The phrases each text word (as written) can start, per language (English, Turkish):
        # news repeats its words, so most are looked up once.
        self._first_words: tuple[dict[str, tuple[_Phrase, ...]], ...] = ({}, {})

    def add(
        self,
        slug: str,
        text: str,
        *,
        needs_context: bool = False,
        needs_salience: bool = False,
        capitalised: bool = False,
        turkish_only: bool = False,
        right_after: bool = False,
        english: bool = True,
        lettered: bool = False,
    ) -> None:
        """Adds a phrase; ``lettered``: record the letters folding loses (``_Phrase.marks``),
        which only aliases are checked for."""
        phrase_words = tuple(_alias_word(w, english) for w in cased_words(text))
        if not phrase_words:
            return
        for cache in self._first_words:
            cache.clear()
        phrase = _Phrase(
            slug,
            text,
            phrase_words,
            needs_context,
            needs_salience,
            capitalised,
            turkish_only,
            right_after,
            phrase_words[1:],
            phrase_words[1].surface[:_PREFIX] if len(phrase_words) > 1 else "",
            phrase_words[-1].surface[:_PREFIX] if len(phrase_words) > 1 else "",
            _marks(text, len(phrase_words)) if lettered else (),
        )
        first = phrase_words[0].surface
        if len(first) <= _SHORT:
            self._by_short[first].append(phrase)
        else:
            # Longest first word first: a text's word meets its own alias ("sanctions")
            # before a shorter one it inflects ("sanction"), and that alias is recorded.
            bisect.insort(
                self._by_prefix[first[:_PREFIX]],
                phrase,
                key=lambda other: -len(other.words[0].surface),
            )

    def find(
        self, tokens: Sequence[str], raw: Sequence[str], language: str
    ) -> list[tuple[_Phrase, int, int]]:
        """Every (phrase, start, end) occurrence in ``tokens``, in text order."""
        cache = self._first_words[language == "tr"]
        # Most words start no phrase: look them all up at once, then visit only the others.
        starts: list[tuple[_Phrase, ...] | None] = list(map(cache.get, raw))
        if None in starts:
            for start, starting in enumerate(starts):
                if starting is None:
                    cased = raw[start]
                    starting = self._starting_with(tokens[start], cased, language)
                    if len(cache) >= _CACHED_WORDS:
                        cache.clear()
                    cache[cased] = starts[start] = starting
        found: list[tuple[_Phrase, int, int]] = []
        count = len(tokens)
        for start in itertools.compress(range(count), starts):
            starting = starts[start]
            assert starting is not None
            for phrase in starting:
                words_after = phrase.words_after
                if not words_after:
                    found.append((phrase, start, start + 1))
                    continue
                end = start + 1 + len(words_after)
                if end > count or not tokens[start + 1].startswith(phrase.second_head):
                    continue
                # Most phrases have two words: one call, without a generator.
                if len(words_after) == 1:
                    second = start + 1
                    if words_after[0].matches(tokens[second], language, raw[second]):
                        found.append((phrase, start, end))
                elif tokens[end - 1].startswith(phrase.last_head) and all(
                    phrase_word.matches(tokens[index], language, raw[index])
                    for index, phrase_word in zip(range(start + 1, end), words_after, strict=True)
                ):
                    found.append((phrase, start, end))
        return found

    def _starting_with(self, word: str, cased: str, language: str) -> tuple[_Phrase, ...]:
        """The phrases whose first word ``word`` (written ``cased``) matches."""
        # Inflected forms share their first letters with the alias word (a stem change such
        # as birlik → birliği comes later in the word), so only those are compared.
        if len(word) <= _SHORT:
            candidates = self._by_short.get(word)
        else:
            candidates = self._by_prefix.get(word[:_PREFIX])
        if not candidates:
            return ()
        turkish = language == "tr"
        lower = cased.islower()
        return tuple(
            phrase
            for phrase in candidates
            if phrase.words[0].matches(word, language, cased)
            and not (lower and phrase.capitalised)
            and (turkish or not phrase.turkish_only)
        )


class _Forms:
    """Aliases a topics file lists under one field (``needs_context``, ``needs_salience``), by
    topic, as folded words: whichever alias matched them, the text's words are listed."""

    __slots__ = ("_forms", "_slugs")

    def __init__(self, listed: Iterable[tuple[str, str]]) -> None:
        self._forms = frozenset((slug, _key(text)) for slug, text in listed)
        self._slugs = frozenset(slug for slug, _ in self._forms)

    def listed(self, slug: str, matched: Sequence[str]) -> bool:
        """Whether the matched words of a topic's alias are one of the topic's listed forms."""
        return slug in self._slugs and (slug, " ".join(matched)) in self._forms


class Tagger:
    """Tags texts with the topics of a taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._order = {slug: index for index, slug in enumerate(taxonomy.slugs)}
        self._aliases = _PhraseIndex()
        self._exclusions = _PhraseIndex()
        self._contexts = _PhraseIndex()
        self._against = _PhraseIndex()
        for topic in taxonomy.topics:
            weak = frozenset(topic.needs_context)
            faint = frozenset(topic.needs_salience)
            keys = {text: _key(text) for text in (*topic.aliases_en, *topic.aliases_tr)}
            english = {keys[text] for text in topic.aliases_en}
            for text, key in keys.items():
                self._aliases.add(
                    topic.slug,
                    text,
                    needs_context=text in weak,
                    needs_salience=text in faint,
                    capitalised=text[:1].isupper(),
                    turkish_only=_turkish_only(text, listed_in_english=key in english),
                    english=key in english,
                    lettered=True,
                )
            for text in topic.exclude:
                self._exclusions.add(topic.slug, text)
            # A Turkish context phrase written with Turkish letters is read in Turkish text
            # only, as aliases are: "üs" (a base) is "US" in English.
            for index, phrases, right_after in (
                (self._contexts, topic.context, False),
                (self._contexts, topic.context_after, True),
                (self._against, topic.context_against, False),
            ):
                for text in phrases:
                    index.add(
                        topic.slug,
                        text,
                        right_after=right_after,
                        turkish_only=_turkish_only(
                            text, listed_in_english=text in topic.english_context
                        ),
                    )
        self._slugs_with_exclusions = frozenset(t.slug for t in taxonomy.topics if t.exclude)
        # Forms that need context whichever alias found them: "Russia" also matches "Russian"
        # (an English inflection), which needs context as an alias of its own.
        self._weak_forms = _Forms(
            (topic.slug, text) for topic in taxonomy.topics for text in topic.needs_context
        )
        # Likewise for salience: "price" also matches "prices".
        self._faint_forms = _Forms(
            (topic.slug, text) for topic in taxonomy.topics for text in topic.needs_salience
        )
        self._ancestors = {
            topic.slug: _ancestors(taxonomy, topic.slug) for topic in taxonomy.topics
        }

    def tag(self, text: str, language: str | None) -> list[TagMatch]:
        """Topics of ``text`` (a title and summary), each once, in taxonomy order."""
        text_words = TextWords.of(text)
        return self.tag_words(
            text_words, language, lambda: _headline(text, text_words), lambda: text
        )

    def tag_story(self, title: str, summary: str, language: str | None) -> list[TagMatch]:
        """Topics of a story: ``tag(f"{title}. {summary}", language)``, reading the story's
        words once for every reader of the story (``feeds.folding.story_words``)."""
        story = story_words(title, summary)
        return self.tag_words(
            story.text,
            language,
            lambda: _story_headline(title, summary, story),
            lambda: f"{title}. {summary}",
        )

    def tag_words(
        self,
        text: TextWords,
        language: str | None,
        headline: int | Callable[[], int] | None = None,
        written: Callable[[], str] | None = None,
    ) -> list[TagMatch]:
        """Topics of a text already read into words (``TextWords.of(text)``) whose first
        ``headline`` words are its headline (``None``: all of them; a function: called only
        when an alias that needs salience is found). ``written`` gives the text as written,
        for setting aside mentions made in passing (``feeds.asides``); without it, none is."""
        language = "tr" if language == "tr" else "en"
        raw, tokens = text.cased, text.lower
        matches = self._aliases.find(tokens, raw, language)
        if matches and language == "tr" and written is not None:
            matches = _as_lettered(matches, written)
        if not matches:
            return []
        # Exclusions and context phrases are looked for only when they can change the result.
        excluded = (
            [(p.slug, s, e) for p, s, e in self._exclusions.find(tokens, raw, language)]
            if any(alias.slug in self._slugs_with_exclusions for alias, _, _ in matches)
            else []
        )
        found: dict[str, TagMatch] = {}
        weak: list[tuple[_Phrase, int, int]] = []
        faint: list[tuple[_Phrase, int, int]] = []
        for alias, start, end in matches:
            if alias.slug in found:
                continue
            if excluded and any(
                slug == alias.slug and s <= start and end <= e for slug, s, e in excluded
            ):
                continue
            if alias.needs_context or self._weak_forms.listed(alias.slug, tokens[start:end]):
                weak.append((alias, start, end))
            elif alias.needs_salience or self._faint_forms.listed(alias.slug, tokens[start:end]):
                faint.append((alias, start, end))
            else:
                found[alias.slug] = TagMatch(alias.slug, alias.text)
        if faint and any(alias.slug not in found for alias, _, _ in faint):
            # In the headline, an alias that needs salience decides alone.
            limit = headline() if callable(headline) else headline
            outside = []
            for alias, start, end in faint:
                if limit is None or start < limit:
                    found.setdefault(alias.slug, TagMatch(alias.slug, alias.text))
                else:
                    outside.append((alias, start, end))
            faint = outside
            _add_salient(faint, weak, found)
        # Context phrases are looked for only when an alias still waits for one.
        if (weak or faint) and any(
            alias.slug not in found for alias, _, _ in itertools.chain(weak, faint)
        ):
            contexts = self._contexts.find(tokens, raw, language)
            against = self._against.find(tokens, raw, language) if weak else []
            _add_in_context(weak, contexts, found, against)
            _add_in_context(faint, contexts, found)
        if found and written is not None:
            as_written = written()
            if asides.worth_a_look(tokens, as_written):
                _drop_asides(found, matches, text, as_written, language, headline)
        for match in list(found.values()):
            for parent in self._ancestors[match.slug]:
                found.setdefault(parent, TagMatch(parent, match.alias))
        return sorted(found.values(), key=lambda match: self._order[match.slug])


def _as_lettered(
    matches: list[tuple[_Phrase, int, int]], written: Callable[[], str]
) -> list[tuple[_Phrase, int, int]]:
    """The matches whose words, in a Turkish text written with Turkish letters, have the
    letters of their alias that folding loses (``_Phrase.marks``)."""
    if not any(phrase.marks for phrase, _, _ in matches):
        return matches
    text = written()
    if not _TURKISH_LETTERS.search(text):  # Turkish written in ASCII: the letters are unknown
        return matches
    folded, spans = fold_joined(text)
    if len(folded) != len(text):
        return matches
    return [
        (phrase, start, end)
        for phrase, start, end in matches
        if all(
            start + word < len(spans)
            and text[spans[start + word][0] + index : spans[start + word][0] + index + 1].lower()
            == letter
            for word, index, letter in phrase.marks
        )
    ]


def _turkish_only(text: str, *, listed_in_english: bool) -> bool:
    """Whether an alias or a context phrase is read in Turkish text only: it is written with
    Turkish letters and only a Turkish list has it."""
    return not listed_in_english and _TURKISH_LETTERS.search(text) is not None


def _drop_asides(
    found: dict[str, TagMatch],
    matches: list[tuple[_Phrase, int, int]],
    text: TextWords,
    written: str,
    language: str,
    headline: int | Callable[[], int] | None,
) -> None:
    """Drops the topics found whose every mention is made in passing (``feeds.asides``)."""
    tokens, cased = text.lower, text.cased
    layout = asides.Layout.of(written)
    limit = headline() if callable(headline) else headline
    for slug in list(found):
        if all(
            asides.set_aside(
                start,
                end,
                tokens,
                layout,
                cased=cased,
                headline=len(tokens) if limit is None else limit,
                name=alias.capitalised,
                language=language,
                ambiguous=alias.needs_context,
            )
            for alias, start, end in matches
            if alias.slug == slug
        ):
            del found[slug]


def _add_in_context(
    weak: list[tuple[_Phrase, int, int]],
    contexts: list[tuple[_Phrase, int, int]],
    found: dict[str, TagMatch],
    against: Sequence[tuple[_Phrase, int, int]] = (),
) -> None:
    """Adds the topics of aliases that need context and have a context phrase near them, and
    none of the phrases that cancel them (``against``)."""
    for alias, start, end in weak:
        if alias.slug in found:
            continue
        if any(
            other.slug == alias.slug and _near(start, end, o_start, o_end)
            for other, o_start, o_end in against
        ):
            continue
        for context, c_start, c_end in contexts:
            if context.slug != alias.slug or _same_word(context.key, alias.key):
                continue
            near = c_start == end if context.right_after else _near(start, end, c_start, c_end)
            if near:
                found[alias.slug] = TagMatch(alias.slug, f"{alias.text} + {context.text}")
                break


def _same_word(one: str, other: str) -> bool:
    """Whether two phrases are one word, as written or inflected ("resign", "resigned"): a word
    does not show which of its senses it has by being said again."""
    if one == other:
        return True
    if " " in one or " " in other:
        return False
    shared = 0
    for letter, other_letter in zip(one, other, strict=False):
        if letter != other_letter:
            break
        shared += 1
    return shared >= 4 and shared >= min(len(one), len(other)) - 2


def _near(start: int, end: int, other_start: int, other_end: int) -> bool:
    """Whether two phrases are apart by ``CONTEXT_WINDOW`` words at most, not overlapping."""
    return (other_end <= start and start - other_end <= CONTEXT_WINDOW) or (
        end <= other_start and other_start - end <= CONTEXT_WINDOW
    )


def _headline(text: str, text_words: TextWords) -> int:
    """How many of the text's words are its headline: those before its first sentence end."""
    end = _sentence_end(text)
    return len(cased_words(text[: end.start()])) if end else len(text_words.cased)


def _sentence_end(text: str) -> re.Match[str] | None:
    """The first sentence end of ``text``, past full stops that end an abbreviation."""
    for end in _SENTENCE_END.finditer(text):
        before = _LAST_WORD.search(text, 0, end.start() + 1)
        if before is None or before.group(1).lower() not in _ABBREVIATIONS:
            return end
    return None


def _story_headline(title: str, summary: str, story: StoryWords) -> int:
    """``_headline(f"{title}. {summary}", story.text)``, without joining the texts: the
    title, or its first sentence."""
    # Most titles have no sentence punctuation and do not end in a capital: the whole title.
    if not (
        "." in title or "?" in title or "!" in title or "…" in title or "A" <= title[-1:] <= "Z"
    ):
        return len(story.title.cased)
    end = _sentence_end(title + ". ")
    if end is None:  # a title ending in an initial ("Plan B"): the sentence goes on
        return _headline(f"{title}. {summary}", story.text)
    if end.end() > len(title):
        return len(story.title.cased)
    return len(cased_words(title[: end.start()]))


def _add_salient(
    faint: list[tuple[_Phrase, int, int]],
    weak: list[tuple[_Phrase, int, int]],
    found: dict[str, TagMatch],
) -> None:
    """Adds the topics of aliases that need salience and whose topic is named at another place
    of the text too (another alias, or the same one again)."""
    for alias, start, end in faint:
        if alias.slug in found:
            continue
        for other, o_start, o_end in itertools.chain(faint, weak):
            if other.slug == alias.slug and (o_end <= start or end <= o_start):
                found[alias.slug] = TagMatch(alias.slug, f"{alias.text} + {other.text}")
                break


def _ancestors(taxonomy: Taxonomy, slug: str) -> tuple[str, ...]:
    """A topic's parent, its parent's parent and so on (a story about the S-400 is also about
    the defence industry)."""
    chain: list[str] = []
    topic = taxonomy.get(slug)
    while topic is not None and topic.parent is not None and topic.parent not in chain:
        if topic.parent == slug:
            break
        chain.append(topic.parent)
        topic = taxonomy.get(topic.parent)
    return tuple(chain)


def tag_stories(stories: Iterable[Story], tagger: Tagger) -> list[Story]:
    """The stories with their topics from title and summary."""
    return [
        replace(story, topics=tuple(tagger.tag_story(story.title, story.summary, story.language)))
        for story in stories
    ]
