"""Ingest throughput benchmark for haberci.

Measures, in one process pinned to one CPU, with SQLite in a temporary directory:

1. the raw ``feedparser.parse(body)`` rate (items/s) over the benchmark bodies;
2. the end-to-end store rate (stories/s) of parse → clean → de-duplicate → store, through
   ``feeds.ingest.Ingest.parse`` (parse, clean, tag topics) and ``Ingest.store_parsed``, for
   new items built from
   the real feed snapshots in ``shared/fixtures/feeds/real``, and its ratio to the raw rate;
3. unchanged polls/s through ``Ingest.poll_feed`` and a real ``Fetcher`` against a local
   ``FeedServer``: the 304 path (ETag) and the same-body path (no validators, body hash equal);
4. clustering's cost with 10,000 and 100,000 stories already stored (``--stored``): each
   database holds a 48-hour window of real stories and older ones before it; a fresh
   ``Ingest`` restores the window and places 1,000 new stories, timed per story;
5. the peak RSS of the process.

Tagging, the general-feed filter and same-event clustering all run inside the end-to-end
figure; ``--no-tagging`` turns the three off to show the ingest pipeline alone. Rates are
medians over rounds; each round times raw feedparser, feedparser as ``parse_feed`` calls it and
one end-to-end run back to back, so the ratio compares rates measured under the same
conditions on a machine whose speed drifts (the ratio of each round is reported too).

Usage: ``python bench/ingest.py [--json] [--items N] [--polls M]`` from the repository root
(``python -m bench.ingest`` works too). With ``--json`` one JSON object goes to stdout and the
human-readable report to stderr. The exit status is 0 whether or not targets are met, 1 on an
internal error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import io
import itertools
import logging
import multiprocessing
import os
import platform
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedparser
from sqlalchemy import Select, literal, select

import feeds.parse
from bench.report import run_and_report
from bot.app import App, open_app
from bot.config import load_settings
from feeds.feed_xml import read_feed_xml
from feeds.ingest import Ingest, PollOutcome
from feeds.models import FetchResult
from feeds.parse import parse_feed
from storage import feeds as feed_store
from storage import stories as story_store
from storage.records import FeedRecord
from storage.tables import CLUSTERS, STORIES
from tests.data.build_relevance_eval import GENERAL_SCOPE_PREFIXES
from tests.support.feed_server import FeedServer

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_FEEDS = REPO_ROOT.parent / "shared" / "fixtures" / "feeds" / "real"

TARGET_RATIO = 0.65
TARGET_POLLS_PER_S = 500.0
TARGET_RSS_MB = 150.0
MIN_CPU_SHARE = 0.9

FEED_HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
PRODUCT_MODULES = ("feeds", "storage", "bot")
PRODUCT_READER = "read_feed_xml: no sanitising, URI rewriting or categories"

_KEY_ELEMENT = re.compile(
    rb"(<(guid|link|id)\b(?:[^>]*[^/>])?>)((?:<!\[CDATA\[.*?\]\]>|[^<])*)(</\2\s*>)", re.S
)
_KEY_ATTRIBUTE = re.compile(
    rb"((?:<(?:[A-Za-z][\w.-]*:)?link\b[^>]*?\bhref|\brdf:about)\s*=\s*)(\"[^\"]*\"|'[^']*')", re.S
)
_URL_HEAD = re.compile(rb"^(\s*https?://[^/?#\s<\"']+)", re.I)
_CDATA = re.compile(rb"^(\s*<!\[CDATA\[)(.*?)(\]\]>\s*)$", re.S)


# --- input -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Body:
    """One benchmark feed body: a real snapshot whose item keys carry a unique tag."""

    source: str
    feed_index: int
    copy: int
    data: bytes


def real_feed_bodies() -> list[tuple[str, bytes]]:
    """The real snapshots that are feeds (``*.xml``), sorted by file name."""
    paths = sorted(p for p in REAL_FEEDS.iterdir() if p.suffix == ".xml")
    if not paths:
        raise RuntimeError(f"no feed snapshots (*.xml) in {REAL_FEEDS}")
    return [(p.name, p.read_bytes()) for p in paths]


def _tag_value(value: bytes, tag: bytes) -> bytes:
    """Make one guid/link/id value unique: a URL gets ``/<tag>`` after its host, anything
    else gets ``-<tag>`` appended; CDATA wrappers and surrounding whitespace are kept."""
    cdata = _CDATA.match(value)
    if cdata is not None:
        return cdata.group(1) + _tag_value(cdata.group(2), tag) + cdata.group(3)
    head = _URL_HEAD.match(value)
    if head is not None:
        return value[: head.end()] + b"/" + tag + value[head.end() :]
    stripped = value.rstrip()
    if not stripped.strip():
        return value
    return stripped + b"-" + tag + value[len(stripped) :]


def tag_item_keys(body: bytes, tag: str) -> bytes:
    """Rewrite every ``<guid>``, ``<link>``, ``<id>``, ``<link href>`` (also ``<atom:link>``)
    and ``rdf:about`` value of a feed body with ``tag``: its items are new, their text real."""
    raw_tag = tag.encode("ascii")

    def element(match: re.Match[bytes]) -> bytes:
        return match.group(1) + _tag_value(match.group(3), raw_tag) + match.group(4)

    def attribute(match: re.Match[bytes]) -> bytes:
        quoted = match.group(2)
        return match.group(1) + quoted[:1] + _tag_value(quoted[1:-1], raw_tag) + quoted[-1:]

    return _KEY_ATTRIBUTE.sub(attribute, _KEY_ELEMENT.sub(element, body))


def build_bodies(sources: Sequence[tuple[str, bytes]], items: int) -> list[Body]:
    """Copies of the real bodies, round-robin, until they hold at least ``items`` entries.

    Every body (copy × source) gets its own tag, so no item key repeats across bodies.
    """
    counts = [len(feedparser.parse(data).entries) for _, data in sources]
    if sum(counts) == 0:
        raise RuntimeError("the real feed snapshots hold no entries")
    bodies: list[Body] = []
    total = 0
    copy = 0
    while total < items:
        for index, ((name, data), count) in enumerate(zip(sources, counts, strict=True)):
            if total >= items:
                break
            if count == 0:
                continue
            tagged = tag_item_keys(data, f"bench-c{copy}-f{index}")
            bodies.append(Body(name, index, copy, tagged))
            total += count
        copy += 1
    return bodies


def unique_item_count(bodies: Sequence[Body]) -> tuple[int, int]:
    """Entries in all bodies, and how many are distinct items by feedparser's own values.

    An entry is a repeat when its id (else link, else title) already occurred in the same body,
    or its link occurred in any body: the de-duplication rule the product promises.
    """
    entries = 0
    unique = 0
    links: set[str] = set()
    for body in bodies:
        keys: set[str] = set()
        for entry in feedparser.parse(body.data).entries:
            entries += 1
            link = str(entry.get("link") or "")
            key = str(entry.get("id") or link or entry.get("title") or "")
            if key in keys or (link and link in links):
                continue
            keys.add(key)
            if link:
                links.add(link)
            unique += 1
    return entries, unique


# --- environment -----------------------------------------------------------------------------


def pin_to_one_cpu() -> int | None:
    """Pin this process to the first CPU it may run on; the CPU number, or None if unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {allowed[0]})
    return allowed[0]


