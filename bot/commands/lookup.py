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
