"""Same-event clustering: stories from different outlets about one happening become one cluster.

Pure and incremental. Each story becomes a bag of words from its title (counted
``TITLE_WEIGHT`` times) and summary, folded and stemmed like the tagger's words (``Geneva``,
``Cenevre'de``, ``talks``/``talk`` …). Words are weighted by inverse document frequency over
every story the index has counted (the window restored at start and all stories since), so
names, places and numbers that few stories share weigh most and words every story uses weigh
nearly nothing — no stopword list is needed.

A new story is compared with the stories published within ``window`` of it, through an
inverted index (word → stories), so the cost depends on how many stories the window holds
and not on how many are stored. Its score for a cluster is the mean cosine similarity to its
three most similar members of that cluster in the window (average linkage over the best few,
so that a long-running cluster whose reports drift apart still takes a report close to some
of them), less ``same_feed_penalty`` for each member from the same feed: an outlet's own
follow-ups are more often new stories than repeats. It joins the best cluster when that score
reaches ``threshold``, else it starts one. A cluster's id is the id of the story that started
it, so clusters are stable: a decision is never revisited, and a restart reloads the window
and goes on.

The representative story of a cluster is the member most similar to the others (the sum of
its similarities), i.e. the report that best covers what the outlets share.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from feeds.tag import cased_words, stem
from storage.records import ClusterCandidate, Placement

TITLE_WEIGHT = 2.0
NORM_REFRESH = 1.25


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    window: timedelta = timedelta(hours=48)
    threshold: float = 0.2
    same_feed_penalty: float = 0.15
    # Candidates are found through a story's most distinctive words that other stories in the
    # window share (highest weight), and only the best few by those words are compared in full.
    key_terms: int = 10
    candidates: int = 10
    # Average linkage over a cluster's members (0), or over its best-matching few.
    linkage_top: int = 3


Terms = dict[str, float]


def story_terms(title: str, summary: str, language: str | None) -> Terms:
    """The weighted bag of stemmed words of a story's title and summary."""
    lang = "tr" if language == "tr" else "en"
    terms: Terms = {}
    for text, weight in ((title, TITLE_WEIGHT), (summary, 1.0)):
        for word in cased_words(text):
            lowered = word.lower()
            if len(lowered) < 2 and not lowered.isdigit():
                continue
            term = stem(lowered, lang)
            terms[term] = terms.get(term, 0.0) + weight
    return terms


@dataclass(slots=True)
class _Member:
    story_id: int
    feed_id: int
    published_at: datetime
    terms: Terms
    cluster_id: int
    centrality: float = 0.0
    norm: float = 0.0
    norm_seen: int = -1  # how many stories had been counted when ``norm`` was computed


@dataclass(slots=True)
class _Cluster:
    members: list[_Member] = field(default_factory=list)
    representative: _Member | None = None


