"""Query latency benchmark for haberci: ``/topic``, ``/latest``, ``/search`` and ``/digest``
through the command layer over a large stored history, on SQLite and on PostgreSQL.

Every call goes through ``Commands(app).handle(Request(text, caller))``, exactly as a chat
message would: chat look-up, topic resolution, the story queries, cluster sources, topics and
the reply. The figures are per command: p50, p95, p99 and max over at least 200 timed calls
after a warm-up, against a target of p95 ≤ 25 ms. The queries (``QUERIES``) mix popular and
rare topics, Turkish aliases, counts and "More" pages; search words in both languages, common
and rare, one to three of them, and one with no hit; a digest of every topic and one of three
followed topics (the clock is the end of the generated history).

The data (1,000,000 stories by default, ``--stories``) is generated once and reused:

- SQLite: ``.bench-cache/query-<stories>-<key hash>.db`` under the repository root (git
  ignores it; files of older keys are deleted when a new one is generated);
- PostgreSQL: the database ``haberci_bench_query`` (``haberci_bench_query_<stories>`` for
  another ``--stories``) on the server of ``HABERCI_BENCH_POSTGRES_URL`` (else
  ``HABERCI_TEST_POSTGRES_URL``, else ``postgresql://postgres@127.0.0.1:5432/test``).

Both carry a data key in their ``meta`` table, written last: the generator's version
(``DATA_VERSION``), the story count, and a fingerprint of the modelled columns and the topic
slugs. A different key (the generator, a table's columns or the topics changed), an
interrupted generation or ``--regenerate`` rebuilds them. On reuse, ``open_app`` applies any
newer migration to the stored data, as it would in production (new indexes are built then);
after editing a migration that was already applied, pass ``--regenerate``.

What is generated, from the real feed snapshots in ``shared/fixtures/feeds/real`` (parsed with
``feeds.parse.parse_feed``, tagged with the real tagger): 40 outlets in English and Turkish,
14 of them world feeds whose stories are mostly judged not about Turkey; stories over two
years, each outlet from the day it was added (so the recent days are the densest), in the
outlet's daily rhythm, with a backlog at each outlet's first poll; titles and summaries that
recombine real titles and sentences of the outlet's language; topic rows on about a third of
the stories (1–3 each, popularity from the real tagging), coherent with the text (the story is
built on a real story with that topic, or names the topic's alias); every story in a cluster,
about 30% of them in multi-outlet clusters of one event. The schema comes from the real
migrations (``storage.db.upgrade``); rows are loaded in bulk (SQLAlchemy Core executemany on
SQLite, COPY on PostgreSQL) with the secondary indexes, constraints and search triggers
dropped and then recreated from their own definitions, and the SQLite search index rebuilt
with FTS5's ``rebuild`` (what migration 0006 does for stories stored before it). The result is
the schema and rows that production would hold. PostgreSQL is vacuumed and analysed after the
load, as autovacuum would do; SQLite is not analysed, as haberci never analyses it.

Usage: ``python bench/query.py [--stories N] [--db sqlite|postgresql|both] [--regenerate]
[--calls N] [--json]`` from the repository root. With ``--json`` one JSON object goes to stdout
and the human-readable report to stderr. If PostgreSQL is unreachable, ``--db both`` says so
and runs SQLite only (under ``CI=true`` that is an error). The exit status is 0 whether or not
the target is met, 1 on an error.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import logging
import math
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from sqlalchemy import Connection, Engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

from bench.ingest import peak_rss_mb, pin_to_one_cpu, repository_commit, silence_logging
from bench.report import run_and_report
from bot.app import open_app
from bot.commands import Caller, Commands, Request
from bot.config import load_settings
from bot.reply import Reply, StoryEntry
from feeds.parse import content_hash, parse_feed
from feeds.tag import Tagger, tag_stories
from feeds.taxonomy import Taxonomy, load_taxonomy
from storage import db
from storage import feeds as feed_store
from storage.meta import get_meta, set_meta
from storage.search import reindex_search
from storage.tables import CLUSTERS, FEEDS, STORIES, STORY_TOPICS, Base

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_FEEDS = REPO_ROOT.parent / "shared" / "fixtures" / "feeds" / "real"
CACHE_DIR = REPO_ROOT / ".bench-cache"
PG_DATABASE = "haberci_bench_query"
DEFAULT_STORIES = 1_000_000
PG_ADMIN_URL = os.environ.get(
    "HABERCI_BENCH_POSTGRES_URL",
    os.environ.get("HABERCI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
)

# Bump when the generated data changes (generator logic, outlets, proportions).
DATA_VERSION = "query-data-1"
DATA_KEY_META = "bench_query_data_key"
DATA_INFO_META = "bench_query_data_info"
SEED = 20261201
TARGET_P95_MS = 25.0
MIN_CALLS = 200
COMMANDS = ("topic", "latest", "search", "digest")

HISTORY_DAYS = 730
BACKLOG_PER_FEED = 30
TOPIC_SHARE = 0.34  # stories with at least one topic
JOIN_SHARE = 0.19  # stories that join an existing multi-outlet cluster
GENERAL_ABOUT_TURKEY = 0.25  # world feeds' stories judged about Turkey
EMPTY_SUMMARY_SHARE = 0.04
MAX_SUMMARY = 320
CHUNK = 10_000
# Stories per hour of the day (Istanbul time, UTC+3) relative to the busiest hour.
HOUR_WEIGHTS = (
    0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.3, 0.6, 0.85, 1.0, 1.0, 1.0,
    0.95, 0.95, 0.95, 0.9, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.45, 0.3,
)  # fmt: skip


# --- outlets ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outlet:
    """One feed of the generated deployment: its language, scope and relative daily volume.
    ``founding`` outlets were registered on the first day; the others later."""

    name: str
    url: str
    language: str
    general: bool
    volume: float
    founding: bool


# The 20 bundled outlets (feeds/default_feeds.toml), then 20 a deployment would add later:
# name, feed URL, language, relative daily volume, world feed, registered on the first day.
_OUTLET_TABLE: tuple[tuple[str, str, str, float, bool, bool], ...] = (
    ("Daily Sabah", "https://www.dailysabah.com/rssFeed/rss.xml", "en", 60, False, True),
    (
        "Anadolu Agency (English)",
        "https://www.aa.com.tr/en/rss/default?cat=live",
        "en",
        80,
        False,
        True,
    ),
    ("Hürriyet Daily News", "https://www.hurriyetdailynews.com/rss", "en", 40, False, True),
    ("Turkish Minute", "https://www.turkishminute.com/feed/", "en", 12, False, True),
    ("Anadolu Ajansı", "https://www.aa.com.tr/tr/rss/default?cat=guncel", "tr", 150, False, True),
    ("BBC Türkçe", "https://feeds.bbci.co.uk/turkce/rss.xml", "tr", 15, False, True),
    ("DW Türkçe", "https://rss.dw.com/xml/rss-tur-all", "tr", 20, False, True),
    ("TRT Haber", "https://www.trthaber.com/sondakika_articles.rss", "tr", 120, False, True),
    ("CNN Türk", "https://www.cnnturk.com/feed/rss/all/news", "tr", 110, False, True),
    ("Sözcü", "https://www.sozcu.com.tr/feeds-rss-category-sozcu", "tr", 100, False, True),
    ("Milliyet", "https://www.milliyet.com.tr/rss/rssnew/gundem.xml", "tr", 70, False, True),
    ("Sabah", "https://www.sabah.com.tr/rss/gundem.xml", "tr", 70, False, True),
    ("Diken", "https://www.diken.com.tr/feed/", "tr", 15, False, True),
    ("Euronews Türkçe", "https://tr.euronews.com/rss", "tr", 30, False, True),
    ("Al-Monitor", "https://www.al-monitor.com/rss", "en", 15, True, True),
    ("Al Jazeera", "https://www.aljazeera.com/xml/rss/all.xml", "en", 60, True, True),
    ("DW English", "https://rss.dw.com/rdf/rss-en-all", "en", 70, True, True),
    (
        "The New York Times: World",
        "https://rss.nytimes.com/services/xml/rss/nyt/World.xml",
        "en",
        45,
        True,
        True,
    ),
    ("NPR: World", "https://feeds.npr.org/1004/rss.xml", "en", 15, True, True),
    ("Dawn: World", "https://www.dawn.com/feeds/world/", "en", 40, True, True),
    (
        "ABC News: International",
        "https://abcnews.go.com/abcnews/internationalheadlines",
        "en",
        25,
        True,
        False,
    ),
    ("CBS News: World", "https://www.cbsnews.com/latest/rss/world", "en", 25, True, False),
    (
        "The Washington Post: World",
        "https://feeds.washingtonpost.com/rss/world",
        "en",
        30,
        True,
        False,
    ),
    ("BBC News: World", "https://feeds.bbci.co.uk/news/world/rss.xml", "en", 50, True, False),
    ("The Guardian: World", "https://www.theguardian.com/world/rss", "en", 60, True, False),
    ("Middle East Eye", "https://www.middleeasteye.net/rss", "en", 25, True, False),
    ("France 24: Europe", "https://www.france24.com/en/europe/rss", "en", 30, True, False),
    ("Euronews English", "https://www.euronews.com/rss", "en", 40, True, False),
    ("Hürriyet", "https://www.hurriyet.com.tr/rss/gundem", "tr", 90, False, False),
    ("Haberler.com", "https://rss.haberler.com/rss.asp", "tr", 250, False, False),
    ("Dünya", "https://www.dunya.com/rss", "tr", 40, False, False),
    ("Investing.com Türkiye", "https://tr.investing.com/rss/news.rss", "tr", 60, False, False),
    ("NTV", "https://www.ntv.com.tr/gundem.rss", "tr", 80, False, False),
    ("Türkiye Gazetesi", "https://www.turkiyegazetesi.com.tr/rss", "tr", 50, False, False),
    ("Bianet", "https://bianet.org/biamag.rss", "tr", 12, False, False),
    ("T24", "https://t24.com.tr/rss", "tr", 60, False, False),
    ("Cumhuriyet", "https://www.cumhuriyet.com.tr/rss/son_dakika.xml", "tr", 70, False, False),
    ("Habertürk", "https://www.haberturk.com/rss", "tr", 120, False, False),
    ("Duvar English", "https://www.duvarenglish.com/rss", "en", 10, False, False),
    ("Medyascope", "https://medyascope.tv/feed/", "tr", 15, False, False),
)
OUTLETS = tuple(
    Outlet(name, url, language, general, volume, founding)
    for name, url, language, volume, general, founding in _OUTLET_TABLE
)

# The columns the models give each table; the migrations build exactly these.
STORY_COLUMNS = tuple(column.name for column in STORIES.columns)
TOPIC_COLUMNS = tuple(column.name for column in STORY_TOPICS.columns)

AUTHORS = ("Staff", "Reuters", "AFP", "AP", "AA", "DHA", "İHA", "Ayşe Yılmaz", "John Smith")


# --- real text -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


@dataclass(slots=True)
class LanguagePool:
    """The real stories of one language, cut into what the generator recombines: title words,
    each summary's first sentence, every summary sentence, and each story's real topics."""

    titles: list[list[str]] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    tags: list[tuple[tuple[str, str], ...]] = field(default_factory=list)
    by_topic: dict[str, list[int]] = field(default_factory=dict)
    untagged: list[int] = field(default_factory=list)

    def add(self, title: str, summary: str, tags: Sequence[tuple[str, str]]) -> None:
        words = title.split()
        if len(words) < 3:
            return
        index = len(self.titles)
        parts = [s.strip() for s in _SENTENCE_END.split(summary) if len(s.strip()) > 20]
        self.titles.append(words)
        self.leads.append(parts[0] if parts else "")
        self.sentences.extend(parts)
        self.tags.append(tuple(tags))
        for slug, _alias in tags:
            self.by_topic.setdefault(slug, []).append(index)
        if not tags:
            self.untagged.append(index)


@dataclass(slots=True)
class Corpus:
    """Real text by language, and how often the real tagger found each topic in it."""

    pools: dict[str, LanguagePool]
    topic_counts: Counter[str]
    stories: int


def load_corpus(tagger: Tagger) -> Corpus:
    """Parse every real snapshot with ``parse_feed``, tag it, and pool it by language."""
    pools = {"en": LanguagePool(), "tr": LanguagePool()}
    counts: Counter[str] = Counter()
    total = 0
    now = datetime.now(UTC)
    for path in sorted(p for p in REAL_FEEDS.iterdir() if p.suffix == ".xml"):
        parsed = parse_feed(
            path.read_bytes(), {"content-type": "application/rss+xml"}, "https://bench.invalid", now
        )
        pool = pools.get(parsed.language or "")
        if pool is None:
            continue
        for story in tag_stories(parsed.stories, tagger):
            tags = [(t.slug, t.alias) for t in story.topics]
            counts.update(slug for slug, _ in tags)
            pool.add(story.title, story.summary, tags)
            total += 1
    for language, pool in pools.items():
        if not pool.titles or not pool.sentences:
            raise RuntimeError(f"the real snapshots hold no usable {language} stories")
    return Corpus(pools, counts, total)


# --- the generated deployment ----------------------------------------------------------------


@dataclass(slots=True)
class Arrival:
    """When one story was published and fetched, by which outlet (index into OUTLETS)."""

    fetched: float
    published: float
    outlet: int
    backlog: bool


@dataclass(slots=True)
class OpenCluster:
    """A recently started cluster that other outlets' reports may still join."""

    cluster_id: int
    published: float
    base: int
    tags: tuple[tuple[str, str], ...]
    outlets: set[int]
    spliced: tuple[str, ...]


