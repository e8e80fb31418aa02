"""Clustering's decisions pinned to its rules written out plainly.

``ClusterIndex`` keeps things between computations (weights per state of the counts, lengths,
one bag of words per text), skips scoring a cluster whose score a bound shows cannot matter,
and finds the window of a cluster from its members' first and last times. None of that may
change a decision: here a plain implementation of the same rules, which computes every weight,
length and score afresh, places the same real stories, and every placement (cluster,
representative, started) must be the same.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from feeds.cluster import _DOTTED, TITLE_WEIGHT, ClusterIndex, ClusterSettings, story_terms
from feeds.folding import cased_words, stem
from feeds.headlines import is_feature_headline
from feeds.names import background_shares, turkish_terms
from feeds.parse import parse_feed
from storage.records import ClusterCandidate, Placement
from tests.conftest import real_feed_files

NOW = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)


def plain_terms(title: str, summary: str, language: str | None) -> dict[str, float]:
    """A story's bag of words as the module doc describes it, word by word."""
    lang = "tr" if language == "tr" else "en"
    terms: dict[str, float] = {}
    for text, weight in ((title, TITLE_WEIGHT), (summary, 1.0)):
        text = _DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", text)
        for word in cased_words(text):
            if len(word) < 2 and not (word.isdigit() or word.isupper()):
                continue
            # A Turkish name counts as its English form (``feeds.names``, tested there).
            for term in turkish_terms(word) if lang == "tr" else (stem(word.lower(), lang),):
                terms[term] = terms.get(term, 0.0) + weight
    return terms


@dataclass
class _Member:
    story: ClusterCandidate
    terms: dict[str, float]
    length: float
    centrality: float = 0.0


def _language(story: ClusterCandidate) -> str:
    return "tr" if story.language == "tr" else "en"


@dataclass
class _Cluster:
    members: list[_Member] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=dict)


