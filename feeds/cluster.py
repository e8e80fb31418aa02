"""Same-event clustering: stories from different outlets about one happening become one cluster.

Pure and incremental. Each story becomes a bag of words from its title (counted
``TITLE_WEIGHT`` times) and summary, folded and stemmed like the tagger's words (``Geneva``,
``Cenevre'de``, ``talks``/``talk`` …). Words are weighted by inverse document frequency over
the stories in the time window, so names, places and numbers that few stories share weigh
most and words every story uses weigh nearly nothing — no stopword list is needed.

A new story is compared with the stories published within ``window`` of it, through an
inverted index (word → stories), so the cost depends on how many stories the window holds
and not on how many are stored. Its score for a cluster is the average similarity (cosine)
to the cluster's members in the window (average linkage), less ``same_feed_penalty`` for each
member from the same feed — an outlet's own follow-ups are usually different stories, not
the same report. It joins the best cluster when that score reaches ``threshold``, else it
starts a cluster. A cluster's id is the id of the story that started it, so clusters are
stable: a decision is never revisited, and a restart reloads the window and goes on.

The representative story of a cluster is the member most similar to the others (the sum of
its similarities), i.e. the report that best covers what the outlets share.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from feeds.tag import cased_words, stem
from storage.records import ClusterCandidate, Placement

TITLE_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    window: timedelta = timedelta(hours=48)
    threshold: float = 0.15
    same_feed_penalty: float = 0.1
    # Words in more than this share of the window's stories are not used to find candidates
    # (they would list most of the window and add almost nothing to a similarity).
    common_share: float = 0.5


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
        self._postings: defaultdict[str, set[int]] = defaultdict(set)
        self._df: Counter[str] = Counter()
        self._seen = 0
        self._clusters: dict[int, _Cluster] = {}
        self.newest: datetime | None = None
        self.max_story_id = 0

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, story_id: int) -> bool:
        return story_id in self._members

    # --- weights ---------------------------------------------------------------------------

    def _idf(self, term: str) -> float:
        return math.log((self._seen + 1) / (self._df.get(term, 0) + 0.5))

    def _norm(self, terms: Terms) -> float:
        return math.sqrt(sum((count * self._idf(t)) ** 2 for t, count in terms.items())) or 1.0

    # --- window ----------------------------------------------------------------------------

    def _add(self, member: _Member) -> None:
        self._members[member.story_id] = member
        self._by_time.append(member)
        for term in member.terms:
            self._postings[term].add(member.story_id)
        self._clusters.setdefault(member.cluster_id, _Cluster()).members.append(member)
        self.max_story_id = max(self.max_story_id, member.story_id)
        if self.newest is None or member.published_at > self.newest:
            self.newest = member.published_at

    def _count(self, terms: Iterable[str]) -> None:
        self._df.update(terms)
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
            posting.discard(member.story_id)
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
        """Cosine similarity of a story to every window member sharing a distinctive word and
        published within the window of it."""
        limit = max(10, int(self.settings.common_share * len(self._members)))
        dots: defaultdict[int, float] = defaultdict(float)
        for term, count in bag.items():
            posting = self._postings.get(term)
            if not posting or len(posting) > limit:
                continue
            idf = self._idf(term)
            weight = count * idf * idf
            for other_id in posting:
                dots[other_id] += weight * self._members[other_id].terms[term]
        window = self.settings.window
        sims: dict[int, float] = {}
        for other_id, dot in dots.items():
            other = self._members[other_id]
            if abs(other.published_at - story.published_at) <= window:
                sims[other_id] = dot / (norm * self._norm(other.terms))
        return sims

    def _assign_one(self, story: ClusterCandidate, bag: Terms) -> Placement:
        norm = self._norm(bag)
        sims = self._similarities(story, bag, norm)
        totals: defaultdict[int, float] = defaultdict(float)
        for other_id, sim in sims.items():
            other = self._members[other_id]
            penalty = self.settings.same_feed_penalty if other.feed_id == story.feed_id else 0.0
            totals[other.cluster_id] += sim - penalty
        best_id, best_score = None, 0.0
        for cluster_id, total in totals.items():
            cluster = self._clusters[cluster_id]
            in_window = [
                m
                for m in cluster.members
                if abs(m.published_at - story.published_at) <= self.settings.window
            ]
            # Members sharing no word still count (similarity 0) and their penalty applies.
            same_feed = sum(
                1 for m in in_window if m.feed_id == story.feed_id and m.story_id not in sims
            )
            score = (total - same_feed * self.settings.same_feed_penalty) / max(len(in_window), 1)
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
        return dot / (self._norm(a.terms) * self._norm(b.terms))

    def representative_of(self, cluster_id: int) -> int | None:
        cluster = self._clusters.get(cluster_id)
        if cluster is None or cluster.representative is None:
            return None
        return cluster.representative.story_id