@dataclass(slots=True)
class Plan:
    """Everything the generator decides before any text: outlets' registration times and each
    story's arrival, in id order."""

    now: datetime
    added: list[float]
    arrivals: list[Arrival]


def plan_arrivals(stories: int, now: datetime, rng: random.Random) -> Plan:
    """Arrival times for ``stories`` stories: a backlog at each outlet's first poll, then each
    outlet's volume from its registration on, in its daily rhythm. Sorted by fetch time."""
    end = now.timestamp()
    start = end - HISTORY_DAYS * 86400
    later = sorted(rng.uniform(start + 30 * 86400, end - 3 * 86400) for _ in OUTLETS)
    added = [start if o.founding else later[i] for i, o in enumerate(OUTLETS)]
    backlog = min(BACKLOG_PER_FEED, stories // (4 * len(OUTLETS)))
    regular = stories - backlog * len(OUTLETS)
    spans = [o.volume * (end - a) for o, a in zip(OUTLETS, added, strict=True)]
    quotas = [math.floor(regular * s / sum(spans)) for s in spans]
    quotas[0] += regular - sum(quotas)
    arrivals: list[Arrival] = []
    peak = max(HOUR_WEIGHTS)
    for index, (quota, since) in enumerate(zip(quotas, added, strict=True)):
        for _ in range(backlog):
            published = since - rng.uniform(3600, 14 * 86400)
            arrivals.append(Arrival(since + rng.uniform(0, 60), published, index, True))
        made = 0
        while made < quota:
            published = rng.uniform(since, end)
            hour = int((published / 3600 + 3) % 24)
            if rng.random() * peak > HOUR_WEIGHTS[hour]:
                continue
            fetched = min(end, published + 60 + rng.expovariate(1 / 600))
            arrivals.append(Arrival(fetched, published, index, False))
            made += 1
    arrivals.sort(key=lambda a: (a.fetched, a.published))
    return Plan(now, added, arrivals)


class TextMaker:
    """Titles, summaries and topics recombined from the real stories of a language."""

    def __init__(self, corpus: Corpus, taxonomy: Taxonomy, rng: random.Random) -> None:
        self.pools = corpus.pools
        self.rng = rng
        slugs = list(taxonomy.slugs)
        # Popularity from the real tagging, smoothed so that every topic occurs.
        self.slugs = slugs
        self.weights = [corpus.topic_counts.get(slug, 0) + 1.0 for slug in slugs]
        self.aliases = {(t.slug, "en"): (t.aliases_en or t.aliases_tr) for t in taxonomy.topics} | {
            (t.slug, "tr"): (t.aliases_tr or t.aliases_en) for t in taxonomy.topics
        }

    def _pick_slug(self, exclude: set[str]) -> str:
        while True:
            slug = self.rng.choices(self.slugs, self.weights)[0]
            if slug not in exclude:
                return slug

    def new_event(self, language: str) -> tuple[int, tuple[tuple[str, str], ...], tuple[str, ...]]:
        """A new event: the real story it is built on, its topics, and the aliases to splice
        into its text (for topics that no real story of this language carries)."""
        pool = self.pools[language]
        rng = self.rng
        if rng.random() >= TOPIC_SHARE:
            return rng.choice(pool.untagged or range(len(pool.titles))), (), ()
        wanted = rng.choices((1, 2, 3), (0.55, 0.3, 0.15))[0]
        first = self._pick_slug(set())
        spliced: list[str] = []
        candidates = pool.by_topic.get(first)
        if candidates:
            base = rng.choice(candidates)
            tags = list(pool.tags[base][:3])
        else:
            base = rng.choice(pool.untagged or range(len(pool.titles)))
            alias = rng.choice(self.aliases[first, language])
            tags = [(first, alias)]
            spliced.append(alias)
        while len(tags) < wanted:
            slug = self._pick_slug({s for s, _ in tags})
            alias = rng.choice(self.aliases[slug, language])
            tags.append((slug, alias))
            spliced.append(alias)
        return base, tuple(tags), tuple(spliced)

    def title(self, language: str, base: int, spliced: Sequence[str]) -> str:
        """The base story's title, its tail often replaced by the tail of another title."""
        pool = self.pools[language]
        rng = self.rng
        words = pool.titles[base]
        if len(words) >= 4 and rng.random() < 0.75:
            other = rng.choice(pool.titles)
            words = (
                words[: rng.randint(2, len(words) - 1)]
                + other[rng.randint(len(other) // 2, len(other) - 1) :]
            )
        text = " ".join(words[:18])
        return f"{spliced[0]}: {text}" if spliced else text

    def summary(self, language: str, base: int, spliced: Sequence[str]) -> str:
        """The base story's first sentence and up to two other sentences of the language."""
        pool = self.pools[language]
        rng = self.rng
        if rng.random() < EMPTY_SUMMARY_SHARE:
            return ""
        parts = [pool.leads[base]] if pool.leads[base] else []
        size = len(parts[0]) if parts else 0
        for _ in range(rng.choice((0, 1, 1, 2))):
            sentence = rng.choice(pool.sentences)
            if size + len(sentence) > MAX_SUMMARY:
                break
            parts.append(sentence)
            size += len(sentence) + 1
        parts.extend(f"{alias}." for alias in spliced[1:])
        return " ".join(parts)


def _url(outlet: Outlet, story_id: int, title: str, published: datetime) -> str:
    host = outlet.url.split("/", 3)[2]
    slug = _SLUG_JUNK.sub("-", title.lower())[:60].strip("-")
    return f"https://{host}/{published:%Y/%m/%d}/{slug}-{story_id}"


@dataclass(frozen=True, slots=True)
class Batch:
    """Generated rows, in id order: stories (plain dicts, the table's column names) and their
    topic rows."""

    stories: list[dict[str, Any]]
    topics: list[dict[str, Any]]


def generate(
    stories: int, now: datetime, corpus: Corpus, taxonomy: Taxonomy, feed_ids: Sequence[int]
) -> Iterator[Batch]:
    """Every story row and topic row, in batches of ``CHUNK`` stories. Deterministic for a
    given ``stories`` count, ``now`` aside."""
    rng = random.Random(SEED)
    plan = plan_arrivals(stories, now, rng)
    maker = TextMaker(corpus, taxonomy, rng)
    open_clusters: dict[str, deque[OpenCluster]] = {"en": deque(), "tr": deque()}
    batch = Batch([], [])
    for story_id, arrival in enumerate(plan.arrivals, start=1):
        outlet = OUTLETS[arrival.outlet]
        language = outlet.language
        recent = open_clusters[language]
        while recent and recent[0].published < arrival.fetched - 36 * 3600:
            recent.popleft()
        joined = None
        if not arrival.backlog and recent and rng.random() < JOIN_SHARE:
            for _ in range(3):
                pick = recent[-1 - min(len(recent) - 1, int(rng.expovariate(1 / 20)))]
                if (
                    arrival.outlet not in pick.outlets
                    and abs(pick.published - arrival.published) < 12 * 3600
                ):
                    joined = pick
                    break
        if joined is None:
            base, tags, spliced = maker.new_event(language)
            joined = OpenCluster(story_id, arrival.published, base, tags, set(), spliced)
            if not arrival.backlog:
                recent.append(joined)
        joined.outlets.add(arrival.outlet)
        row = _story_row(story_id, arrival, outlet, feed_ids, joined, maker, rng)
        batch.stories.append(row)
        batch.topics.extend(
            {
                name: value
                for name, value in topic_row(row, slug, alias).items()
                if name in TOPIC_COLUMNS
            }
            for slug, alias in joined.tags
        )
        if len(batch.stories) >= CHUNK:
            yield batch
            batch = Batch([], [])
    if batch.stories:
        yield batch


def topic_row(story: dict[str, Any], slug: str, alias: str) -> dict[str, Any]:
    """A story's topic row; ``published_at`` repeats the story's (from revision 0008 on)."""
    return {
        "story_id": story["id"],
        "slug": slug,
        "alias": alias,
        "published_at": story["published_at"],
    }


def _story_row(
    story_id: int,
    arrival: Arrival,
    outlet: Outlet,
    feed_ids: Sequence[int],
    cluster: OpenCluster,
    maker: TextMaker,
    rng: random.Random,
) -> dict[str, Any]:
    language = outlet.language
    title = maker.title(language, cluster.base, cluster.spliced)
    summary = maker.summary(language, cluster.base, cluster.spliced)
    published = datetime.fromtimestamp(arrival.published, UTC)
    url = _url(outlet, story_id, title, published)
    return {
        "id": story_id,
        "feed_id": feed_ids[arrival.outlet],
        "guid_key": "guid:" + url,
        "url": url,
        "title": title,
        "summary": summary,
        "content_hash": content_hash(title, summary),
        "published_at": published,
        "fetched_at": datetime.fromtimestamp(arrival.fetched, UTC),
        "updated_at": None,
        "language": language,
        "author": rng.choice(AUTHORS) if rng.random() < 0.3 else None,
        "is_backlog": arrival.backlog and arrival.published < arrival.fetched - 86400,
        "about_turkey": (rng.random() < GENERAL_ABOUT_TURKEY) if outlet.general else None,
        "cluster_id": cluster.cluster_id,
    }


# --- loading ---------------------------------------------------------------------------------

LOADED_TABLES = ("stories", "story_topics", "clusters")


def data_now() -> datetime:
    """The end of the generated history: the start of today (UTC), so that the data generated
    for SQLite and for PostgreSQL on the same day is the same, story for story."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def data_key(stories: int, taxonomy: Taxonomy) -> str:
    """What the stored data must match to be reused: the generator's version, the story count,
    the modelled columns of every table (a schema change makes a new key) and the topics."""
    columns = sorted(
        f"{table.name}.{column.name}:{column.type}:{column.nullable}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
    )
    schema = hashlib.sha256("\n".join([*columns, *taxonomy.slugs]).encode()).hexdigest()[:12]
    return f"{DATA_VERSION}/{stories}/{schema}"


def register_outlets(engine: Engine, now: datetime, plan_added: Sequence[float]) -> list[int]:
    """The 40 feeds, through ``storage.feeds.add_feed`` as the CLI registers them."""
    sessions = db.make_session_factory(engine)
    ids: list[int] = []
    with sessions.begin() as session:
        for outlet, added in zip(OUTLETS, plan_added, strict=True):
            record = feed_store.add_feed(
                session,
                feed_store.NewFeed(
                    url=outlet.url,
                    poll_interval_min=15,
                    turkey_focused=not outlet.general,
                    title=outlet.name,
                    site_url="https://" + outlet.url.split("/", 3)[2],
                    language=outlet.language,
                ),
                datetime.fromtimestamp(added, UTC),
            )
            ids.append(record.id)
        session.execute(
            update(FEEDS).values(last_polled_at=now, last_success_at=now, next_poll_at=now)
        )
    return ids


def insert_clusters(connection: Connection) -> None:
    """One cluster row per cluster id, from its stories (its first story as representative)."""
    c = STORIES.c
    connection.execute(
        insert(CLUSTERS).from_select(
            [
                "id",
                "representative_id",
                "story_count",
                "source_count",
                "first_published_at",
                "last_published_at",
            ],
            select(
                c.cluster_id,
                func.min(c.id),
                func.count(),
                func.count(func.distinct(c.feed_id)),
                func.min(c.published_at),
                func.max(c.published_at),
            ).group_by(c.cluster_id),
        )
    )


@dataclass(slots=True)
class LoadFigures:
    """How long generation took and what it stored."""

    seconds: float = 0.0
    stories: int = 0
    topic_rows: int = 0
    stories_with_topics: int = 0
    clusters: int = 0
    multi_story_clusters: int = 0
    stories_in_multi: int = 0
    readable: int = 0
    size_mb: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 1),
            "stories": self.stories,
            "topic_rows": self.topic_rows,
            "stories_with_topics": self.stories_with_topics,
            "clusters": self.clusters,
            "multi_story_clusters": self.multi_story_clusters,
            "stories_in_multi_story_clusters": self.stories_in_multi,
            "readable_stories": self.readable,
            "size_mb": round(self.size_mb, 1),
            "phases_seconds": {k: round(v, 1) for k, v in self.phases.items()},
        }


def count_figures(connection: Connection, figures: LoadFigures) -> None:
    """Fill in the stored counts."""

    def scalar(sql: str) -> int:
        return int(connection.execute(text(sql)).scalar() or 0)

    figures.stories = scalar("SELECT count(*) FROM stories")
    figures.topic_rows = scalar("SELECT count(*) FROM story_topics")
    figures.stories_with_topics = scalar("SELECT count(DISTINCT story_id) FROM story_topics")
    figures.clusters = scalar("SELECT count(*) FROM clusters")
    figures.multi_story_clusters = scalar("SELECT count(*) FROM clusters WHERE story_count > 1")
    figures.stories_in_multi = scalar(
        "SELECT coalesce(sum(story_count), 0) FROM clusters WHERE story_count > 1"
    )
    figures.readable = scalar(
        "SELECT count(*) FROM stories WHERE about_turkey IS NULL OR about_turkey"
    )


class Phases:
    """Wall time of each named phase of a load, reported as it goes."""

    def __init__(self, figures: LoadFigures, out: TextIO, label: str) -> None:
        self.figures = figures
        self.out = out
        self.label = label
        self.started = time.perf_counter()
        self.last = self.started

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.figures.phases[name] = now - self.last
        self.out.write(f"  {self.label}: {name} in {now - self.last:.1f} s\n")
        self.out.flush()
        self.last = now

    def finish(self) -> None:
        self.figures.seconds = time.perf_counter() - self.started


def _store_meta(engine: Engine, key: str, now: datetime, figures: LoadFigures) -> None:
    sessions = db.make_session_factory(engine)
    info = {"generated_at": now.isoformat(), **figures.as_dict()}
    with sessions.begin() as session:
        set_meta(session, DATA_INFO_META, json.dumps(info, sort_keys=True))
        set_meta(session, DATA_KEY_META, key)


def stored_info(engine: Engine, key: str) -> dict[str, Any] | None:
    """The stored data's description when it was completely generated under ``key``."""
    try:
        with db.make_session_factory(engine)() as session:
            if get_meta(session, DATA_KEY_META) != key:
                return None
            raw = get_meta(session, DATA_INFO_META)
    except Exception:  # no tables yet, or an older schema
        return None
    return json.loads(raw) if raw else None


def load_sqlite(
    path: Path, stories: int, corpus: Corpus, taxonomy: Taxonomy, out: TextIO
) -> LoadFigures:
    """Generate the SQLite database at ``path``, replacing it and the files of other data
    versions for the same story count."""
    for stale in path.parent.glob(f"query-{stories}-*.db*"):
        stale.unlink()
    figures = LoadFigures()
    phases = Phases(figures, out, "sqlite")
    now = data_now()
    engine = db.create_db_engine(f"sqlite:///{path}")
    try:
        db.upgrade(engine)
        added = plan_arrivals(stories, now, random.Random(SEED)).added
        feed_ids = register_outlets(engine, now, added)
        phases.done("schema and feeds")
        with engine.connect() as connection:
            for pragma in (
                "journal_mode=OFF",
                "synchronous=OFF",
                "cache_size=-1048576",
                "temp_store=MEMORY",
            ):
                connection.exec_driver_sql(f"PRAGMA {pragma}")
            saved = connection.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
                " AND type IN ('index', 'trigger') AND tbl_name IN "
                f"({', '.join(repr(t) for t in LOADED_TABLES)})"
            ).all()
            for kind, name, _sql in saved:
                connection.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
            for batch in generate(stories, now, corpus, taxonomy, feed_ids):
                connection.execute(insert(STORIES), batch.stories)
                if batch.topics:
                    connection.execute(insert(STORY_TOPICS), batch.topics)
            connection.commit()
            phases.done("stories and topics generated and inserted")
            insert_clusters(connection)
            connection.commit()
            phases.done("clusters")
            for kind, _name, sql in sorted(saved, key=lambda row: row[0]):
                if kind == "index":
                    connection.exec_driver_sql(sql)
            connection.commit()
            phases.done("indexes recreated")
            connection.exec_driver_sql("INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')")
            for kind, _name, sql in saved:
                if kind == "trigger":
                    connection.exec_driver_sql(sql)
            connection.commit()
            phases.done("search index rebuilt, triggers recreated")
            count_figures(connection, figures)
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        phases.finish()
        figures.size_mb = path.stat().st_size / 1e6
        _store_meta(engine, data_key(stories, taxonomy), now, figures)
    finally:
        engine.dispose()
    return figures


def _pg_url(database: str) -> str:
    return str(make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False))


def postgres_reachable() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip() or type(exc).__name__


def pg_database(stories: int) -> str:
    """The benchmark's PostgreSQL database for this story count (the default count gets the
    plain name, so a quick run with fewer stories leaves the big one alone)."""
    return PG_DATABASE if stories == DEFAULT_STORIES else f"{PG_DATABASE}_{stories}"


def recreate_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def pg_database_exists(name: str) -> bool:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


_PG_SECONDARY = """
SELECT 'constraint', conname, pg_get_constraintdef(oid), conrelid::regclass::text
FROM pg_constraint
WHERE conrelid::regclass::text = ANY(%(tables)s) AND contype IN ('u', 'f')
UNION ALL
SELECT 'index', i.relname, pg_get_indexdef(i.oid), t.relname
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = ANY(%(tables)s) AND NOT x.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


def load_postgres(stories: int, corpus: Corpus, taxonomy: Taxonomy, out: TextIO) -> LoadFigures:
    """Generate the PostgreSQL database ``pg_database(stories)`` from scratch."""
    figures = LoadFigures()
    phases = Phases(figures, out, "postgresql")
    now = data_now()
    url = _pg_url(pg_database(stories))
    recreate_pg_database(pg_database(stories))
    engine = db.create_db_engine(url)
    try:
        db.upgrade(engine)
        added = plan_arrivals(stories, now, random.Random(SEED)).added
        feed_ids = register_outlets(engine, now, added)
        phases.done("schema and feeds")
        with psycopg.connect(url) as conn:
            saved = conn.execute(_PG_SECONDARY, {"tables": list(LOADED_TABLES)}).fetchall()
            for kind, name, _definition, table in saved:
                if kind == "constraint":
                    conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for kind, name, _definition, _table in saved:
                if kind == "index":
                    conn.execute(f'DROP INDEX "{name}"')
            # The search vocabulary is filled once after the load, as reindex_search does.
            conn.execute("ALTER TABLE stories DISABLE TRIGGER stories_search_lexemes_insert")
            copy_rows(conn, stories, now, corpus, taxonomy, feed_ids)
            conn.execute("ALTER TABLE stories ENABLE TRIGGER stories_search_lexemes_insert")
            conn.commit()
            phases.done("stories and topics generated and copied")
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('stories', 'id'),"
                " (SELECT max(id) FROM stories))"
            )
            conn.commit()
        with engine.begin() as connection:
            insert_clusters(connection)
        phases.done("clusters")
        with psycopg.connect(url) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            for kind, name, definition, _table in saved:
                if kind == "index":
                    started = time.perf_counter()
                    conn.execute(definition)
                    conn.commit()
                    out.write(f"    index {name}: {time.perf_counter() - started:.1f} s\n")
            for kind, name, definition, table in sorted(saved, key=lambda r: "FOREIGN" in r[2]):
                if kind == "constraint":
                    conn.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                    conn.commit()
            phases.done("indexes and constraints recreated")
        with db.make_session_factory(engine).begin() as session:
            reindex_search(session)
        phases.done("search vocabulary filled")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        phases.done("vacuum analyze")
        with engine.connect() as connection:
            count_figures(connection, figures)
        phases.finish()
        figures.size_mb = (size[0] if size else 0) / 1e6
        _store_meta(engine, data_key(stories, taxonomy), now, figures)
    finally:
        engine.dispose()
    return figures


def copy_rows(
    conn: psycopg.Connection[Any],
    stories: int,
    now: datetime,
    corpus: Corpus,
    taxonomy: Taxonomy,
    feed_ids: Sequence[int],
) -> None:
    """COPY the generated stories and topic rows."""
    story_sql = f"COPY stories ({', '.join(STORY_COLUMNS)}) FROM STDIN"
    topic_sql = f"COPY story_topics ({', '.join(TOPIC_COLUMNS)}) FROM STDIN"
    with conn.cursor() as cursor:
        for batch in generate(stories, now, corpus, taxonomy, feed_ids):
            with cursor.copy(story_sql) as copy:
                for row in batch.stories:
                    copy.write_row([row[name] for name in STORY_COLUMNS])
            with cursor.copy(topic_sql) as copy:
                for row in batch.topics:
                    copy.write_row([row[name] for name in TOPIC_COLUMNS])


# --- the queries -----------------------------------------------------------------------------

ENGLISH = Caller("telegram", "9000001", "9000001", language_code="en")
TURKISH = Caller("telegram", "9000002", "9000002", language_code="tr")
FOLLOWER = Caller("telegram", "9000003", "9000003", language_code="en")
FOLLOWED = "/follow usa s400 economy"


@dataclass(frozen=True, slots=True)
class Query:
    """One message to time, from one caller, under one command's figures."""

    command: str
    text: str
    caller: Caller = ENGLISH


def _queries(command: str, caller: Caller, *texts: str) -> list[Query]:
    return [Query(command, t, caller) for t in texts]


QUERIES: tuple[Query, ...] = (
    # /topic: popular and rare topics, by slug, English name and Turkish alias; n; paging.
    *_queries("topic", ENGLISH, "/topic usa", "/topic politics", "/topic middle-east"),
    *_queries("topic", ENGLISH, "/topic economy", "/topic s400", "/topic f35"),
    *_queries("topic", ENGLISH, "/topic afghanistan", "/topic east-med", "/topic S-400"),
    *_queries("topic", TURKISH, "/topic yaptırımlar", "/konu ekonomi", "/konu kırım"),
    *_queries("topic", ENGLISH, "/topic s400 20", "/topic usa 20", "/topic s400 5 +5"),
    *_queries("topic", ENGLISH, "/topic politics 5 +5", "/topic press freedom 10 +10"),
    # /latest: default, n and paging.
    *_queries("latest", ENGLISH, "/latest", "/latest 20", "/latest 5 +5", "/latest 10 +20"),
    *_queries("latest", TURKISH, "/son", "/son 20 +20"),
    # /search: 1, 2 and 3 words, English and Turkish, common and rare, and no hit at all.
    *_queries("search", ENGLISH, "/search iran", "/search olympics", "/search ballistic"),
    *_queries("search", ENGLISH, "/search nuclear talks", "/search hospital attack"),
    *_queries("search", ENGLISH, "/search consulate hospital", "/search trump iran talks"),
    *_queries("search", ENGLISH, "/search prime minister germany"),
    *_queries("search", TURKISH, "/ara türkiye", "/ara erdoğan", "/ara istanbul", "/ara yaptırım"),
    *_queries("search", TURKISH, "/ara gözaltı operasyon", "/ara merkez bankası"),
    *_queries("search", TURKISH, "/ara recep tayyip erdoğan", "/ara danimarka grönland anlaşması"),
    *_queries("search", ENGLISH, "/search quokka zeppelin"),
    # /digest (not sent yet, so the last 24 hours): every topic, and three followed topics.
    *_queries("digest", ENGLISH, "/digest"),
    *_queries("digest", FOLLOWER, "/digest", "/ozet"),
)


@dataclass(slots=True)
class Timings:
    """Milliseconds per call, per command and per query text."""

    by_command: dict[str, list[float]] = field(default_factory=dict)
    by_query: dict[str, list[float]] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _entries(reply: Reply) -> int:
    return sum(1 for block in reply.blocks if isinstance(block, StoryEntry))


async def run_queries(commands: Commands, calls: int, warm_up: int) -> Timings:
    """Each query ``warm_up`` times untimed (after ``FOLLOWER`` follows its topics), then the
    queries of each command in turn until each command has ``calls`` timed calls (every query
    of a command equally often)."""
    timings = Timings()
    await commands.handle(Request(FOLLOWED, FOLLOWER))
    for query in QUERIES:
        for _ in range(warm_up):
            reply = await commands.handle(Request(query.text, query.caller))
        timings.entries[query.text] = _entries(reply)
        if reply.kind != "answer":
            timings.problems.append(f"{query.text}: {reply.kind} reply")
    per_command = {c: [q for q in QUERIES if q.command == c] for c in COMMANDS}
    rounds = {c: math.ceil(calls / len(qs)) for c, qs in per_command.items()}
    for round_index in range(max(rounds.values())):
        for command, queries in per_command.items():
            if round_index >= rounds[command]:
                continue
            for query in queries:
                started = time.perf_counter()
                await commands.handle(Request(query.text, query.caller))
                elapsed = (time.perf_counter() - started) * 1000
                timings.by_command.setdefault(command, []).append(elapsed)
                timings.by_query.setdefault(query.text, []).append(elapsed)
    return timings


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of ``values`` (ms), and their count."""
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def cut(p: int) -> float:
        return round(cuts[p - 1], 2) if cuts else round(ordered[0], 2)

    return {
        "p50_ms": cut(50),
        "p95_ms": cut(95),
        "p99_ms": cut(99),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def measure(database_url: str, calls: int, warm_up: int, now: datetime) -> dict[str, Any]:
    """Time every query against one database through the command layer."""
    settings = load_settings(
        database_url=database_url, load_default_feeds=False, log_level="WARNING"
    )
    app = open_app(settings)  # applies any migration newer than the stored data
    silence_logging()
    gc.collect()  # what generating or opening left behind is not the queries' to collect
    try:
        commands = Commands(app, clock=lambda: now)
        timings = asyncio.run(run_queries(commands, calls, warm_up))
    finally:
        app.close()
    commands_figures = {c: percentiles(v) for c, v in timings.by_command.items()}
    for figures in commands_figures.values():
        figures["pass"] = figures["p95_ms"] <= TARGET_P95_MS
    return {
        "commands": commands_figures,
        "queries": {
            q: {**percentiles(v), "entries": timings.entries.get(q, 0)}
            for q, v in timings.by_query.items()
        },
        "problems": timings.problems,
        "revision": _revision(database_url),
    }


def _revision(database_url: str) -> str | None:
    engine = db.create_db_engine(database_url)
    try:
        return db.current_revision(engine)
    finally:
        engine.dispose()


# --- report ----------------------------------------------------------------------------------


def write_report(result: dict[str, Any], out: TextIO) -> None:
    """The table per database × command, then every query's figures."""
    out.write(
        f"\nhaberci query benchmark: {result['stories']:,} stories, Python {result['python']}, "
        f"commit {result['commit']}; target p95 ≤ {TARGET_P95_MS:.0f} ms\n\n"
    )
    header = f"  {'database':<11}{'command':<9}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'n':>6}"
    out.write(header + "  (ms)\n")
    for name, database in result["databases"].items():
        for command, f in database["commands"].items():
            verdict = "PASS" if f["pass"] else "FAIL"
            out.write(
                f"  {name:<11}{command:<9}{f['p50_ms']:>9.2f}{f['p95_ms']:>9.2f}"
                f"{f['p99_ms']:>9.2f}{f['max_ms']:>9.2f}{f['n']:>6}  {verdict}\n"
            )
    for name, database in result["databases"].items():
        data = database["data"]
        out.write(
            f"\n{name} (revision {database['revision']}): {data['stories']:,} stories, "
            f"{data['stories_with_topics']:,} with topics ({data['topic_rows']:,} rows), "
            f"{data['clusters']:,} clusters ({data['stories_in_multi_story_clusters']:,} stories "
            f"in {data['multi_story_clusters']:,} multi-outlet ones), "
            f"{data['readable_stories']:,} readable; {data['size_mb']:,.0f} MB, "
            f"generated in {data['seconds']:.0f} s ({database['data_source']})\n"
        )
        out.write(f"  {'query':<40}{'p50':>9}{'p95':>9}{'max':>9}{'entries':>9}\n")
        for query, f in database["queries"].items():
            out.write(
                f"  {query:<40}{f['p50_ms']:>9.2f}{f['p95_ms']:>9.2f}{f['max_ms']:>9.2f}"
                f"{f['entries']:>9}\n"
            )
    for warning in result["warnings"]:
        out.write(f"\n!!! WARNING: {warning}\n")


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--stories", type=int, default=DEFAULT_STORIES, help="stories stored (1,000,000)"
    )
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="both", help="(both)"
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="generate the data even if it is cached"
    )
    parser.add_argument(
        "--calls", type=int, default=MIN_CALLS, help=f"timed calls per command ({MIN_CALLS})"
    )
    parser.add_argument("--warm-up", type=int, default=2, help="untimed calls per query (2)")
    args = parser.parse_args(argv)
    if args.stories < 10 * len(OUTLETS):
        parser.error(f"--stories must be at least {10 * len(OUTLETS)}")
    if args.calls < 1 or args.warm_up < 1:
        parser.error("--calls and --warm-up must be at least 1")
    return args


