"""Finding a topic from what a person typed, in English or Turkish."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from feeds.tag import Tagger, words
from feeds.taxonomy import Taxonomy, Topic


@dataclass(frozen=True, slots=True)
class TopicMatch:
    topic: Topic | None
    suggestions: tuple[str, ...] = ()


def _key(text: str) -> str:
    return " ".join(words(text))


def topic_names(topic: Topic) -> list[str]:
    """Every way to name a topic: slug, names and aliases in both languages."""
    return [topic.slug, topic.name_en, topic.name_tr, *topic.aliases_en, *topic.aliases_tr]


@dataclass(frozen=True, slots=True)
class TopicChoice:
    label: str  # the topic's name in the reader's language (and the name typed, if other)
    slug: str


def topic_choices(
    taxonomy: Taxonomy, tagger: Tagger, typed: str, language: str, limit: int = 25
) -> list[TopicChoice]:
    """Topics for a half-typed name, best first (autocompletion): those with a slug, name or
    alias in either language that starts with what was typed (Turkish letters and case folded:
    ``kır`` finds Kırım), then those with one containing it, then what :func:`find_topic`
    makes of it (``yaptırımlar``). Every topic when nothing is typed yet."""
    key = _key(typed)
    if not key:
        return [TopicChoice(t.name(language), t.slug) for t in taxonomy.topics][:limit]
    ranked: list[tuple[int, int, Topic, str]] = []
    for index, topic in enumerate(taxonomy.topics):
        best: tuple[int, str] | None = None
        for name in topic_names(topic):
            name_key = _key(name)
            rank = 0 if name_key.startswith(key) else 1 if key in name_key else None
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, name)
        if best is not None:
            ranked.append((best[0], index, topic, best[1]))
    ranked.sort(key=lambda found: found[:2])
    chosen = [(topic, name) for _, _, topic, name in ranked]
    if not chosen:
        match = find_topic(taxonomy, tagger, typed)
        found = [match.topic] if match.topic else [taxonomy.get(s) for s in match.suggestions]
        chosen = [(topic, topic.name(language)) for topic in found if topic is not None]
    choices = []
    for topic, name in chosen[:limit]:
        label = topic.name(language)
        if _key(name) not in (_key(label), topic.slug):
            label = f"{label} ({name})"
        choices.append(TopicChoice(label, topic.slug))
    return choices


def find_topic(taxonomy: Taxonomy, tagger: Tagger, typed: str) -> TopicMatch:
    """The topic a person means by ``typed``: its slug, a name or an alias (Turkish case and
    letters folded: ``kırım`` = ``Kırım``), or an inflected form the tagger recognises
    (``yaptırımlar`` → sanctions). Otherwise close names as suggestions."""
    key = _key(typed)
    if not key:
        return TopicMatch(None)
    exact = taxonomy.get(typed.strip().lower())
    if exact is not None:
        return TopicMatch(exact)
    named = [t for t in taxonomy.topics if key in {_key(n) for n in topic_names(t)}]
    if len(named) == 1:
        return TopicMatch(named[0])
    tagged = {m.slug for lang in ("tr", "en") for m in tagger.tag(typed, lang)}
    if len(tagged) == 1:
        found = taxonomy.get(tagged.pop())
        if found is not None:
            return TopicMatch(found)
    names = {_key(n): t.slug for t in taxonomy.topics for n in topic_names(t)}
    close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.6)
    suggestions = tuple(dict.fromkeys(names[c] for c in close))[:3]
    if not suggestions and (named or tagged):
        suggestions = tuple(sorted({t.slug for t in named} | tagged))[:3]
    return TopicMatch(None, suggestions)
