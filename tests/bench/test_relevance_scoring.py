"""How ``bench/relevance.py`` counts clustering's pairs: same-event pairs, different-event pairs,
and pairs left unscored because one item is only related to the other's event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bench.relevance import (
    HUMAN_READINGS,
    Item,
    load_items,
    score_clustering,
    score_human_readings,
    score_topics,
    unscored_pair,
)
from feeds.cluster import ClusterSettings
from feeds.taxonomy import load_taxonomy

T0 = datetime(2026, 2, 17, 9, 0, tzinfo=UTC)


def _item(
    n: int,
    title: str,
    summary: str,
    event: str | None = None,
    related: tuple[str, ...] = (),
) -> Item:
    return Item(
        id=f"feed{n}#0",
        title=title,
        summary=summary,
        language="en",
        topics=frozenset(),
        file=f"feed{n}.xml",
        published=T0 + timedelta(minutes=n),
        event=event,
        related=frozenset(related),
    )


def test_a_pair_with_an_item_related_to_the_others_event_is_unscored() -> None:
    report = _item(1, "a", "a", event="talks")
    analysis = _item(2, "b", "b", related=("talks",))
    other = _item(3, "c", "c", event="quake")
    plain = _item(4, "d", "d")
    assert unscored_pair(report, analysis)
    assert unscored_pair(analysis, report)
    assert unscored_pair(analysis, _item(5, "e", "e", related=("talks", "quake")))
    assert not unscored_pair(analysis, other)
    assert not unscored_pair(analysis, plain)
    assert not unscored_pair(report, other)
    assert not unscored_pair(report, _item(6, "f", "f", event="talks"))


TALKS = (
    "US and Iran hold nuclear talks in Geneva",
    "Negotiators from Washington and Tehran met in Geneva on Tuesday for nuclear talks.",
)


def test_joining_or_splitting_a_related_item_changes_no_figure() -> None:
    reports = [_item(n, *TALKS, event="talks") for n in (1, 2)]
    analysis = _item(3, *TALKS, related=("talks",))  # the same words: it joins them
    unrelated = _item(4, *TALKS)  # the same words, no label: a wrong join
    settings = ClusterSettings()

    with_analysis = score_clustering([*reports, analysis], settings)
    assert (with_analysis.score.tp, with_analysis.score.fp, with_analysis.unscored) == (1, 0, 2)

    with_unrelated = score_clustering([*reports, unrelated], settings)
    assert (with_unrelated.score.tp, with_unrelated.score.fp, with_unrelated.unscored) == (1, 2, 0)


def test_topics_are_scored_tag_by_tag() -> None:
    items = [
        Item("a", "t", "s", "en", frozenset({"usa", "economy"})),
        Item("b", "t", "s", "en", frozenset()),
    ]
    given = {"a": {"usa": "US", "nato": "NATO"}, "b": {"russia": "Russia"}}
    report = score_topics(items, lambda item: given[item.id])
    assert (report.overall.tp, report.overall.fp, report.overall.fn) == (1, 2, 1)
    assert report.per_topic["economy"].fn == 1
    assert {miss["kind"] for miss in report.misses} == {"false positive", "false negative"}


def test_the_human_readings_cover_the_labelled_set() -> None:
    items = load_items()
    rows = [json.loads(line) for line in HUMAN_READINGS.read_text("utf-8").splitlines()]
    slugs = set(load_taxonomy().slugs)
    assert [row["id"] for row in rows] == [item.id for item in items]
    assert all(len(row["readings"]) == 2 for row in rows)
    assert all(set(reading) <= slugs for row in rows for reading in row["readings"])
    scores = score_human_readings(items)
    assert len(scores) == 2
    assert all(score.tp + score.fn == sum(len(item.topics) for item in items) for score in scores)