class ClusterIndex:
    """The window's stories, their clusters and an inverted index over their words."""

    def __init__(self, settings: ClusterSettings = ClusterSettings()) -> None:
        self.settings = settings
        self._members: dict[int, _Member] = {}
        self._by_time: deque[_Member] = deque()  # in order of arrival
        # word → {story id: the word's count in that story}
        self._postings: defaultdict[str, dict[int, float]] = defaultdict(dict)
        self._df: Counter[str] = Counter()
        self._seen = 0
        self._idf_cache: dict[str, float] = {}
        self._idf_seen = 0
        self._clusters: dict[int, _Cluster] = {}
        self.newest: datetime | None = None
        self.max_story_id = 0

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, story_id: int) -> bool:
        return story_id in self._members

    # --- weights ---------------------------------------------------------------------------

    def _idf(self, term: str) -> float:
        """Inverse document frequency, cached until more stories are counted."""
        cache = self._idf_cache
        if self._idf_seen != self._seen:
            cache.clear()
            self._idf_seen = self._seen
        idf = cache.get(term)
        if idf is None:
            idf = cache[term] = math.log((self._seen + 1) / (self._df.get(term, 0) + 0.5))
        return idf

    def _norm(self, terms: Terms) -> float:
        idf = self._idf
        return math.sqrt(sum((count * idf(t)) ** 2 for t, count in terms.items())) or 1.0

    def _member_norm(self, member: _Member) -> float:
        """A member's vector length under the current weights. Weights drift slowly as stories
        are counted, so it is recomputed once the count has grown by a quarter."""
        if member.norm_seen < 0 or self._seen > member.norm_seen * NORM_REFRESH:
            member.norm = self._norm(member.terms)
            member.norm_seen = self._seen
        return member.norm

    # --- window ----------------------------------------------------------------------------

    def _add(self, member: _Member) -> None:
        self._members[member.story_id] = member
        self._by_time.append(member)
        for term in member.terms:
            self._postings[term][member.story_id] = member.terms[term]
        self._clusters.setdefault(member.cluster_id, _Cluster()).members.append(member)
        self.max_story_id = max(self.max_story_id, member.story_id)
        if self.newest is None or member.published_at > self.newest:
            self.newest = member.published_at

    def _count(self, terms: Iterable[str]) -> None:
        """Count one story: each of its distinct words once."""
        self._df.update(set(terms))
        self._seen += 1

    def evict(self) -> int:
        """Forget stories published more than a window before the newest one. Returns how many.

        Stories arrive roughly in publication order, so the oldest are at the front; a late
        arrival that is already old is dropped when it reaches the front."""
        if self.newest is None:
            return 0
        horizon = self.newest - self.settings.window
        dropped = 0
        while self._by_time and self._by_time[0].published_at < horizon:
            self._drop(self._by_time.popleft())
            dropped += 1
        return dropped

    def _drop(self, member: _Member) -> None:
        del self._members[member.story_id]
        for term in member.terms:
            posting = self._postings[term]
            posting.pop(member.story_id, None)
            if not posting:
                del self._postings[term]
        cluster = self._clusters[member.cluster_id]
        cluster.members.remove(member)
        if not cluster.members:
            del self._clusters[member.cluster_id]

    # --- loading and assigning -------------------------------------------------------------

    def load(self, stories: Iterable[ClusterCandidate]) -> None:
        """Restore stories that already have clusters (after a restart, or stored by another
        process), in publication order; their representatives are recomputed."""
        batch = sorted(
            (s for s in stories if s.cluster_id is not None and s.story_id not in self),
            key=lambda s: (s.published_at, s.story_id),
        )
        bags = [story_terms(s.title, s.summary, s.language) for s in batch]
        for bag in bags:
            self._count(bag)
        touched: set[int] = set()
        for story, bag in zip(batch, bags, strict=True):
            assert story.cluster_id is not None
            self._add(
                _Member(
                    story.story_id,
                    story.feed_id,
                    story.published_at,
                    bag,
                    story.cluster_id,
                )
            )
            touched.add(story.cluster_id)
        for cluster_id in touched:
            self._recompute_centrality(self._clusters[cluster_id])
        self.evict()

    def assign(self, stories: Sequence[ClusterCandidate]) -> list[Placement]:
        """Cluster new stories, in publication order. Every word of the batch is counted first,
        so the first stories of a batch are weighed like the last."""
        batch = sorted(stories, key=lambda s: (s.published_at, s.story_id))
        bags = [story_terms(s.title, s.summary, s.language) for s in batch]
        for bag in bags:
            self._count(bag)
        assignments: list[Placement] = []
        for story, bag in zip(batch, bags, strict=True):
            assignments.append(self._assign_one(story, bag))
        self.evict()
        return assignments

    def _similarities(self, story: ClusterCandidate, bag: Terms, norm: float) -> dict[int, float]:
        """Cosine similarity of a story to the window members most likely to report the same
        event: those sharing its most distinctive words (found through the inverted index),
        the best ``candidates`` of them by those words alone. Members published more than a
        window away are left out."""
        settings = self.settings
        idf = {term: self._idf(term) for term in bag}
        # Words no other story has cannot find a candidate: keys are chosen among the others.
        shared = [term for term in bag if term in self._postings]
        keys = heapq.nlargest(settings.key_terms, shared, key=lambda t: bag[t] * idf[t])
        members = self._members
        rough: defaultdict[int, float] = defaultdict(float)
        for term in keys:
            posting = self._postings.get(term)
            if not posting:
                continue
            weight = bag[term] * idf[term] * idf[term]
            for other_id, count in posting.items():
                rough[other_id] += weight * count
        sims: dict[int, float] = {}
        for other_id in heapq.nlargest(settings.candidates, rough, key=rough.__getitem__):
            other = members[other_id]
            if abs(other.published_at - story.published_at) > settings.window:
                continue
            terms = other.terms
            dot = sum(count * terms[t] * idf[t] * idf[t] for t, count in bag.items() if t in terms)
            sims[other_id] = dot / (norm * self._member_norm(other))
        return sims

    def _assign_one(self, story: ClusterCandidate, bag: Terms) -> Placement:
        norm = self._norm(bag)
        sims = self._similarities(story, bag, norm)
        best_id, best_score = None, 0.0
        for cluster_id in dict.fromkeys(self._members[other].cluster_id for other in sims):
            score = self._linkage(story, sims, self._clusters[cluster_id])
            if score > best_score:
                best_id, best_score = cluster_id, score
        started = best_id is None or best_score < self.settings.threshold
        cluster_id = story.story_id if started or best_id is None else best_id
        member = _Member(story.story_id, story.feed_id, story.published_at, bag, cluster_id)
        self._add(member)
        cluster = self._clusters[cluster_id]
        for other in cluster.members:
            if other is not member:
                sim = sims.get(other.story_id, 0.0)
                other.centrality += sim
                member.centrality += sim
        cluster.representative = max(cluster.members, key=lambda m: (m.centrality, -m.story_id))
        return Placement(story.story_id, cluster_id, cluster.representative.story_id, started)

    def _linkage(self, story: ClusterCandidate, sims: dict[int, float], cluster: _Cluster) -> float:
        """A story's score for a cluster: the mean of its similarities to the cluster's members
        in the window (each less the same-feed penalty), over the ``linkage_top`` best (0: all)."""
        settings = self.settings
        scores = sorted(
            (
                sims.get(m.story_id, 0.0)
                - (settings.same_feed_penalty if m.feed_id == story.feed_id else 0.0)
                for m in cluster.members
                if abs(m.published_at - story.published_at) <= settings.window
            ),
            reverse=True,
        )
        if settings.linkage_top:
            scores = scores[: settings.linkage_top]
        return sum(scores) / len(scores) if scores else 0.0

    def _recompute_centrality(self, cluster: _Cluster) -> None:
        members = cluster.members
        for member in members:
            member.centrality = 0.0
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                sim = self._pair_similarity(a, b)
                a.centrality += sim
                b.centrality += sim
        cluster.representative = max(members, key=lambda m: (m.centrality, -m.story_id))

    def _pair_similarity(self, a: _Member, b: _Member) -> float:
        if len(a.terms) > len(b.terms):
            a, b = b, a
        dot = sum(c * b.terms[t] * self._idf(t) ** 2 for t, c in a.terms.items() if t in b.terms)
        return dot / (self._member_norm(a) * self._member_norm(b))

    def representative_of(self, cluster_id: int) -> int | None:
        cluster = self._clusters.get(cluster_id)
        if cluster is None or cluster.representative is None:
            return None
        return cluster.representative.story_id