def silence_logging() -> None:
    """Keep product, httpx and alembic logging at WARNING so log calls cost next to nothing."""
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    for name in ("haberci", "httpx", "httpcore", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)


def make_app(directory: Path, name: str, *, concurrency: int = 32) -> App:
    """A migrated app on a fresh SQLite file, no default feeds, loopback feeds allowed."""
    settings = load_settings(
        database_url=f"sqlite:///{directory / name}",
        load_default_feeds=False,
        allow_private_feeds=True,
        global_concurrency=concurrency,
        per_host_concurrency=concurrency,
        log_level="WARNING",
    )
    app = open_app(settings)
    silence_logging()
    return app


def repository_commit() -> str | None:
    """The checked-out commit, with ``+`` when product files have uncommitted changes.

    Read-only: ``--no-optional-locks`` keeps ``git status`` from refreshing the index.
    """
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "--no-optional-locks",
                "-C",
                str(REPO_ROOT),
                "status",
                "--porcelain",
                "--",
                *PRODUCT_MODULES,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+" if dirty else "")


class CpuShare:
    """Share of wall time this process spent on a CPU since creation; near 1.0 for the
    single-threaded parse and store steps unless another process shares the pinned CPU."""

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def share(self) -> float:
        wall = time.perf_counter() - self._wall
        return (time.process_time() - self._cpu) / wall if wall > 0 else 1.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024
    return peak * scale / (1024 * 1024)


# --- 1. raw feedparser -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rate:
    """Items per second over repeated runs: the median, the best, and each run's figure."""

    median: float
    best: float
    runs: tuple[float, ...]


def _rate(items: int, seconds: Sequence[float]) -> Rate:
    per_run = tuple(items / s for s in seconds)
    return Rate(statistics.median(per_run), max(per_run), per_run)


def time_parse(bodies: Sequence[Body], parse: Callable[[bytes], Any]) -> tuple[float, int]:
    """Seconds for one ``parse(body)`` of every body, and the entries counted."""
    started = time.perf_counter()
    counted = sum(len(parse(body.data).entries) for body in bodies)
    return time.perf_counter() - started, counted


