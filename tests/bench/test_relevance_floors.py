"""Floors for the topic tagger on the labelled set (``tests/data``): they may rise, and fall only
when the labels are corrected (each correction is listed in ``tests/data/README.md``).

The floors are the measured figures of the current tagger (see ``bench/relevance.py``); the
relevance issue's targets (recall ≥ 0.95, precision ≥ 0.97, no topic below 0.85 F1) are above
them, and each improvement raises these numbers.
"""

from __future__ import annotations

import pytest

from bench.relevance import (
    TagReport,
    load_cross_language_items,
    load_items,
    score_clustering,
    score_cross_language,
    score_filter,
    score_judged,
    score_tagging,
)
from feeds.tag import Tagger
from feeds.taxonomy import load_taxonomy

# Measured: precision 0.956, recall 0.958 (F1 0.957); on the held-out part alone (see
# bench/relevance.py --split held-out) precision 0.960, recall 0.948. These are the figures on
# the labels after the double-blind topics audit (tests/data/README.md, "Corrections"), which
# changed 28 topic labels; on the labels before it the tagger scored 0.968 / 0.959, and the
# floors were 0.96 / 0.95. Mentions made in passing (feeds/asides.py) took 0.943 to 0.956.
OVERALL_PRECISION = 0.955
OVERALL_RECALL = 0.95
TOPIC_F1 = {
    "sanctions": 0.99,
    "nato": 0.85,
    "russia": 0.94,
    "usa": 0.96,
    "eu": 0.90,
    "ukraine": 0.97,
    "migration": 0.99,
    "economy": 0.91,
    "politics": 0.91,
    "syria": 0.99,
    "energy": 0.89,
    "defense-industry": 0.94,
    "press-freedom": 0.92,
    "disasters": 0.99,
    "middle-east": 0.99,
}


@pytest.fixture(scope="module")
def report() -> TagReport:
    items = load_items()
    assert len(items) >= 200
    assert {item.language for item in items} >= {"en", "tr"}
    return score_tagging(items, Tagger(load_taxonomy()))


def test_overall_floors(report: TagReport) -> None:
    assert report.overall.precision >= OVERALL_PRECISION
    assert report.overall.recall >= OVERALL_RECALL


@pytest.mark.parametrize(("slug", "floor"), sorted(TOPIC_F1.items()))
def test_topic_floors(report: TagReport, slug: str, floor: float) -> None:
    assert report.per_topic[slug].f1 >= floor


def test_general_feed_filter_errors_stay_within_two_percent() -> None:
    report = score_filter(load_items())
    assert report.judged >= 300
    assert report.error_rate <= 0.02
    assert report.score.recall == 1.0


# Same-event clustering, pairwise over the labelled event groups (measured: P 0.916,
# R 0.893, F1 0.905; the target, F1 ≥ 0.9, is the floor), a pair of an event's
# report and an item only related to that event counting neither way (tests/data/README.md,
# ``related``).
# ``bench/relevance.py --cluster-sweep`` shows the figures over a range of thresholds and a
# split-half check.
CLUSTER_PRECISION = 0.91
CLUSTER_RECALL = 0.89
CLUSTER_F1 = 0.9


def test_clustering_floors() -> None:
    report = score_clustering(load_items())
    assert report.score.tp + report.score.fn >= 100  # labelled same-event pairs
    assert report.score.precision >= CLUSTER_PRECISION
    assert report.score.recall >= CLUSTER_RECALL
    assert report.score.f1 >= CLUSTER_F1


# English–Turkish clustering, pairwise over the pairs of a Turkish and a non-Turkish item, with
# the written reports of tests/data/cross_language_eval.jsonl (measured: P 0.754, R 0.719).
CROSS_LANGUAGE_PRECISION = 0.74
CROSS_LANGUAGE_RECALL = 0.71


def test_cross_language_clustering_floors() -> None:
    written = load_cross_language_items()
    assert len(written) >= 50
    report = score_cross_language(load_items(), written)
    assert report.score.tp + report.score.fn >= 100  # English–Turkish same-event pairs
    assert report.score.precision >= CROSS_LANGUAGE_PRECISION
    assert report.score.recall >= CROSS_LANGUAGE_RECALL


# Turkish headlines the tagger was not written for (tests/data/turkish_headlines_judged.jsonl):
# each tag it gave was judged by two blind annotators. Measured: 355 of 397 judged tags still
# given, precision 0.921 on them; 42 dropped by later rules, 2.0 of them judged right. A rule
# that drops tags judged right shows here as well as one that adds wrong ones.
JUDGED_PRECISION = 0.92
JUDGED_STILL_TAGGED = 355
JUDGED_RIGHT_DROPPED = 2.0


def test_judged_turkish_headlines_floors() -> None:
    report = score_judged(Tagger(load_taxonomy())).as_dict()
    assert report["judged_tags"] == 397
    assert report["precision"] >= JUDGED_PRECISION
    assert report["still_tagged"] >= JUDGED_STILL_TAGGED
    assert report["dropped_judged_right"] <= JUDGED_RIGHT_DROPPED
