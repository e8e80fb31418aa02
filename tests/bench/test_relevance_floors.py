"""Floors for the topic tagger on the labelled set (``tests/data``): they may rise, never fall.

The floors are the measured figures of the current tagger (see ``bench/relevance.py``); the
relevance issue's targets (recall ≥ 0.95, precision ≥ 0.97, no topic below 0.85 F1) are above
them, and each improvement raises these numbers.
"""

from __future__ import annotations

import pytest

from bench.relevance import TagReport, load_items, score_clustering, score_filter, score_tagging
from feeds.tag import Tagger
from feeds.taxonomy import load_taxonomy

# Measured: precision 0.944, recall 0.957 (F1 0.950); on the held-out part alone (see
# bench/relevance.py --split held-out) precision 0.904, recall 0.940.
OVERALL_PRECISION = 0.94
OVERALL_RECALL = 0.95
TOPIC_F1 = {
    "sanctions": 0.79,
    "nato": 0.85,
    "russia": 0.93,
    "usa": 0.94,
    "eu": 0.95,
    "ukraine": 0.97,
    "migration": 0.99,
    "economy": 0.94,
    "politics": 0.90,
    "syria": 0.99,
    "energy": 0.96,
    "defense-industry": 0.99,
    "press-freedom": 0.90,
    "disasters": 0.99,
    "middle-east": 0.96,
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


# Same-event clustering, pairwise over the labelled event groups (measured: P 0.622,
# R 0.891, F1 0.733; the target is F1 ≥ 0.9). ``bench/relevance.py --cluster-sweep``
# shows the figures over a range of thresholds and a split-half check. Two event labels were
# corrected to the labelling rules after these floors were first set (P 0.660, R 0.869, F1
# 0.751 under the old labels, with the same clustering): see tests/data/README.md.
CLUSTER_PRECISION = 0.61
CLUSTER_RECALL = 0.88
CLUSTER_F1 = 0.72


def test_clustering_floors() -> None:
    report = score_clustering(load_items())
    assert report.score.tp + report.score.fn >= 150  # labelled same-event pairs
    assert report.score.precision >= CLUSTER_PRECISION
    assert report.score.recall >= CLUSTER_RECALL
    assert report.score.f1 >= CLUSTER_F1