def feedparser_default(data: bytes) -> Any:
    """``feedparser.parse(body)`` with feedparser's defaults."""
    return feedparser.parse(data)


def product_reader_headers(body: bytes) -> dict[str, str]:
    """The response headers ``feeds.parse.parse_feed`` hands to its feedparser reading
    (``feeds.feed_xml.read_feed_xml``), observed by running it once on ``body``."""
    seen: dict[str, str] = {}

    def spy(data: bytes, response_headers: Mapping[str, str]) -> Any:
        seen.update(response_headers)
        return read_feed_xml(data, response_headers)

    names = vars(feeds.parse)
    names["read_feed_xml"] = spy
    try:
        parse_feed(body, FEED_HEADERS, "https://bench.invalid/feed", datetime.now(UTC), None)
    finally:
        names["read_feed_xml"] = read_feed_xml
    return seen


def product_reader(headers: dict[str, str]) -> Callable[[bytes], Any]:
    """``read_feed_xml(body, headers)``: feedparser as ``parse_feed`` runs it."""

    def parse(data: bytes) -> Any:
        return read_feed_xml(data, headers)

    return parse


# --- 2. end-to-end store ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreRun:
    """One end-to-end run: wall time, its parse+clean and store parts, and what was stored."""

    seconds: float
    parse_seconds: float
    store_seconds: float
    parsed_stories: int
    new: int
    duplicate: int
    updated: int
    stored: int


def register_feeds(
    app: App, urls: Sequence[str], now: datetime, general: Sequence[bool] = ()
) -> list[FeedRecord]:
    """Register feeds through ``storage.feeds.add_feed``; their records in the same order.
    ``general[i]`` marks feed ``i`` as a world feed (its stories go through the filter)."""
    flags = list(general) + [False] * (len(urls) - len(general))
    with app.sessions.begin() as session:
        return [
            feed_store.add_feed(
                session,
                feed_store.NewFeed(url=url, poll_interval_min=15, turkey_focused=not flag),
                now,
            )
            for url, flag in zip(urls, flags, strict=True)
        ]


def store_bodies(
    app: App, bodies: Sequence[Body], feed_count: int, *, tagging: bool = True
) -> StoreRun:
    """Parse, clean, de-duplicate and store every body as one poll of its feed does.

    Each source snapshot is one feed; its copies arrive as successive polls with new items.
    Timed: ``Ingest.parse`` (parse, clean, tag) + ``Ingest.store_parsed`` per body.
    Registration is not timed.
    """
    now = datetime.now(UTC)
    urls = [f"https://bench.invalid/feed/{index}" for index in range(feed_count)]
    names = {body.feed_index: body.source for body in bodies}
    general = [
        names.get(index, "").startswith(GENERAL_SCOPE_PREFIXES) for index in range(feed_count)
    ]
    feeds = register_feeds(app, urls, now, general)
    fetcher = app.new_fetcher()
    ingest = app.new_ingest(fetcher)
    if not tagging:
        ingest.tagger = None
        ingest.settings = dataclasses.replace(ingest.settings, clusters=None)
    next_at = now + timedelta(minutes=15)
    parse_seconds = store_seconds = 0.0
    parsed_stories = new = duplicate = updated = 0
    started = time.perf_counter()
    for body in bodies:
        feed = feeds[body.feed_index]
        fetched = FetchResult(
            url=feed.url,
            final_url=feed.url,
            status=200,
            body=body.data,
            headers=FEED_HEADERS,
            etag=None,
            last_modified=None,
        )
        t0 = time.perf_counter()
        parsed = ingest.parse(fetched, now, feed.language, tagging and not feed.turkey_focused)
        t1 = time.perf_counter()
        counts = ingest.store_parsed(feed, parsed, now, next_at, fetched)
        t2 = time.perf_counter()
        if feed.language is None:
            # A poll stores the feed's language; the next poll's record carries it.
            feeds[body.feed_index] = dataclasses.replace(feed, language=parsed.language)
        parse_seconds += t1 - t0
        store_seconds += t2 - t1
        parsed_stories += len(parsed.stories)
        new += counts.new
        duplicate += counts.duplicate
        updated += counts.updated
    seconds = time.perf_counter() - started
    ingest.close()
    asyncio.run(fetcher.aclose())
    with app.sessions() as session:
        stored = story_store.count_stories(session)
    return StoreRun(
        seconds, parse_seconds, store_seconds, parsed_stories, new, duplicate, updated, stored
    )


def warm_up(bodies: Sequence[Body]) -> None:
    """Run ``parse_feed`` once per distinct source so one-time loads (the language model,
    regex compilation, imports) are not timed."""
    seen: set[int] = set()
    now = datetime.now(UTC)
    for body in bodies:
        if body.feed_index not in seen:
            seen.add(body.feed_index)
            parse_feed(body.data, FEED_HEADERS, "https://bench.invalid/warm", now, None)


