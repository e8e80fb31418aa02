"""Same-event clustering: stories from different outlets about one happening become one cluster.

Pure and incremental. Each story becomes a bag of words from its title (counted
``TITLE_WEIGHT`` times) and summary, folded and stemmed like the tagger's words (``Geneva``,
``Cenevre'de``, ``talks``/``talk`` …), with dotted abbreviations joined (``U.S.`` is ``US``)
and one-letter capitals kept (``X``).

Words are weighted by inverse document frequency: how few of the stories in the window use
them, with a background of ``background_weight`` pseudo-stories whose words follow general
English and Turkish text (``feeds.word_frequency``). So names, places and numbers that few
stories share weigh most, words every story uses weigh nearly nothing from the first story on,
and no stopword list is needed. The counts follow the window: a story leaving it is no longer
counted, so a restarted index that reloads the window weighs exactly like the running one.

A cluster is represented by its centroid: the sum of its window members' word counts, each
member scaled to unit length, weighted like a story. A new story's score for a cluster is the
cosine similarity of its weighted bag and the centroid, so the words that the cluster's reports
share (the event's names, places, numbers) count most and one report's own details little.
Candidates come from an inverted index (word → clusters) over the story's most distinctive
words, so the cost depends on the window and not on how many stories are stored; a cluster is a
candidate only while one of its members was published within ``window`` of the story.

A cluster holding only the story's own outlet's reports scores ``same_feed_penalty`` less: an
outlet's follow-ups are more often new stories than repeats, and a cluster is the event that
several outlets report. Once another outlet's report is in the cluster, the outlet's own
reports join like any other. The story joins the best-scoring cluster when the score reaches
``threshold``, else it starts one. A cluster's id is the id of the story that started it, so
clusters are stable: a decision is never revisited, and a restart reloads the window and goes on.

The representative story of a cluster is the member most similar to the others (the sum of
its similarities), i.e. the report that best covers what the outlets share.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from feeds.tag import cased_words, stem
from feeds.word_frequency import story_shares
from storage.records import ClusterCandidate, Placement

TITLE_WEIGHT = 2.0
# Letters each followed by a full stop: U.S., U.N., A.Ş. (any script's letters).
_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}")


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    window: timedelta = timedelta(hours=48)
    threshold: float = 0.25
    # Taken from a cluster's score when all of its window members are the story's own feed's.
    same_feed_penalty: float = 0.3
    # Pseudo-stories of general text in the word weights (0: the window's counts alone).
    background_weight: float = 1000.0
    # Candidate clusters are found through a story's most distinctive words that the window
    # shares (highest weight), and only the best few by those words are scored in full.
    key_terms: int = 10
    candidates: int = 10


Terms = dict[str, float]


def _undot(match: re.Match[str]) -> str:
    return match.group(0).replace(".", "") + " "


def _has_dotted(text: str) -> bool:
    """Whether a full stop follows another two characters on (``U.S.``): a quick test that
    spares most texts the slower regular expression."""
    at = text.find(".", 2)
    while at != -1:
        if text[at - 2] == ".":
            return True
        at = text.find(".", at + 1)
    return False


def story_terms(title: str, summary: str, language: str | None) -> Terms:
    """The weighted bag of stemmed words of a story's title and summary."""
    lang = "tr" if language == "tr" else "en"
    terms: Terms = {}
    for text, weight in ((title, TITLE_WEIGHT), (summary, 1.0)):
        if _has_dotted(text):
            text = _DOTTED.sub(_undot, text)
        for word in cased_words(text):
            if len(word) < 2 and not (word.isdigit() or word.isupper()):
                continue
            term = stem(word.lower(), lang)
            terms[term] = terms.get(term, 0.0) + weight
    return terms


@dataclass(slots=True)
class _Member:
    story_id: int
    feed_id: int
    published_at: datetime
    terms: Terms
    cluster_id: int
    length: float  # the bag's length before weighting: each member counts once in a centroid
    centrality: float = 0.0
    norm: float = 0.0  # the weighted bag's length
    norm_version: int = -1  # the weights' version ``norm`` was computed with (-1: stale)


@dataclass(slots=True)
class _Cluster:
    members: list[_Member] = field(default_factory=list)
    representative: _Member | None = None
    # word → the sum over members of its count divided by the member's length
    centroid: dict[str, float] = field(default_factory=dict)
    feeds: Counter[int] = field(default_factory=Counter)
    norm: float = 0.0
    norm_version: int = -1  # the weights' version ``norm`` was computed with (-1: stale)


class _Users(dict[str, float]):
    """Word → how many stories count as using it: the window's stories that do (its document
    frequency), the background's expected share of its pseudo-stories, and a half. Computed on
    first use; ``ClusterIndex`` drops a word's entry whenever its document frequency changes."""

    __slots__ = ("_background", "_df", "_prior")

    def __init__(self, df: Mapping[str, int], background: Mapping[str, float], prior: float):
        super().__init__()
        self._df = df
        self._background = background
        self._prior = prior

    def __missing__(self, term: str) -> float:
        users = self[term] = (
            self._df.get(term, 0) + self._prior * self._background.get(term, 0.0) + 0.5
        )
        return users