class PlainIndex:
    """The clustering rules with nothing kept between computations but the window itself."""

    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings
        self.background = background_shares()
        self.arrivals: list[_Member] = []
        self.df: Counter[str] = Counter()
        self.seen = 0  # stories counted: the window's, and a batch's from its start
        self.clusters: dict[int, _Cluster] = {}
        self.postings: dict[str, dict[int, None]] = {}  # word → clusters, in order taken up
        self.newest: datetime | None = None

    # --- the arithmetic, afresh every time -------------------------------------------------

    def weight(self, term: str) -> float:
        prior = self.settings.background_weight
        users = self.df.get(term, 0) + prior * self.background.get(term, 0.0) + 0.5
        return math.log((self.seen + prior + 1.0) / users)

    def member_norm(self, member: _Member) -> float:
        squares = [(c * self.weight(t)) ** 2 for t, c in member.terms.items()]
        return math.sqrt(sum(squares)) or 1.0

    def centroid_norm(self, cluster: _Cluster) -> float:
        squares = [(w * self.weight(t)) ** 2 for t, w in cluster.centroid.items()]
        return math.sqrt(sum(squares)) or 1.0

    def similarity(self, a: _Member, b: _Member, a_norm: float) -> float:
        small, large = (a.terms, b.terms) if len(a.terms) <= len(b.terms) else (b.terms, a.terms)
        dot = sum([c * large[t] * self.weight(t) ** 2 for t, c in small.items() if t in large])
        return dot / (a_norm * self.member_norm(b)) if dot else 0.0

    # --- the window ------------------------------------------------------------------------

    def count(self, batch: Sequence[ClusterCandidate]) -> None:
        for story in batch:
            self.df.update(plain_terms(story.title, story.summary, story.language).keys())
            self.seen += 1

    @staticmethod
    def member(story: ClusterCandidate) -> _Member:
        terms = plain_terms(story.title, story.summary, story.language)
        return _Member(story, terms, math.sqrt(sum(c * c for c in terms.values())) or 1.0)

    def add(self, member: _Member, cluster_id: int) -> _Cluster:
        self.arrivals.append(member)
        cluster = self.clusters.setdefault(cluster_id, _Cluster())
        cluster.members.append(member)
        for term, count in member.terms.items():
            cluster.centroid[term] = cluster.centroid.get(term, 0.0) + count / member.length
            self.postings.setdefault(term, {})[cluster_id] = None
        if self.newest is None or member.story.published_at > self.newest:
            self.newest = member.story.published_at
        return cluster

    def evict(self, placed: dict[int, int]) -> None:
        assert self.newest is not None
        horizon = self.newest - self.settings.window
        while self.arrivals and self.arrivals[0].story.published_at < horizon:
            member = self.arrivals.pop(0)
            cluster_id = placed[member.story.story_id]
            self.df.subtract(member.terms.keys())
            self.seen -= 1
            cluster = self.clusters[cluster_id]
            cluster.members.remove(member)
            for term, count in member.terms.items():
                weight = cluster.centroid[term] - count / member.length
                if weight > 1e-9 and cluster.members:
                    cluster.centroid[term] = weight
                else:
                    del cluster.centroid[term], self.postings[term][cluster_id]
                    if not self.postings[term]:
                        del self.postings[term]
                if self.df[term] <= 0:
                    del self.df[term]
            if not cluster.members:
                del self.clusters[cluster_id]

    # --- loading and placing ---------------------------------------------------------------

    def load(self, stories: Sequence[ClusterCandidate], placed: dict[int, int]) -> None:
        batch = sorted(stories, key=lambda s: (s.published_at, s.story_id))
        self.count(batch)
        touched: dict[int, None] = {}
        for story in batch:
            assert story.cluster_id is not None
            placed[story.story_id] = story.cluster_id
            self.add(self.member(story), story.cluster_id)
            touched[story.cluster_id] = None
        for cluster_id in touched:
            members = self.clusters[cluster_id].members
            for member in members:
                member.centrality = 0.0
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    sim = self.similarity(a, b, self.member_norm(a))
                    a.centrality += sim
                    b.centrality += sim
        self.evict(placed)

    def assign(
        self, stories: Sequence[ClusterCandidate], placed: dict[int, int]
    ) -> list[Placement]:
        batch = sorted(stories, key=lambda s: (s.published_at, s.story_id))
        self.count(batch)
        placements = [self.assign_one(story) for story in batch]
        placed.update((p.story_id, p.cluster_id) for p in placements)
        self.evict(placed)
        return placements

    def assign_one(self, story: ClusterCandidate) -> Placement:
        settings = self.settings
        new = self.member(story)
        weighted = {t: c * self.weight(t) ** 2 for t, c in new.terms.items()}
        norm = math.sqrt(sum([weighted[t] * c for t, c in new.terms.items()])) or 1.0
        shared = [t for t in weighted if t in self.postings]
        keys = heapq.nlargest(settings.key_terms, shared, key=weighted.__getitem__)
        rough: dict[int, float] = {}
        for term in keys:
            for cluster_id in self.postings[term]:
                share = self.clusters[cluster_id].centroid[term]
                rough[cluster_id] = rough.get(cluster_id, 0.0) + weighted[term] * share
        best_id, best_score = None, 0.0
        for cluster_id in heapq.nlargest(settings.candidates, rough, key=rough.__getitem__):
            cluster = self.clusters[cluster_id]
            if not any(
                abs(m.story.published_at - story.published_at) <= settings.window
                for m in cluster.members
            ):
                continue
            centroid = cluster.centroid
            if settings.shared_words > 1 and any(
                _language(m.story) == _language(story) for m in cluster.members
            ):
                distinctive = -math.log(settings.distinctive_share)
                shared_words = [t for t in new.terms if t in centroid]
                if sum(self.weight(t) >= distinctive for t in shared_words) < settings.shared_words:
                    continue
            dot = sum([w * centroid[t] for t, w in weighted.items() if t in centroid])
            score = dot / (norm * self.centroid_norm(cluster))
            if all(m.story.feed_id == story.feed_id for m in cluster.members):
                score -= settings.same_feed_penalty
            # Time decay: a share of the score in proportion to the nearest member's distance.
            nearest = min(abs(m.story.published_at - story.published_at) for m in cluster.members)
            score *= 1.0 - settings.time_decay * (nearest / settings.window)
            features = [is_feature_headline(m.story.title) for m in (new, *cluster.members)]
            needed = settings.threshold
            if features[0] or all(features[1:]):
                needed = max(needed, settings.feature_threshold)
            if score >= needed and score > best_score:
                best_id, best_score = cluster_id, score
        started = best_id is None
        cluster_id = story.story_id if best_id is None else best_id
        cluster = self.add(new, cluster_id)
        for other in cluster.members:
            if other is not new:
                sim = self.similarity(new, other, norm)
                other.centrality += sim
                new.centrality += sim
        representative = max(cluster.members, key=lambda m: (m.centrality, -m.story.story_id))
        return Placement(story.story_id, cluster_id, representative.story.story_id, started)


# --- the stories ---------------------------------------------------------------------------


def real_stories() -> list[ClusterCandidate]:
    """Every story of the real snapshots, one feed per snapshot, with its own id."""
    found: list[ClusterCandidate] = []
    for feed_id, path in enumerate(real_feed_files(), start=1):
        parsed = parse_feed(path.read_bytes(), {}, f"https://feed.example/{feed_id}", NOW)
        for story in parsed.stories:
            found.append(
                ClusterCandidate(
                    len(found) + 1,
                    feed_id,
                    story.published_at,
                    story.title,
                    story.summary,
                    story.language,
                    None,
                )
            )
    return found


@pytest.fixture(scope="module")
def stories() -> list[ClusterCandidate]:
    return real_stories()


