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
reports join like any other. Within a language, a story joins a cluster only when it shares
``shared_words`` distinctive words with it (each used by at most ``distinctive_share`` of the
stories, window and background together): one shared name is a subject, not an event (a
gallery of the Lunar New Year's celebrations and a piece on horses in history share "horse"),
and two reports of one happening share its names, places and what happened. A story joining a
cluster of only the other language's reports is spared the rule: across languages only names
and numbers carry over. A score counts when it reaches ``threshold``; for a feature (a
headline that asks or explains, ``feeds.headlines``: "Why is the Strait of Hormuz so
crucial?", "… : What to know", "List of key events") joining a cluster, or any story joining a
cluster of features only, it must reach ``feature_threshold``: such a piece shares its
subject's words with every report on it without reporting any one happening, so it joins only
a near copy of itself (the same explainer carried by several outlets). A score loses
``time_decay`` of itself, in proportion to the time from the story to the cluster's nearest
member over the window (the whole share at a whole window): reports of one happening come out
close together, so of two clusters on one subject (a leader's earlier statement, his
visitor's day in his capital) a report joins the one whose reports came out nearest its own.
The story joins the best-scoring cluster whose score counts, else it starts one. A cluster's
id is the id of the story that started it, so clusters are stable: a decision is never
revisited, and a restart reloads the window and goes on.

The representative story of a cluster is the member most similar to the others (the sum of
its similarities), i.e. the report that best covers what the outlets share.

What is computed, and how often. Every batch changes the counts, and with them every word's
weight, so each length and score is computed under the batch's weights, with the same
arithmetic in the same order whatever is kept between computations: the decisions are exactly
those of the rules above computed afresh (``tests/feeds/test_cluster_reference.py`` holds that
plain version). Within a batch a word's weight and its square, a member's length and a
cluster's length are computed once. Stories with the very same text (a wire report carried word
for word, an item published again under a new link) share one bag of words, so its length and
its similarity to a new member are computed once for all of them. A candidate cluster's full
length, a pass over all its words, is computed only when the score could still matter: the
words the story shares with the cluster give an upper bound (their part of the cluster's length
is at most its length), and a cluster whose bound stays below the threshold or the best score
so far cannot change the decision.
"""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain, repeat
from operator import add, mul
from pathlib import Path

from feeds.folding import cased_words, stem, story_words
from feeds.headlines import is_feature_headline
from feeds.names import background_shares, turkish_terms, use_exonyms
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
    # What a feature (a headline that asks or explains) must score to join, or to be joined.
    feature_threshold: float = 0.6
    # Distinctive words (each used by at most ``distinctive_share`` of the stories) that a story
    # must share with a cluster holding a report in its language, to join it.
    shared_words: int = 2
    distinctive_share: float = 0.05
    # The share of a score lost when the cluster's nearest member is a whole window away from
    # the story (in proportion for nearer ones): of two clusters on one subject, the report
    # joins the one whose reports came out nearest its own time.
    time_decay: float = 0.1
    # Pseudo-stories of general text in the word weights (0: the window's counts alone).
    background_weight: float = 1000.0
    # Candidate clusters are found through a story's most distinctive words that the window
    # shares (highest weight), and only the best few by those words are scored in full.
    key_terms: int = 10
    candidates: int = 10


Terms = dict[str, float]
# Sums of a few hundred positive floats are exact to far better than a part in 10⁹: an upper
# bound multiplied by this stays one whatever the rounding.
_ROUNDING_SLACK = 1.0 + 1e-9


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


class _TermTable(dict[str, tuple[str, ...]]):
    """Word as written (``cased_words``) → the terms it counts as in one language: its stem,
    none for a word left out (a single lower-case letter), and in Turkish a name's or a news
    word's English form (``feeds.names``: ``Cenevre`` counts as ``geneva``, ``Karadeniz`` as
    ``black`` and ``sea``, ``müzakereler`` as ``talk``). Filled on first use: news repeats its
    words."""

    __slots__ = ("_language",)
    _LIMIT = 65536  # words kept; past it the table starts again

    def __init__(self, language: str) -> None:
        super().__init__()
        self._language = language

    def __missing__(self, word: str) -> tuple[str, ...]:
        if len(self) >= self._LIMIT:
            self.clear()
        if len(word) < 2 and not (word.isdigit() or word.isupper()):
            terms: tuple[str, ...] = ()
        elif self._language == "tr":
            terms = turkish_terms(word)
        else:
            terms = (stem(word.lower(), self._language),)
        self[word] = terms
        return terms


_TERMS = {"en": _TermTable("en"), "tr": _TermTable("tr")}


def use_names_file(path: Path | None) -> None:
    """Read Turkish names and news words with the bundled lists extended by ``path``
    (``feeds.names``) from now on: for the clustering indexes made after the call (their word
    weights are fixed at start). Raises ``ExonymError`` for a bad file, and then nothing
    changes."""
    if use_exonyms(path):
        for table in _TERMS.values():
            table.clear()


def _around(moment: datetime, window: timedelta) -> tuple[datetime, datetime]:
    """The first and last moments within ``window`` of ``moment`` (``abs(t - moment) <=
    window``), clamped to the representable range."""
    try:
        early = moment - window
    except OverflowError:
        early = datetime.min.replace(tzinfo=moment.tzinfo)
    try:
        late = moment + window
    except OverflowError:
        late = datetime.max.replace(tzinfo=moment.tzinfo)
    return early, late


def story_terms(title: str, summary: str, language: str | None) -> Terms:
    """The weighted bag of stemmed words of a story's title and summary."""
    table = _TERMS["tr" if language == "tr" else "en"]
    read = story_words(title, summary)
    terms: Terms = {}
    get = terms.get
    for text, words, weight in ((title, read.title, TITLE_WEIGHT), (summary, read.summary, 1.0)):
        # Dotted abbreviations are joined for clustering only (the tagger reads U.S. as U S).
        cased = cased_words(_DOTTED.sub(_undot, text)) if _has_dotted(text) else words.cased
        for word in cased:
            for term in table[word]:
                terms[term] = get(term, 0.0) + weight
    return terms


BagKey = tuple[str, str, str]  # title, summary, language ("tr" or "en")


@dataclass(slots=True, eq=False)
class _Bag:
    """A text's bag of words, shared by the window's stories with that very title, summary and
    language (a wire report several outlets carry word for word, an item published again under
    a new link): its length and its similarities are computed once for all of them."""

    key: BagKey
    terms: Terms
    length: float  # before weighting: each member counts once in a centroid
    shares: tuple[float, ...]  # each word's count divided by the length, in ``terms`` order
    feature: bool  # the headline asks or explains (``feeds.headlines``)
    members: int = 0  # window stories with this text
    norm: float = 0.0  # the weighted bag's length
    norm_version: int = -1  # the weights' version ``norm`` was computed with (-1: stale)


@dataclass(slots=True)
class _Member:
    story_id: int
    feed_id: int
    published_at: datetime
    bag: _Bag
    cluster_id: int
    terms: Terms  # the bag's
    length: float  # the bag's
    centrality: float = 0.0


@dataclass(slots=True)
class _Cluster:
    members: list[_Member] = field(default_factory=list)
    representative: _Member | None = None
    # word → the sum over members of its count divided by the member's length
    centroid: dict[str, float] = field(default_factory=dict)
    feeds: Counter[int] = field(default_factory=Counter)
    features: int = 0  # members whose headline is a feature's
    languages: Counter[str] = field(default_factory=Counter)  # members by language ("tr", "en")
    norm: float = 0.0
    norm_version: int = -1  # the weights' version ``norm`` was computed with (-1: stale)
    # The earliest and latest publication times of the members (set by the first member).
    first: datetime = datetime.max
    last: datetime = datetime.min

    def has_member_between(self, early: datetime, late: datetime) -> bool:
        """Whether a member was published from ``early`` to ``late`` (inclusive)."""
        if self.last < early or self.first > late:
            return False
        if early <= self.first or self.last <= late:  # ``first`` or ``last`` is in the range
            return True
        # Newest first: stories arrive roughly in publication order, so the search ends soon.
        return any(early <= m.published_at <= late for m in reversed(self.members))

    def gap(self, moment: datetime) -> timedelta:
        """The time between ``moment`` and the member published nearest it."""
        if moment >= self.last:  # most stories arrive after the cluster's members
            return moment - self.last
        if moment <= self.first:
            return self.first - moment
        return min(abs(m.published_at - moment) for m in self.members)

    def recompute_span(self) -> None:
        times = [member.published_at for member in self.members]
        self.first, self.last = min(times), max(times)


class _Users(dict[str, float]):
    """Word → how many stories count as using it: the window's stories that do (its document
    frequency), the background's expected share of its pseudo-stories, and a half. Computed on
    first use; ``ClusterIndex`` refreshes (or drops) a word's entry whenever its document
    frequency changes."""

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

    def refresh(self, terms: Iterable[str]) -> None:
        """Compute the given words' entries again, all at once (the same values as
        ``__missing__``, for less work per word)."""
        words = list(terms)
        counts = map(self._df.get, words, repeat(0))
        background = map(mul, repeat(self._prior), map(self._background.get, words, repeat(0.0)))
        self.update(zip(words, map(add, map(add, counts, background), repeat(0.5)), strict=True))


class _Weights(dict[str, float]):
    """Word → inverse document frequency for one state of the window's counts, each computed
    on first use. Replaced as a whole whenever the counts change (``ClusterIndex._version``):
    the number of stories counted changes every word's weight."""

    __slots__ = ("_stories", "_users", "squares")

    def __init__(self, seen: int, prior: float, users: _Users) -> None:
        super().__init__()
        self._stories = seen + prior + 1.0
        self._users = users
        self.squares = _Squares(self)

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


class _Squares(dict[str, float]):
    """Word → its weight squared (``weight ** 2``, the same value), for the same state of the
    counts as its ``_Weights``: a word's square is used by every score and pair it is in."""

    __slots__ = ("_weights",)

    def __init__(self, weights: _Weights) -> None:
        super().__init__()
        self._weights = weights

    def __missing__(self, term: str) -> float:
        square = self[term] = self._weights[term] ** 2
        return square

    def fill(self, terms: Iterable[str]) -> None:
        """Compute the squares of the given words not squared yet, all at once."""
        missing = [term for term in terms if term not in self]
        if missing:
            weights = self._weights
            weights.fill(missing)
            squares = map(pow, map(weights.__getitem__, missing), repeat(2))
            self.update(zip(missing, squares, strict=True))


class ClusterIndex:
    """The window's stories, their clusters and an inverted index over the clusters' words."""

    def __init__(
        self,
        settings: ClusterSettings = ClusterSettings(),
        background: Mapping[str, float] | None = None,
    ) -> None:
        self.settings = settings
        # word → expected share of stories using it (None: the bundled table)
        self._background = background_shares() if background is None else background
        self._members: dict[int, _Member] = {}
        self._by_time: deque[_Member] = deque()  # in order of arrival
        # word → {id of a cluster using it: the cluster's centroid, where the word's weight
        # in the cluster is}, in the order the clusters took the word up
        self._postings: dict[str, dict[int, dict[str, float]]] = {}
        self._df: Counter[str] = Counter()  # word → window stories using it
        self._seen = 0  # window stories counted
        self._version = 0  # changes whenever the counts do
        self._users = _Users(self._df, self._background, settings.background_weight)
        # The words' weights for ``_weights_version`` of the counts.
        self._weights = _Weights(0, settings.background_weight, self._users)
        self._weights_version = -1
        self._clusters: dict[int, _Cluster] = {}
        self._bags: dict[BagKey, _Bag] = {}  # the window's texts
        # A word is distinctive when at most ``distinctive_share`` of the stories use it: when
        # its weight, the logarithm of the stories over its users, is at least this.
        self._distinctive_weight = -math.log(settings.distinctive_share)
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
        bag = member.bag
        if bag.norm_version != self._version:
            idf = self._idf()
            idf.fill(bag.terms)
            bag.norm = (
                math.sqrt(sum([(count * idf[t]) ** 2 for t, count in bag.terms.items()])) or 1.0
            )
            bag.norm_version = self._version
        return bag.norm

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

    def _count(self, bags: Sequence[_Bag]) -> None:
        """Count a batch of stories: each of a story's distinct words (its bag's keys) once."""
        df = self._df
        for bag in bags:
            df.update(bag.terms.keys())
            self._seen += 1
            self._version += 1
        self._users.refresh(dict.fromkeys(chain.from_iterable(bag.terms for bag in bags)))

    def _add(self, member: _Member) -> _Cluster:
        self._members[member.story_id] = member
        member.bag.members += 1
        self._by_time.append(member)
        cluster = self._clusters.setdefault(member.cluster_id, _Cluster())
        cluster.members.append(member)
        cluster.feeds[member.feed_id] += 1
        cluster.features += member.bag.feature
        cluster.languages[member.bag.key[2]] += 1
        if cluster.members[0] is member:
            cluster.first = cluster.last = member.published_at
        elif member.published_at < cluster.first:
            cluster.first = member.published_at
        elif member.published_at > cluster.last:
            cluster.last = member.published_at
        centroid, postings, cluster_id = cluster.centroid, self._postings, member.cluster_id
        for term, share in zip(member.terms, member.bag.shares, strict=True):
            weight = centroid.get(term)
            if weight is not None:
                centroid[term] = weight + share
                continue
            centroid[term] = share  # the same as 0.0 + share
            posting = postings.get(term)
            if posting is None:
                postings[term] = {cluster_id: centroid}
            else:
                posting[cluster_id] = centroid
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
        bag = member.bag
        bag.members -= 1
        if not bag.members:
            del self._bags[bag.key]
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
        cluster.features -= bag.feature
        cluster.languages[bag.key[2]] -= 1
        cluster.norm_version = -1
        centroid, postings, df = cluster.centroid, self._postings, self._df
        for term, share in zip(member.terms, bag.shares, strict=True):
            # Each member adds at least 1/length (about 0.01) to a word it uses: a weight this
            # small is what float rounding leaves once the last member using the word is gone.
            weight = centroid[term] - share
            if weight > 1e-9 and cluster.members:
                centroid[term] = weight
            else:
                del centroid[term]
                posting = postings[term]
                del posting[cluster_id]
                if not posting:
                    del postings[term]
            if df[term] <= 0:
                del df[term]
        if not cluster.members:
            del self._clusters[cluster_id]
        elif member.published_at in (cluster.first, cluster.last):
            cluster.recompute_span()

    # --- loading and assigning -------------------------------------------------------------

    def load(self, stories: Iterable[ClusterCandidate]) -> None:
        """Restore stories that already have clusters (after a restart, or stored by another
        process), in publication order; their representatives are recomputed."""
        batch = sorted(
            (s for s in stories if s.cluster_id is not None and s.story_id not in self),
            key=lambda s: (s.published_at, s.story_id),
        )
        bags = [self._bag(s) for s in batch]
        self._count(bags)
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
        bags = [self._bag(s) for s in batch]
        self._count(bags)
        assignments: list[Placement] = []
        for story, bag in zip(batch, bags, strict=True):
            assignments.append(self._assign_one(story, bag))
        self.evict()
        return assignments

    def _bag(self, story: ClusterCandidate) -> _Bag:
        """The bag of a story's text: the window's, if a story with the same text is in it."""
        key = (story.title, story.summary, "tr" if story.language == "tr" else "en")
        bag = self._bags.get(key)
        if bag is None:
            terms = story_terms(story.title, story.summary, story.language)
            length = math.sqrt(sum(count * count for count in terms.values())) or 1.0
            shares = tuple([count / length for count in terms.values()])
            feature = is_feature_headline(story.title)
            bag = self._bags[key] = _Bag(key, terms, length, shares, feature)
        return bag

    @staticmethod
    def _member(story: ClusterCandidate, bag: _Bag, cluster_id: int) -> _Member:
        published, terms, length = story.published_at, bag.terms, bag.length
        return _Member(story.story_id, story.feed_id, published, bag, cluster_id, terms, length)

    def _candidates(self, story: ClusterCandidate, weighted: Terms) -> list[int]:
        """The clusters most likely to report the same event: those sharing the story's most
        distinctive words (found through the inverted index), the best ``candidates`` of them
        by those words alone, that have a member published within a window of the story.
        ``weighted``: the story's word counts times their squared weights."""
        settings = self.settings
        postings = self._postings
        shared = [term for term in weighted if term in postings]
        # ``sorted(…, reverse=True)[:n]`` is what ``heapq.nlargest(n, …)`` promises to equal
        # (ties in input order); sorting a few dozen items in C is quicker.
        keys = sorted(shared, key=weighted.__getitem__, reverse=True)[: settings.key_terms]
        rough: dict[int, float] = {}
        get = rough.get
        for term in keys:
            weight = weighted[term]
            for cluster_id, centroid in postings[term].items():
                rough[cluster_id] = get(cluster_id, 0.0) + weight * centroid[term]
        best = sorted(rough, key=rough.__getitem__, reverse=True)[: settings.candidates]
        clusters = self._clusters
        early, late = _around(story.published_at, settings.window)
        return [c for c in best if clusters[c].has_member_between(early, late)]

    def _score(
        self,
        story: ClusterCandidate,
        weighted: Terms,
        norm: float,
        cluster: _Cluster,
        best: float,
        bag: _Bag,
    ) -> float | None:
        """Cosine similarity of the story and the cluster's centroid, less the same-feed penalty
        when the cluster holds only the story's own feed's reports, less the time decay's share
        for the time to the cluster's nearest member; None when the story shares
        fewer than ``shared_words`` distinctive words with a cluster holding a report in its
        language, or when the score cannot matter: below the threshold (the feature threshold
        when the story is a feature or the cluster holds features only), or not above ``best``
        (the best score so far, at least 0).

        The centroid's length under the current weights costs a pass over all its words, so
        it is computed only when the words the story shares with the centroid leave the
        score in play: the length is at least that of their part of the centroid (and the
        time decay only lowers a score)."""
        centroid = cluster.centroid
        shared = [term for term in weighted if term in centroid]
        if not shared:
            return None  # a score of 0 or less: never above ``best``
        settings = self.settings
        if cluster.languages[bag.key[2]] and settings.shared_words > 1:
            idf, distinctive = self._idf(), self._distinctive_weight
            if sum([idf[term] >= distinctive for term in shared]) < settings.shared_words:
                return None
        dot = sum([weighted[term] * centroid[term] for term in shared])
        penalty = 0.0
        if cluster.feeds.get(story.feed_id, 0) == len(cluster.members):
            penalty = settings.same_feed_penalty
        needed = settings.threshold
        if bag.feature or cluster.features == len(cluster.members):
            needed = max(needed, settings.feature_threshold)
        if cluster.norm_version != self._version:
            idf = self._idf()
            part = math.sqrt(sum([(centroid[term] * idf[term]) ** 2 for term in shared]))
            bound = dot / (norm * part) * _ROUNDING_SLACK - penalty
            if bound < needed or bound <= best:
                return None
        score = dot / (norm * self._centroid_norm(cluster)) - penalty
        if settings.time_decay:
            score *= 1.0 - settings.time_decay * (cluster.gap(story.published_at) / settings.window)
        return score if score >= needed else None

    def _assign_one(self, story: ClusterCandidate, bag: _Bag) -> Placement:
        terms = bag.terms
        squares = self._idf().squares
        squares.fill(terms)
        # count × weight², and the length from count × (count × weight²), as always computed
        products = map(mul, terms.values(), map(squares.__getitem__, terms))
        weighted = dict(zip(terms, products, strict=True))
        norm = math.sqrt(sum(map(mul, weighted.values(), terms.values()))) or 1.0
        best_id, best_score = None, 0.0
        clusters = self._clusters
        for cluster_id in self._candidates(story, weighted):
            score = self._score(story, weighted, norm, clusters[cluster_id], best_score, bag)
            if score is not None and score > best_score:
                best_id, best_score = cluster_id, score
        started = best_id is None
        cluster_id = story.story_id if best_id is None else best_id
        member = self._member(story, bag, cluster_id)
        cluster = self._add(member)
        similarities: dict[_Bag, float] = {}  # by the other member's bag: the same for a text
        for other in cluster.members:
            if other is not member:
                sim = similarities.get(other.bag)
                if sim is None:
                    sim = similarities[other.bag] = self._pair_similarity(member, other, norm)
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
        squares = self._idf().squares
        dot = sum([c * large[t] * squares[t] for t, c in small.items() if t in large])
        return dot / (a_norm * self._member_norm(b)) if dot else 0.0

    def representative_of(self, cluster_id: int) -> int | None:
        cluster = self._clusters.get(cluster_id)
        if cluster is None or cluster.representative is None:
            return None
        return cluster.representative.story_id