class _Weights(dict[str, float]):
    """Word → inverse document frequency for one state of the window's counts, each computed
    on first use. Replaced as a whole whenever the counts change (``ClusterIndex._version``):
    the number of stories counted changes every word's weight."""

    __slots__ = ("_stories", "_users")

    def __init__(self, seen: int, prior: float, users: _Users) -> None:
        super().__init__()
        self._stories = seen + prior + 1.0
        self._users = users

    def __missing__(self, term: str) -> float:
        idf = self[term] = math.log(self._stories / self._users[term])
        return idf

    def fill(self, terms: Iterable[str]) -> None:
        """Compute the weights of the given words not weighed yet, all at once (the same
        values as one by one, for less work per word)."""
        missing = [term for term in terms if term not in self]
        if missing:
            divide, users = self._stories.__truediv__, self._users.__getitem__
            self.update(zip(missing, map(math.log, map(divide, map(users, missing))), strict=True))


class ClusterIndex:
    """The window's stories, their clusters and an inverted index over the clusters' words."""

    def __init__(
        self,
        settings: ClusterSettings = ClusterSettings(),
        background: Mapping[str, float] | None = None,
    ) -> None:
        self.settings = settings
        # word → expected share of stories using it (None: the bundled table)
        self._background = story_shares() if background is None else background
        self._members: dict[int, _Member] = {}
        self._by_time: deque[_Member] = deque()  # in order of arrival
        # word → {id of a cluster using it: the word's weight in the cluster's centroid}
        self._postings: dict[str, dict[int, float]] = {}
        self._df: Counter[str] = Counter()  # word → window stories using it
        self._seen = 0  # window stories counted
        self._version = 0  # changes whenever the counts do
        self._users = _Users(self._df, self._background, settings.background_weight)
        # The words' weights for ``_weights_version`` of the counts.
        self._weights = _Weights(0, settings.background_weight, self._users)
        self._weights_version = -1
        self._clusters: dict[int, _Cluster] = {}
        self.newest: datetime | None = None
        self.max_story_id = 0

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, story_id: int) -> bool:
        return story_id in self._members

    # --- weights ---------------------------------------------------------------------------

    def _idf(self) -> _Weights:
        """Inverse document frequency over the window and the background by word, valid until
        the counts change: every change of the counts bumps ``_version``, which makes the next
        call start a new table."""
        if self._weights_version != self._version:
            self._weights = _Weights(self._seen, self.settings.background_weight, self._users)
            self._weights_version = self._version
        return self._weights

    def weight(self, term: str) -> float:
        """A stemmed word's current weight (its inverse document frequency)."""
        return self._idf()[term]

    def _member_norm(self, member: _Member) -> float:
        """The length of a member's weighted bag, kept until the counts change (a member's
        words never do)."""
        if member.norm_version != self._version:
            idf = self._idf()
            idf.fill(member.terms)
            member.norm = (
                math.sqrt(sum([(count * idf[t]) ** 2 for t, count in member.terms.items()])) or 1.0
            )
            member.norm_version = self._version
        return member.norm

    def _centroid_norm(self, cluster: _Cluster) -> float:
        """The length of a cluster's weighted centroid, kept until the counts or the cluster's
        members change."""
        if cluster.norm_version != self._version:
            idf = self._idf()
            idf.fill(cluster.centroid)
            cluster.norm = (
                math.sqrt(sum([(w * idf[t]) ** 2 for t, w in cluster.centroid.items()])) or 1.0
            )
            cluster.norm_version = self._version
        return cluster.norm

    # --- window ----------------------------------------------------------------------------

    def _count(self, terms: Iterable[str]) -> None:
        """Count one story: each of its distinct words once."""
        distinct = set(terms)
        self._df.update(distinct)
        users = self._users
        for term in distinct:
            users.pop(term, None)
        self._seen += 1
        self._version += 1

    def _add(self, member: _Member) -> _Cluster:
        self._members[member.story_id] = member
        self._by_time.append(member)
        cluster = self._clusters.setdefault(member.cluster_id, _Cluster())
        cluster.members.append(member)
        cluster.feeds[member.feed_id] += 1
        centroid, postings, cluster_id = cluster.centroid, self._postings, member.cluster_id
        for term, count in member.terms.items():
            weight = centroid[term] = centroid.get(term, 0.0) + count / member.length
            posting = postings.get(term)
            if posting is None:
                postings[term] = {cluster_id: weight}
            else:
                posting[cluster_id] = weight
        cluster.norm_version = -1
        self.max_story_id = max(self.max_story_id, member.story_id)
        if self.newest is None or member.published_at > self.newest:
            self.newest = member.published_at
        return cluster

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
        self._df.subtract(member.terms.keys())
        users = self._users
        for term in member.terms:
            users.pop(term, None)
        self._seen -= 1
        self._version += 1
        cluster_id = member.cluster_id
        cluster = self._clusters[cluster_id]
        cluster.members.remove(member)
        cluster.feeds[member.feed_id] -= 1
        cluster.norm_version = -1
        centroid, postings = cluster.centroid, self._postings
        for term, count in member.terms.items():
            # Each member adds at least 1/length (about 0.01) to a word it uses: a weight this
            # small is what float rounding leaves once the last member using the word is gone.
            weight = centroid[term] - count / member.length
            posting = postings[term]
            if weight > 1e-9 and cluster.members:
                centroid[term] = posting[cluster_id] = weight
            else:
                del centroid[term], posting[cluster_id]
                if not posting:
                    del postings[term]
            if self._df[term] <= 0:
                del self._df[term]
        if not cluster.members:
            del self._clusters[cluster_id]

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
            self._add(self._member(story, bag, story.cluster_id))
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

    @staticmethod
    def _member(story: ClusterCandidate, bag: Terms, cluster_id: int) -> _Member:
        length = math.sqrt(sum(count * count for count in bag.values())) or 1.0
        return _Member(story.story_id, story.feed_id, story.published_at, bag, cluster_id, length)

    def _candidates(self, story: ClusterCandidate, weighted: Terms) -> list[int]:
        """The clusters most likely to report the same event: those sharing the story's most
        distinctive words (found through the inverted index), the best ``candidates`` of them
        by those words alone, that have a member published within a window of the story.
        ``weighted``: the story's word counts times their squared weights."""
        settings = self.settings
        postings = self._postings
        shared = [term for term in weighted if term in postings]
        keys = heapq.nlargest(settings.key_terms, shared, key=weighted.__getitem__)
        rough: dict[int, float] = {}
        for term in keys:
            weight = weighted[term]
            for cluster_id, share in postings[term].items():
                rough[cluster_id] = rough.get(cluster_id, 0.0) + weight * share
        window = settings.window
        published = story.published_at
        clusters = self._clusters
        return [
            cluster_id
            for cluster_id in heapq.nlargest(settings.candidates, rough, key=rough.__getitem__)
            # Newest first: stories arrive roughly in publication order, so the search ends soon.
            if any(
                abs(m.published_at - published) <= window
                for m in reversed(clusters[cluster_id].members)
            )
        ]

    def _score(
        self, story: ClusterCandidate, weighted: Terms, norm: float, cluster: _Cluster
    ) -> float:
        """Cosine similarity of the story and the cluster's centroid, less the same-feed penalty
        when the cluster holds only the story's own feed's reports."""
        centroid = cluster.centroid
        dot = sum([w * centroid[t] for t, w in weighted.items() if t in centroid])
        score = dot / (norm * self._centroid_norm(cluster))
        if cluster.feeds.get(story.feed_id, 0) == len(cluster.members):
            score -= self.settings.same_feed_penalty
        return score

    def _assign_one(self, story: ClusterCandidate, bag: Terms) -> Placement:
        idf = self._idf()
        idf.fill(bag)
        weighted = {term: count * idf[term] ** 2 for term, count in bag.items()}
        norm = math.sqrt(sum([weighted[term] * count for term, count in bag.items()])) or 1.0
        best_id, best_score = None, 0.0
        clusters = self._clusters
        for cluster_id in self._candidates(story, weighted):
            score = self._score(story, weighted, norm, clusters[cluster_id])
            if score > best_score:
                best_id, best_score = cluster_id, score
        started = best_id is None or best_score < self.settings.threshold
        cluster_id = story.story_id if started or best_id is None else best_id
        member = self._member(story, bag, cluster_id)
        cluster = self._add(member)
        for other in cluster.members:
            if other is not member:
                sim = self._pair_similarity(member, other, norm)
                other.centrality += sim
                member.centrality += sim
        cluster.representative = max(cluster.members, key=lambda m: (m.centrality, -m.story_id))
        return Placement(story.story_id, cluster_id, cluster.representative.story_id, started)

    def _recompute_centrality(self, cluster: _Cluster) -> None:
        members = cluster.members
        for member in members:
            member.centrality = 0.0
        if len(members) == 1:
            cluster.representative = members[0]
            return
        for i, a in enumerate(members):
            norm = self._member_norm(a)
            for b in members[i + 1 :]:
                sim = self._pair_similarity(a, b, norm)
                a.centrality += sim
                b.centrality += sim
        cluster.representative = max(members, key=lambda m: (m.centrality, -m.story_id))

    def _pair_similarity(self, a: _Member, b: _Member, a_norm: float) -> float:
        """Cosine similarity of two members (``a_norm``: the length of ``a``'s weighted bag)."""
        small, large = (a.terms, b.terms) if len(a.terms) <= len(b.terms) else (b.terms, a.terms)
        idf = self._idf()
        dot = sum([c * large[t] * idf[t] ** 2 for t, c in small.items() if t in large])
        return dot / (a_norm * self._member_norm(b)) if dot else 0.0

    def representative_of(self, cluster_id: int) -> int | None:
        cluster = self._clusters.get(cluster_id)
        if cluster is None or cluster.representative is None:
            return None
        return cluster.representative.story_id
