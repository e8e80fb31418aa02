"""The general-feed filter: is a story from a world feed about Turkey?

A story is about Turkey when its title or summary names Turkey itself, Turkish institutions,
companies or leading figures, or Turkey's role in an event (``feeds/about_turkey.toml``,
"turkey"), or a place in Turkey that is more than a venue ("turkey-place"). The traps:

- the bird and the holiday meal ("Thanksgiving turkey", "roast turkey", "turkey recipes"), and
  Turkish delight, coffee or baths, are excluded phrases;
- a Turkish-born person acting in an unrelated role ("Turkish-born", "of Turkish descent"),
  people who "fled to Turkey", and Turks of another country ("an ethnic Turkish city" in Iraq)
  do not count, nor do "Mechanical Turk" and "The Young Turks";
- a place that is only the venue of an unrelated event does not count: "talks in Istanbul",
  "a summit held in Antalya", "the final at Istanbul" (event word, then in/at, then the place),
  and so does the country itself ("the group game in Turkey", "talks in Türkiye"). The same
  place in any other role ("an explosion in Istanbul", "Istanbul's mayor") counts.

Stories from Turkey-focused feeds are always kept; this filter decides only for general feeds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

from feeds.tag import Tagger
from feeds.taxonomy import Taxonomy, Topic, parse_taxonomy

VENUE_EVENTS = [
    "talks",
    "negotiations",
    "summit",
    "conference",
    "meeting",
    "meetings",
    "forum",
    "congress",
    "festival",
    "tournament",
    "match",
    "game",
    "final",
    "championship",
    "fair",
    "expo",
    "concert",
    "ceremony",
    "gala",
    "exhibition",
    "race",
    "marathon",
    "games",
    "session",
    "sessions",
    "round",
]
VENUE_LINKS = ("in", "at", "held in", "hosted in", "held at", "taking place in", "being held in")


@dataclass(frozen=True, slots=True)
class Verdict:
    about: bool
    reason: str  # the alias that decided, or why nothing did


# The country's own names are venues too ("talks in Turkey", "the group game in Turkey").
COUNTRY_NAMES = ("Turkey", "Türkiye", "Turkiye")


def _venue_places(topic: Topic) -> tuple[str, ...]:
    """The names a topic reads as a venue: every place of "turkey-place", and the country's own
    names in "turkey"."""
    if topic.slug == "turkey-place":
        return (*topic.aliases_en, *topic.aliases_tr)
    return COUNTRY_NAMES if topic.slug == "turkey" else ()


def _with_venue_exclusions(topic: Topic) -> Topic:
    """The topic with "<event> in <place>" phrases excluded, for every one of its venue places
    (``_venue_places``); its other fields as they are."""
    venues = tuple(
        f"{event} {link} {place}"
        for place in _venue_places(topic)
        for event in VENUE_EVENTS
        for link in VENUE_LINKS
    )
    return replace(topic, exclude=topic.exclude + venues)


@cache
def _about_tagger() -> Tagger:
    text = files("feeds").joinpath("about_turkey.toml").read_text(encoding="utf-8")
    taxonomy = parse_taxonomy(text, "about_turkey.toml")
    topics = tuple(_with_venue_exclusions(topic) for topic in taxonomy.topics)
    return Tagger(Taxonomy(topics, taxonomy.source))


def judge_about_turkey(title: str, summary: str, language: str | None) -> Verdict:
    """Whether a story is about Turkey, with the alias that decided."""
    matches = _about_tagger().tag_story(title, summary, language)
    if not matches:
        return Verdict(False, "no mention of Turkey")
    return Verdict(True, matches[0].alias)