def profile_store(app: App, bodies: Sequence[Body], feed_count: int, top: int) -> str:
    """cProfile of one end-to-end run: the ``top`` product functions by cumulative time,
    then the ``top`` functions overall by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    store_bodies(app, bodies, feed_count)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(value[2] for value in raw.values())
    product_roots = tuple(str(REPO_ROOT / name) + os.sep for name in PRODUCT_MODULES)
    rows = sorted(raw.items(), key=lambda item: item[1][3], reverse=True)
    out = io.StringIO()
    out.write(f"profile of one end-to-end run (total own time {total:.2f} s)\n")
    out.write(f"top {top} product functions by cumulative time:\n")
    shown = 0
    for (filename, line, name), value in rows:
        if not filename.startswith(product_roots):
            continue
        where = f"{Path(filename).relative_to(REPO_ROOT)}:{line}({name})"
        out.write(f"  {value[3]:7.3f} s cum  {value[2]:7.3f} s own  {value[1]:7d} calls  {where}\n")
        shown += 1
        if shown >= top:
            break
    out.write(f"top {top} functions overall by own time:\n")
    for (filename, line, name), value in sorted(
        raw.items(), key=lambda item: item[1][2], reverse=True
    )[:top]:
        short = filename.replace(str(REPO_ROOT) + os.sep, "")
        short = re.sub(r".*site-packages/", "", short)
        out.write(f"  {value[2]:7.3f} s own  {value[3]:7.3f} s cum  {short}:{line}({name})\n")
    return out.getvalue()


# --- 3. unchanged polls ----------------------------------------------------------------------


@dataclass(slots=True)
class PollFigures:
    """Unchanged-poll rates: polls made and seconds spent on each path, and surprises seen."""

    polls_304: int = 0
    seconds_304: float = 0.0
    polls_same: int = 0
    seconds_same: float = 0.0
    conditional_requests: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def rate_304(self) -> float:
        return self.polls_304 / self.seconds_304 if self.seconds_304 else 0.0

    @property
    def rate_same(self) -> float:
        return self.polls_same / self.seconds_same if self.seconds_same else 0.0

    @property
    def rate(self) -> float:
        seconds = self.seconds_304 + self.seconds_same
        return (self.polls_304 + self.polls_same) / seconds if seconds else 0.0


def _records(app: App, urls: Sequence[str]) -> list[FeedRecord]:
    """Current records of the feeds with these URLs, in the given order."""
    with app.sessions() as session:
        by_url = {record.url: record for record in feed_store.list_feeds(session)}
    return [by_url[url] for url in urls]


async def _poll_rounds(
    app: App, ingest: Ingest, urls: Sequence[str], polls: int, problems: list[str], kind: str
) -> float:
    """Poll the feeds concurrently, round after round, until ``polls`` polls are done.

    Records are re-read between rounds (not timed); returns the seconds spent polling.
    """
    spent = 0.0
    done = 0
    while done < polls:
        records = _records(app, urls)[: polls - done]
        started = time.perf_counter()
        outcomes: list[PollOutcome] = await asyncio.gather(
            *(ingest.poll_feed(record) for record in records)
        )
        spent += time.perf_counter() - started
        done += len(records)
        for outcome in outcomes:
            if outcome.status != "not modified" and len(problems) < 5:
                problems.append(f"{kind}: {outcome.feed_name}: {outcome.status} {outcome.error}")
    return spent


Route = tuple[str, bytes, str | None]


def _serve(routes: list[Route], cpus: set[int], pipe: Connection) -> None:
    """Child process: serve ``routes`` from the test FeedServer until told to stop.

    Commands on ``pipe``: "clear" forgets recorded requests; "count" answers how many
    conditional requests (If-None-Match) reached the ETag routes; "stop" ends the process.
    """
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)
    server = FeedServer("127.0.0.1").start()
    for path, body, etag in routes:
        server.add(path, body, etag=etag)
    pipe.send(server.base_url)
    while True:
        command = pipe.recv()
        if command == "clear":
            server.clear_requests()
            pipe.send(None)
        elif command == "count":
            pipe.send(
                sum(
                    1
                    for request in server.requests
                    if request.path.startswith("/etag/") and "if-none-match" in request.headers
                )
            )
        else:
            server.stop()
            pipe.send(None)
            return


@contextlib.contextmanager
def feed_server_process(
    routes: list[Route], avoid_cpu: int | None
) -> Iterator[tuple[str, Connection]]:
    """The local feed server in its own process, on the other CPUs when there are any, so
    the figures measure haberci's work on its one core and not the server's."""
    cpus: set[int] = set()
    if hasattr(os, "sched_getaffinity"):
        cpus = set(os.sched_getaffinity(0)) | set(range(os.cpu_count() or 1))
        if avoid_cpu is not None and len(cpus) > 1:
            cpus.discard(avoid_cpu)
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(routes, cpus, child), daemon=True
    )
    process.start()
    try:
        base_url = parent.recv()
        yield base_url, parent
    finally:
        with contextlib.suppress(OSError, EOFError):
            parent.send("stop")
            parent.recv()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


async def measure_unchanged_polls(
    app: App, bodies: Sequence[Body], feeds_per_kind: int, polls: int, cpu: int | None
) -> PollFigures:
    """Polls/s of unchanged feeds through ``Ingest.poll_feed`` and a real ``Fetcher``.

    Half the polls hit routes with an ETag (the fetcher's If-None-Match gets a 304), half hit
    routes without validators (the body is downloaded and its hash equals the stored one).
    One untimed full poll first stores validators and body hashes. The server runs in a
    separate process.
    """
    figures = PollFigures()
    routes: list[Route] = []
    for index in range(feeds_per_kind):
        routes.append(
            (f"/etag/{index}", bodies[(2 * index) % len(bodies)].data, f'"bench-{index}"')
        )
        routes.append((f"/plain/{index}", bodies[(2 * index + 1) % len(bodies)].data, None))
    with feed_server_process(routes, cpu) as (base_url, control):
        etag_urls = [f"{base_url}/etag/{index}" for index in range(feeds_per_kind)]
        plain_urls = [f"{base_url}/plain/{index}" for index in range(feeds_per_kind)]
        fetcher = app.new_fetcher()
        try:
            register_feeds(app, [*etag_urls, *plain_urls], datetime.now(UTC))
            ingest = app.new_ingest(fetcher)
            first = await ingest.poll_feeds(_records(app, [*etag_urls, *plain_urls]))
            for outcome in first:
                if outcome.status != "ok" and len(figures.problems) < 5:
                    figures.problems.append(
                        f"first poll of {outcome.feed_name}: {outcome.status} {outcome.error}"
                    )
            control.send("clear")
            control.recv()
            half = polls // 2
            figures.polls_304 = half
            figures.seconds_304 = await _poll_rounds(
                app, ingest, etag_urls, half, figures.problems, "304"
            )
            figures.polls_same = polls - half
            figures.seconds_same = await _poll_rounds(
                app, ingest, plain_urls, polls - half, figures.problems, "same body"
            )
            ingest.close()
            control.send("count")
            figures.conditional_requests = int(control.recv())
        finally:
            await fetcher.aclose()
    return figures


# --- report ----------------------------------------------------------------------------------


# --- clustering against many stored stories --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterScaling:
    stored: int
    window: int
    placed: int
    load_seconds: float
    assign_seconds: float

    @property
    def us_per_story(self) -> float:
        return (self.load_seconds + self.assign_seconds) / self.placed * 1e6

    @property
    def assign_us_per_story(self) -> float:
        return self.assign_seconds / self.placed * 1e6


def _story_row(feed_id: int, key: str, story: Any, published: datetime) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "guid_key": key,
        "url": f"https://bench.invalid/story/{key}",
        "title": story.title,
        "summary": story.summary,
        "content_hash": key,
        "published_at": published,
        "fetched_at": published,
        "language": story.language,
        "author": None,
        "is_backlog": False,
        "about_turkey": None,
        "cluster_id": None,
    }


def measure_cluster_scaling(
    directory: Path,
    sources: Sequence[tuple[str, bytes]],
    stored: int,
    window_stories: int,
    new_stories: int,
) -> ClusterScaling:
    """Store ``stored`` stories (``window_stories`` of them within the last 48 hours, the rest
    spread over the year before), each already in its own cluster; then time a fresh
    ``Ingest`` placing ``new_stories`` new ones: restoring the window from the database and
    assigning the stories. The texts are the real snapshots' stories, reused."""
    now = datetime.now(UTC)
    pool = [
        story
        for _, data in sources
        for story in parse_feed(data, FEED_HEADERS, "https://bench.invalid/", now).stories
    ]
    app = make_app(directory, f"clusters-{stored}.db")
    try:
        (feed,) = register_feeds(app, ["https://bench.invalid/feed/clusters"], now)
        rows = []
        old = stored - window_stories
        for index in range(stored):
            if index < old:  # spread over the year before the window
                published = now - timedelta(days=3) - timedelta(days=362 * index / max(old, 1))
            else:
                published = now - timedelta(hours=47 * (stored - index) / window_stories)
            rows.append(_story_row(feed.id, f"s{index}", pool[index % len(pool)], published))
        with app.sessions.begin() as session:
            connection = session.connection()
            for start in range(0, len(rows), 5000):
                connection.execute(STORIES.insert(), rows[start : start + 5000])
            connection.execute(STORIES.update().values(cluster_id=STORIES.c.id))
            connection.execute(
                CLUSTERS.insert().from_select(
                    [
                        "id",
                        "representative_id",
                        "story_count",
                        "source_count",
                        "first_published_at",
                        "last_published_at",
                    ],
                    select_cluster_rows(),
                )
            )
            fresh = [
                _story_row(feed.id, f"n{index}", pool[(index * 7 + 3) % len(pool)], now)
                for index in range(new_stories)
            ]
            ids = [
                story_id
                for (story_id,) in connection.execute(
                    STORIES.insert().returning(STORIES.c.id), fresh
                )
            ]
        fetcher = app.new_fetcher()
        ingest = app.new_ingest(fetcher)
        try:
            started = time.perf_counter()
            ingest.place_in_clusters(ids[:1], now)  # restores the window
            loaded = time.perf_counter()
            ingest.place_in_clusters(ids[1:], now)
            done = time.perf_counter()
        finally:
            ingest.close()
            asyncio.run(fetcher.aclose())
    finally:
        app.close()
    return ClusterScaling(stored, window_stories, new_stories, loaded - started, done - loaded)


def select_cluster_rows() -> Select[Any]:
    """Each story as its own one-story cluster."""
    c = STORIES.c
    return select(c.id, c.id, literal(1), literal(1), c.published_at, c.published_at)


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _row(label: str, value: str, target: str = "", verdict: str = "") -> str:
    return f"  {label:<36}{value:>22}  {target:<14}{verdict}".rstrip()


def write_report(result: dict[str, Any], out: TextIO) -> None:
    """The human-readable report: each figure, its target and PASS/FAIL."""
    passed = result["pass"]
    cpu = (
        f"pinned to CPU {result['cpu']}"
        if result["cpu_pinned"]
        else "not pinned (no sched_setaffinity)"
    )
    parse_share = result["end_to_end_parse_share"]
    lines = [
        f"haberci ingest benchmark: Python {result['python']}, {cpu}",
        f"input: {result['items']} items ({result['unique_items']} unique) in "
        f"{result['bodies']} bodies from {result['sources']} real snapshots; "
        f"rates are the median of {result['repeats']} runs",
        f"polls: {result['polls']} unchanged polls over 2 × {result['feeds_per_kind']} feeds, "
        f"fetcher concurrency {result['fetch_concurrency']} (global and per host), "
        "server in its own process",
        f"commit: {result['commit']}",
        "",
        _row(
            "raw feedparser.parse(body)",
            f"{result['raw_feedparser_items_per_s']:,.0f} items/s",
            f"best {result['raw_feedparser_best_items_per_s']:,.0f}",
        ),
        _row(
            "feedparser as parse_feed calls it",
            f"{result['raw_feedparser_product_args_items_per_s']:,.0f} items/s",
            result["product_feedparser_reader"],
        ),
        _row(
            "end-to-end parse→clean→tag→cluster→store"
            if result["tagging"]
            else "end-to-end parse→clean→dedup→store",
            f"{result['end_to_end_stories_per_s']:,.0f} stories/s",
            f"parse+clean{'+tag' if result['tagging'] else ''} {parse_share:.0%}, "
            f"store {1 - parse_share:.0%}",
        ),
        _row(
            "end-to-end / raw feedparser",
            f"{result['end_to_end_ratio']:.2f}",
            f"target ≥ {TARGET_RATIO:.2f}",
            _verdict(passed["end_to_end_ratio"]),
        ),
        _row(
            "  the same, round by round",
            " ".join(f"{r:.2f}" for r in result["end_to_end_ratio_per_round"]),
        ),
        _row(
            "unchanged polls, 304",
            f"{result['unchanged_304_polls_per_s']:,.0f} polls/s",
        ),
        _row(
            "unchanged polls, same body",
            f"{result['unchanged_same_body_polls_per_s']:,.0f} polls/s",
        ),
        _row(
            "unchanged polls, combined",
            f"{result['unchanged_polls_per_s']:,.0f} polls/s",
            f"target ≥ {TARGET_POLLS_PER_S:.0f}",
            _verdict(passed["unchanged_polls_per_s"]),
        ),
        *(
            _row(
                f"clustering, {c['stored']:,} stored",
                f"{c['assign_us_per_story']:,.0f} µs/story",
                f"window {c['in_window']:,}, load {c['window_load_seconds']:.2f} s",
            )
            for c in result["clustering_with_stored"]
        ),
        _row(
            "peak RSS",
            f"{result['peak_rss_mb']:.1f} MB",
            f"target ≤ {TARGET_RSS_MB:.0f}",
            _verdict(passed["peak_rss_mb"]),
        ),
        _row(
            "stories stored",
            str(result["stories_stored"]),
            f"expected {result['unique_items']}",
            _verdict(result["stories_stored"] == result["unique_items"]),
        ),
        _row("total wall time", f"{result['wall_seconds']:.1f} s"),
        "",
        "peak RSS after each stage (MB): "
        + ", ".join(f"{stage} {mb:.0f}" for stage, mb in result["peak_rss_mb_after_stage"].items()),
    ]
    out.write("\n".join(lines) + "\n")
    for warning in result["warnings"]:
        out.write(f"\n!!! WARNING: {warning}\n")


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--items", type=int, default=3000, help="new items to store (3000)")
    parser.add_argument("--polls", type=int, default=2000, help="unchanged polls to time (2000)")
    parser.add_argument("--feeds", type=int, default=50, help="feeds per poll kind (50)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="fetcher global and per-host limit (16, haberci's default global limit)",
    )
    parser.add_argument(
        "--no-tagging",
        action="store_true",
        help="store without topic tagging and the general-feed filter (the ingest pipeline alone)",
    )
    parser.add_argument(
        "--stored",
        default="10000,100000",
        help="stories already stored for the clustering measurement, comma-separated "
        "(10000,100000; 0 skips it)",
    )
    parser.add_argument(
        "--window-stories", type=int, default=2000, help="of them, within the window (2000)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="runs per rate, median (5)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also profile one store run, top N"
    )
    args = parser.parse_args(argv)
    for name in ("items", "polls", "feeds", "repeats", "concurrency", "window_stories"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    try:
        args.stored = [int(part) for part in str(args.stored).split(",") if int(part) > 0]
    except ValueError:
        parser.error(f"--stored takes comma-separated counts, not {args.stored!r}")
    if any(count < args.window_stories for count in args.stored):
        parser.error("each --stored count must be at least --window-stories")
    return args


def run(args: argparse.Namespace, human: TextIO) -> dict[str, Any]:
    """Every measurement, in order; the figures as one JSON-ready dict."""
    wall_started = time.perf_counter()
    cpu = pin_to_one_cpu()
    silence_logging()
    warnings: list[str] = []
    rss_by_stage: dict[str, float] = {"start": round(peak_rss_mb(), 1)}

    sources = real_feed_bodies()
    bodies = build_bodies(sources, args.items)
    entries, unique = unique_item_count(bodies)
    human.write(f"built {len(bodies)} bodies, {entries} items; warming up…\n")
    warm_up(bodies)
    rss_by_stage["input_and_warm_up"] = round(peak_rss_mb(), 1)

    clock = CpuShare()
    reader_headers = product_reader_headers(bodies[0].data)
    raw_seconds: list[float] = []
    product_seconds: list[float] = []
    raw_items = 0
    runs: list[StoreRun] = []
    profile_text = ""
    with tempfile.TemporaryDirectory(prefix="haberci-bench-") as tmp:
        directory = Path(tmp)
        for index in range(args.repeats):
            # Each round times raw feedparser, feedparser as parse_feed calls it and one
            # end-to-end run back to back: a machine whose speed drifts over a minute (a shared
            # host) then moves the rates the ratio compares alike.
            seconds, raw_items = time_parse(bodies, feedparser_default)
            raw_seconds.append(seconds)
            product_seconds.append(time_parse(bodies, product_reader(reader_headers))[0])
            rss_by_stage.setdefault("raw_feedparser", round(peak_rss_mb(), 1))
            app = make_app(directory, f"store-{index}.db")
            try:
                runs.append(store_bodies(app, bodies, len(sources), tagging=not args.no_tagging))
            finally:
                app.close()
        rss_by_stage["end_to_end"] = round(peak_rss_mb(), 1)
        cpu_share = clock.share()
        if args.profile:
            app = make_app(directory, "profile.db")
            try:
                profile_text = profile_store(app, bodies, len(sources), args.profile)
            finally:
                app.close()
        poll_bodies = [
            Body(name, index, 0, tag_item_keys(data, f"bench-p{index}"))
            for index, (name, data) in zip(
                range(2 * args.feeds), itertools.cycle(sources), strict=False
            )
        ]
        app = make_app(directory, "polls.db", concurrency=args.concurrency)
        try:
            polls = asyncio.run(
                measure_unchanged_polls(app, poll_bodies, args.feeds, args.polls, cpu)
            )
        finally:
            app.close()
        rss_by_stage["unchanged_polls"] = round(peak_rss_mb(), 1)
        # In a child process: generating 100,000 stored rows must not count in this
        # process's peak RSS, which measures ingest.
        with ProcessPoolExecutor(max_workers=1) as child:
            scaling = [
                child.submit(
                    measure_cluster_scaling, directory, sources, count, args.window_stories, 1000
                ).result()
                for count in args.stored
            ]

    raw = _rate(raw_items, raw_seconds)
    raw_product = _rate(raw_items, product_seconds)
    store_rates = [r.stored / r.seconds for r in runs]
    store_rate = Rate(statistics.median(store_rates), max(store_rates), tuple(store_rates))
    round_ratios = [rate / raw_rate for rate, raw_rate in zip(store_rates, raw.runs, strict=True)]
    median_run = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
    ratio = store_rate.median / raw.median
    rss = peak_rss_mb()

    for index, store_run in enumerate(runs):
        if store_run.stored != unique or store_run.new != unique:
            warnings.append(
                f"run {index + 1}: {store_run.stored} stories stored ({store_run.new} reported new,"
                f" {store_run.duplicate} duplicate, {store_run.updated} updated) but the input "
                f"holds {unique} unique items ({entries} entries)"
            )
    if cpu_share < MIN_CPU_SHARE:
        warnings.append(
            f"this process was on its CPU only {cpu_share:.0%} of the wall time while parsing "
            "and storing: other work shares the pinned CPU, so absolute rates are low "
            "(the end-to-end ratio is less affected); rerun on a quiet machine"
        )
    if raw_items != entries:
        warnings.append(f"feedparser counted {raw_items} entries, expected {entries}")
    warnings.extend(f"unexpected poll outcome: {problem}" for problem in polls.problems)
    if polls.conditional_requests != polls.polls_304:
        warnings.append(
            f"{polls.polls_304} polls on the 304 path sent {polls.conditional_requests} "
            "requests with If-None-Match"
        )

    result: dict[str, Any] = {
        "raw_feedparser_items_per_s": round(raw.median, 1),
        "raw_feedparser_best_items_per_s": round(raw.best, 1),
        "raw_feedparser_product_args_items_per_s": round(raw_product.median, 1),
        "product_feedparser_reader": PRODUCT_READER,
        "end_to_end_stories_per_s": round(store_rate.median, 1),
        "end_to_end_best_stories_per_s": round(store_rate.best, 1),
        "end_to_end_entries_per_s": round(median_run.parsed_stories / median_run.seconds, 1),
        "end_to_end_ratio": round(ratio, 3),
        "end_to_end_ratio_per_round": [round(r, 3) for r in round_ratios],
        "end_to_end_ratio_vs_product_args": round(store_rate.median / raw_product.median, 3),
        "end_to_end_parse_seconds": round(median_run.parse_seconds, 3),
        "end_to_end_store_seconds": round(median_run.store_seconds, 3),
        "end_to_end_parse_share": round(median_run.parse_seconds / median_run.seconds, 3),
        "unchanged_304_polls_per_s": round(polls.rate_304, 1),
        "unchanged_same_body_polls_per_s": round(polls.rate_same, 1),
        "unchanged_polls_per_s": round(polls.rate, 1),
        "clustering_with_stored": [
            {
                "stored": c.stored,
                "in_window": c.window,
                "placed": c.placed,
                "window_load_seconds": round(c.load_seconds, 3),
                "assign_us_per_story": round(c.assign_us_per_story, 1),
                "us_per_story": round(c.us_per_story, 1),
            }
            for c in scaling
        ],
        "peak_rss_mb": round(rss, 1),
        "peak_rss_mb_after_stage": rss_by_stage,
        "items": entries,
        "unique_items": unique,
        "stories_stored": median_run.stored,
        "bodies": len(bodies),
        "sources": len(sources),
        "polls": polls.polls_304 + polls.polls_same,
        "feeds_per_kind": args.feeds,
        "fetch_concurrency": args.concurrency,
        "server_process": True,
        "tagging": not args.no_tagging,
        "commit": repository_commit(),
        "repeats": args.repeats,
        "python": platform.python_version(),
        "cpu_pinned": cpu is not None,
        "cpu": cpu,
        "cpu_share": round(cpu_share, 3),
        "targets": {
            "end_to_end_ratio": TARGET_RATIO,
            "unchanged_polls_per_s": TARGET_POLLS_PER_S,
            "peak_rss_mb": TARGET_RSS_MB,
        },
        "pass": {
            "end_to_end_ratio": ratio >= TARGET_RATIO,
            "unchanged_polls_per_s": polls.rate >= TARGET_POLLS_PER_S,
            "peak_rss_mb": rss <= TARGET_RSS_MB,
        },
        "warnings": warnings,
        "wall_seconds": round(time.perf_counter() - wall_started, 1),
    }
    if profile_text:
        human.write(profile_text + "\n")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; 0 when it ran (targets met or not), 1 on error."""
    return run_and_report(parse_args(argv), run, write_report)


if __name__ == "__main__":
    sys.exit(main())