def reprinted(stories: Sequence[ClusterCandidate], first_id: int) -> list[ClusterCandidate]:
    """The same texts again under new ids, half of them carried by another feed: identical
    reports, whose bag of words the index shares."""
    return [
        replace(s, story_id=first_id + i, feed_id=s.feed_id + (1000 if i % 2 else 0))
        for i, s in enumerate(stories)
    ]


def batches(stories: Sequence[ClusterCandidate], size: int) -> list[list[ClusterCandidate]]:
    ordered = sorted(stories, key=lambda s: s.story_id)
    return [list(ordered[i : i + size]) for i in range(0, len(ordered), size)]


def test_the_bag_of_words_is_the_plain_one(stories: list[ClusterCandidate]) -> None:
    for s in stories:
        assert story_terms(s.title, s.summary, s.language) == plain_terms(
            s.title, s.summary, s.language
        )


def plain_placements(
    texts: Sequence[ClusterCandidate], settings: ClusterSettings, batch: int
) -> list[Placement]:
    plain, placed = PlainIndex(settings), {}
    return [p for part in batches(texts, batch) for p in plain.assign(part, placed)]


@pytest.mark.parametrize(
    ("batch", "window_hours", "shared_words", "time_decay"),
    [
        (1, 48, 2, 0.1),
        (15, 48, 2, 0.1),
        (60, 48, 2, 0.1),
        (15, 6, 2, 0.1),
        (40, 2, 2, 0.1),
        (1, 48, 4, 0.1),
        (15, 48, 1, 0.1),
        (15, 48, 2, 0.0),
        (15, 48, 2, 0.6),
    ],
)
def test_placements_are_those_of_the_plain_rules(
    stories: list[ClusterCandidate],
    batch: int,
    window_hours: int,
    shared_words: int,
    time_decay: float,
) -> None:
    """Batches of one poll's size and others, with the default window and narrow ones (many
    evictions, candidates out of the window), every text a second and third time, the
    shared-words rule at its default, stricter and off, and the time decay at its default, off
    and strong."""
    settings = ClusterSettings(
        window=timedelta(hours=window_hours), shared_words=shared_words, time_decay=time_decay
    )
    chosen = stories[::3]
    texts = [*chosen, *reprinted(chosen, 100_000), *reprinted(chosen[::2], 200_000)]
    index, plain = ClusterIndex(settings), PlainIndex(settings)
    placed: dict[int, int] = {}
    joined = 0
    for part in batches(texts, batch):
        expected = plain.assign(part, placed)
        assert index.assign(part) == expected
        joined += sum(1 for p in expected if not p.started)
    assert joined > len(texts) // 4, "the stories must exercise joining, not only starting"
    if shared_words > 2:  # the rule must have decided something here
        one_word = replace(settings, shared_words=1)
        assert plain_placements(texts, one_word, batch) != plain_placements(texts, settings, batch)
    if time_decay > 0.5:  # and so must the decay
        no_decay = replace(settings, time_decay=0.0)
        assert plain_placements(texts, no_decay, batch) != plain_placements(texts, settings, batch)


def test_a_restored_index_places_like_the_plain_rules(stories: list[ClusterCandidate]) -> None:
    """A restart: the stories stored so far are loaded (the window kept, representatives
    recomputed), then both go on placing the same stories."""
    settings = ClusterSettings(window=timedelta(hours=12))
    first, rest = stories[: len(stories) // 2], stories[len(stories) // 2 :]
    running = ClusterIndex(settings)
    stored = [
        replace(s, cluster_id=p.cluster_id)
        for part in batches(first, 20)
        for s, p in zip(
            sorted(part, key=lambda s: (s.published_at, s.story_id)),
            running.assign(part),
            strict=True,
        )
    ]
    restored, plain = ClusterIndex(settings), PlainIndex(settings)
    placed: dict[int, int] = {}
    restored.load(stored)
    plain.load(stored, placed)
    for part in batches([*rest, *reprinted(first[:100], 300_000)], 20):
        expected = plain.assign(part, placed)
        assert restored.assign(part) == expected


def test_a_tie_goes_to_the_cluster_found_first(stories: list[ClusterCandidate]) -> None:
    """Two clusters of the same text (an outlet's repeat, kept apart by a threshold above
    what the same-feed penalty leaves) score alike for a third outlet's copy: it joins the
    cluster that took the words up first, as the plain rules say."""
    settings = ClusterSettings(threshold=0.8, time_decay=0.0)  # no time decay: a true tie
    text = stories[0]
    first = replace(text, story_id=1, feed_id=1, published_at=NOW)
    repeat = replace(text, story_id=2, feed_id=1, published_at=NOW + timedelta(minutes=5))
    copy = replace(text, story_id=3, feed_id=2, published_at=NOW + timedelta(minutes=10))
    index, plain = ClusterIndex(settings), PlainIndex(settings)
    placed: dict[int, int] = {}
    for part in ([first], [repeat], [copy]):
        expected = plain.assign(part, placed)
        assert index.assign(part) == expected
    assert placed == {1: 1, 2: 2, 3: 1}