Loader = Callable[[], LoadFigures]


def prepare(
    name: str,
    url: str,
    args: argparse.Namespace,
    taxonomy: Taxonomy,
    load: Loader,
    human: TextIO,
) -> tuple[dict[str, Any], str]:
    """The database's data description, generating it unless a complete copy is stored."""
    key = data_key(args.stories, taxonomy)
    info = None
    if not args.regenerate and (
        name != "postgresql" or pg_database_exists(pg_database(args.stories))
    ):
        engine = db.create_db_engine(url)
        try:
            info = stored_info(engine, key)
        finally:
            engine.dispose()
    if info is not None:
        human.write(f"{name}: reusing the stored data ({key})\n")
        return info, "reused"
    human.write(f"{name}: generating {args.stories:,} stories ({key})…\n")
    human.flush()
    load()
    engine = db.create_db_engine(url)
    try:
        info = stored_info(engine, key)
    finally:
        engine.dispose()
    if info is None:
        raise RuntimeError(f"{name}: the generated data is not marked complete")
    return info, "generated now"


def run(args: argparse.Namespace, human: TextIO) -> dict[str, Any]:
    """Prepare each database, time the queries, and gather the figures."""
    warnings: list[str] = []
    started = time.perf_counter()
    cpu = pin_to_one_cpu()
    silence_logging()
    targets = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in targets:
        problem = postgres_reachable()
        if problem is not None:
            message = f"PostgreSQL unreachable at {PG_ADMIN_URL}: {problem}"
            if args.db == "postgresql" or os.environ.get("CI", "").lower() == "true":
                raise RuntimeError(message)
            human.write(f"{message}\nrunning SQLite only\n")
            warnings.append(message + "; SQLite only")
            targets.remove("postgresql")
    taxonomy = load_taxonomy()
    corpus = load_corpus(Tagger(taxonomy))
    key_hash = hashlib.sha1(data_key(args.stories, taxonomy).encode()).hexdigest()[:10]
    sqlite_path = CACHE_DIR / f"query-{args.stories}-{key_hash}.db"
    urls = {"sqlite": f"sqlite:///{sqlite_path}", "postgresql": _pg_url(pg_database(args.stories))}
    loaders: dict[str, Loader] = {
        "sqlite": lambda: load_sqlite(sqlite_path, args.stories, corpus, taxonomy, human),
        "postgresql": lambda: load_postgres(args.stories, corpus, taxonomy, human),
    }
    databases: dict[str, Any] = {}
    for name in targets:
        info, source = prepare(name, urls[name], args, taxonomy, loaders[name], human)
        now = datetime.fromisoformat(info["generated_at"])
        human.write(f"{name}: timing {args.calls}+ calls per command…\n")
        human.flush()
        figures = measure(urls[name], args.calls, args.warm_up, now)
        figures["data"] = info
        figures["data_source"] = source
        databases[name] = figures
        warnings.extend(f"{name}: {problem}" for problem in figures["problems"])
    return {
        "stories": args.stories,
        "target_p95_ms": TARGET_P95_MS,
        "databases": databases,
        "pass": all(f["pass"] for d in databases.values() for f in d["commands"].values()),
        "data_key": data_key(args.stories, taxonomy),
        "sqlite_path": str(sqlite_path) if "sqlite" in targets else None,
        "postgresql_database": pg_database(args.stories) if "postgresql" in targets else None,
        "commit": repository_commit(),
        "python": platform.python_version(),
        "cpu_pinned": cpu,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "warnings": warnings,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; 0 when it ran (targets met or not), 1 on error."""
    logging.basicConfig(level=logging.WARNING)
    return run_and_report(parse_args(argv), run, write_report)


if __name__ == "__main__":
    sys.exit(main())
