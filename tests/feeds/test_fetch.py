"""feeds.fetch.Fetcher against the local feed server (guard lifted: allow_private=True)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from feeds.errors import (
    BodyTooLargeError,
    FetchTimeoutError,
    HTTPStatusError,
    TooManyRedirectsError,
)
from feeds.fetch import Fetcher, FetchLimits, parse_retry_after
from feeds.models import FetchResult
from feeds.ssrf import AddressPolicy
from tests.support.feed_server import CHAIN_END_FEED, FeedServer

ALLOW = AddressPolicy(allow_private=True)
LIMITS = FetchLimits(timeout=5.0, deadline=5.0)
CAP = 1_000_000
FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
    "<title>Haberci test</title><link>https://example.com/</link>"
    + "".join(
        f"<item><title>Haber {i}: Türkiye ve dünya</title>"
        f"<link>https://example.com/haber/{i}</link></item>"
        for i in range(40)
    )
    + "</channel></rss>\n"
).encode()
ETAG = '"v1-abc"'
LAST_MODIFIED = "Tue, 22 Sep 2026 19:00:00 GMT"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(LIMITS, ALLOW) as fetcher:
        yield fetcher


@pytest.fixture
def second_server() -> Iterator[FeedServer]:
    with FeedServer(host="127.0.0.2") as server:
        yield server


async def _wait_until(condition: Callable[[], bool], within: float) -> bool:
    """Poll ``condition`` until it is true or ``within`` seconds pass."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


# --- plain 200 -------------------------------------------------------------------------------


async def test_200_returns_body_headers_and_validators(
    feed_server: FeedServer,
) -> None:
    feed_server.add(
        "/feed.xml",
        FEED,
        etag=ETAG,
        last_modified=LAST_MODIFIED,
        headers={"X-Custom-Header": "Yes"},
    )
    limits = FetchLimits(timeout=5.0, deadline=5.0, user_agent="haberci-test/9.9 (+tests)")
    url = feed_server.url("/feed.xml")
    async with Fetcher(limits, ALLOW) as fetcher:
        result = await fetcher.fetch(url)
    assert result.status == 200
    assert result.body == FEED
    assert result.url == url
    assert result.final_url == url
    assert result.redirects == ()
    assert result.not_modified is False
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert all(name == name.lower() for name in result.headers)
    assert result.headers["x-custom-header"] == "Yes"
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert result.headers["etag"] == ETAG
    [request] = feed_server.requests_for("/feed.xml")
    assert request.method == "GET"
    assert request.headers["user-agent"] == "haberci-test/9.9 (+tests)"
    accept = request.headers["accept"]
    assert "application/rss+xml" in accept
    assert "application/atom+xml" in accept
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers


async def test_default_user_agent_is_sent(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/feed.xml", FEED)
    await fetcher.fetch(feed_server.url("/feed.xml"))
    [request] = feed_server.requests_for("/feed.xml")
    assert request.headers["user-agent"] == FetchLimits().user_agent
    assert request.headers["user-agent"].startswith("haberci/")


# --- conditional GET -------------------------------------------------------------------------


async def test_if_none_match_gives_not_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/feed.xml", FEED, etag=ETAG)
    result = await fetcher.fetch(feed_server.url("/feed.xml"), etag=ETAG)
    assert result.status == 304
    assert result.not_modified is True
    assert result.body == b""
    assert result.etag == ETAG
    [request] = feed_server.requests_for("/feed.xml")
    assert request.headers["if-none-match"] == ETAG


async def test_stale_etag_gets_the_full_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/feed.xml", FEED, etag=ETAG)
    result = await fetcher.fetch(feed_server.url("/feed.xml"), etag='"old"')
    assert result.status == 200
    assert result.not_modified is False
    assert result.body == FEED
    assert result.etag == ETAG


async def test_if_modified_since_gives_not_modified(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/feed.xml", FEED, last_modified=LAST_MODIFIED)
    result = await fetcher.fetch(feed_server.url("/feed.xml"), last_modified=LAST_MODIFIED)
    assert result.status == 304
    assert result.not_modified is True
    assert result.body == b""
    assert result.last_modified == LAST_MODIFIED
    [request] = feed_server.requests_for("/feed.xml")
    assert request.headers["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in request.headers


# --- content encodings -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
async def test_compressed_bodies_are_decoded(
    feed_server: FeedServer, fetcher: Fetcher, encoding: str
) -> None:
    feed_server.add("/feed.xml", FEED, encoding=encoding)
    result = await fetcher.fetch(feed_server.url("/feed.xml"))
    assert result.body == FEED
    assert result.headers["content-encoding"] == encoding
    [request] = feed_server.requests_for("/feed.xml")
    assert encoding in request.headers["accept-encoding"]


# --- HTTP errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_statuses_raise(feed_server: FeedServer, fetcher: Fetcher, status: int) -> None:
    feed_server.add_status("/feed.xml", status, body=b"nope")
    url = feed_server.url("/feed.xml")
    with pytest.raises(HTTPStatusError) as caught:
        await fetcher.fetch(url)
    assert caught.value.status == status
    assert caught.value.url == url
    assert caught.value.retry_after is None
    assert f"HTTP {status}" in str(caught.value)


async def test_unknown_path_is_404(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        await fetcher.fetch(feed_server.url("/no/such/feed"))
    assert caught.value.status == 404


async def test_429_retry_after_seconds(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add_status("/feed.xml", 429, headers={"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as caught:
        await fetcher.fetch(feed_server.url("/feed.xml"))
    assert caught.value.status == 429
    assert caught.value.retry_after == 120
    assert "120 s" in str(caught.value)


async def test_503_retry_after_http_date(feed_server: FeedServer, fetcher: Fetcher) -> None:
    when = datetime.now(UTC) + timedelta(seconds=60)
    feed_server.add_status("/feed.xml", 503, headers={"Retry-After": format_datetime(when, True)})
    with pytest.raises(HTTPStatusError) as caught:
        await fetcher.fetch(feed_server.url("/feed.xml"))
    assert caught.value.status == 503
    assert caught.value.retry_after is not None
    assert 50 <= caught.value.retry_after <= 70


def test_parse_retry_after() -> None:
    now = datetime(2026, 9, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 7 ") == 7
    assert parse_retry_after("Tue, 22 Sep 2026 12:01:30 GMT", now) == 90
    assert parse_retry_after("Tue, 22 Sep 2026 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None


# --- hostile bodies --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/hostile/big", "/hostile/big-declared"])
async def test_big_body_is_cut_off_quickly(feed_server: FeedServer, path: str) -> None:
    feed_server.add("/feed.xml", FEED)
    limits = FetchLimits(timeout=5.0, deadline=5.0, max_body_bytes=CAP)
    async with Fetcher(limits, ALLOW) as fetcher:
        tracemalloc.start()
        started = time.perf_counter()
        try:
            with pytest.raises(BodyTooLargeError) as caught:
                await fetcher.fetch(feed_server.url(path))
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert elapsed < 2.0
        assert peak < 4 * CAP
        assert "1,000,000-byte limit" in str(caught.value)
        # The connection was dropped rather than drained: the server stops sending at once.
        assert await _wait_until(lambda: feed_server.open_connections == 0, 2.0)
        result = await fetcher.fetch(feed_server.url("/feed.xml"))
    assert result.body == FEED
    assert len(feed_server.requests_for(path)) == 1


async def test_gzip_bomb_is_cut_off(feed_server: FeedServer) -> None:
    FeedServer.gzip_bomb()  # build the cached bomb outside the timed part
    limits = FetchLimits(timeout=5.0, deadline=5.0, max_body_bytes=CAP)
    async with Fetcher(limits, ALLOW) as fetcher:
        started = time.perf_counter()
        with pytest.raises(BodyTooLargeError, match="1,000,000-byte limit"):
            await fetcher.fetch(feed_server.url("/hostile/gzip-bomb"))
        assert time.perf_counter() - started < 2.0


async def test_gzip_bomb_memory_stays_near_the_cap(feed_server: FeedServer) -> None:
    FeedServer.gzip_bomb()
    limits = FetchLimits(timeout=5.0, deadline=5.0, max_body_bytes=CAP)
    async with Fetcher(limits, ALLOW) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(BodyTooLargeError):
                await fetcher.fetch(feed_server.url("/hostile/gzip-bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * CAP


async def test_slow_body_hits_the_deadline(feed_server: FeedServer) -> None:
    limits = FetchLimits(timeout=5.0, deadline=1.0)
    async with Fetcher(limits, ALLOW) as fetcher:
        started = time.perf_counter()
        with pytest.raises(FetchTimeoutError, match="deadline"):
            await fetcher.fetch(feed_server.url("/hostile/slow"))
        elapsed = time.perf_counter() - started
    assert 0.9 <= elapsed < 2.0
    assert len(feed_server.requests_for("/hostile/slow")) == 1


# --- redirects -------------------------------------------------------------------------------


async def test_redirect_loop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirectsError, match="loop"):
        await fetcher.fetch(feed_server.url("/hostile/redirect-loop"))
    assert len(feed_server.requests_for("/hostile/redirect-loop")) == 1


async def test_two_step_redirect_loop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add_redirect("/a", "/b")
    feed_server.add_redirect("/b", "/a")
    with pytest.raises(TooManyRedirectsError, match="loop"):
        await fetcher.fetch(feed_server.url("/a"))


async def test_redirect_chain_of_five_is_followed(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.url("/hostile/redirect-chain/5")
    result = await fetcher.fetch(url)
    assert result.status == 200
    assert result.body == CHAIN_END_FEED
    assert result.url == url
    assert result.final_url.endswith("/hostile/redirect-chain/0")
    assert result.redirects == tuple(
        feed_server.url(f"/hostile/redirect-chain/{n}") for n in (5, 4, 3, 2, 1)
    )


async def test_redirect_chain_of_six_is_too_long(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirectsError, match="more than 5 redirects"):
        await fetcher.fetch(feed_server.url("/hostile/redirect-chain/6"))
    assert feed_server.requests_for("/hostile/redirect-chain/0") == []


async def test_max_redirects_is_configurable(feed_server: FeedServer) -> None:
    limits = FetchLimits(timeout=5.0, deadline=5.0, max_redirects=1)
    async with Fetcher(limits, ALLOW) as fetcher:
        result = await fetcher.fetch(feed_server.url("/hostile/redirect-chain/1"))
        assert len(result.redirects) == 1
        with pytest.raises(TooManyRedirectsError):
            await fetcher.fetch(feed_server.url("/hostile/redirect-chain/2"))


async def test_relative_location_is_resolved(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/news/feed.xml", FEED, etag=ETAG)
    feed_server.add_redirect("/old/path/rss", "../../news/feed.xml", status=301)
    start = feed_server.url("/old/path/rss")
    result = await fetcher.fetch(start)
    assert result.body == FEED
    assert result.final_url == feed_server.url("/news/feed.xml")
    assert result.redirects == (start,)
    assert result.url == start


async def test_validators_are_sent_after_a_redirect(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/news/feed.xml", FEED, etag=ETAG)
    feed_server.add_redirect("/rss", "/news/feed.xml", status=308)
    result = await fetcher.fetch(feed_server.url("/rss"), etag=ETAG)
    assert result.not_modified is True
    assert result.final_url == feed_server.url("/news/feed.xml")
    [request] = feed_server.requests_for("/news/feed.xml")
    assert request.headers["if-none-match"] == ETAG


# --- concurrency -----------------------------------------------------------------------------


async def _in_flight_after(
    fetcher: Fetcher, urls: list[str], servers: list[FeedServer], pause: float
) -> tuple[int, list[FetchResult | BaseException]]:
    """Start fetching every URL at once; count slow requests the servers saw after ``pause``."""
    tasks = [asyncio.create_task(fetcher.fetch(url)) for url in urls]
    await asyncio.sleep(pause)
    seen = sum(len(server.requests_for("/hostile/slow")) for server in servers)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return seen, results


async def test_per_host_concurrency_one(feed_server: FeedServer) -> None:
    limits = FetchLimits(timeout=5.0, deadline=0.8, per_host_concurrency=1)
    async with Fetcher(limits, ALLOW) as fetcher:
        url = feed_server.url("/hostile/slow")
        seen, results = await _in_flight_after(fetcher, [url] * 4, [feed_server], 0.4)
    assert seen == 1
    assert all(isinstance(result, FetchTimeoutError) for result in results)


async def test_per_host_concurrency_allows_that_many(feed_server: FeedServer) -> None:
    limits = FetchLimits(timeout=5.0, deadline=0.8, per_host_concurrency=3)
    async with Fetcher(limits, ALLOW) as fetcher:
        url = feed_server.url("/hostile/slow")
        seen, results = await _in_flight_after(fetcher, [url] * 4, [feed_server], 0.4)
    assert seen == 3
    assert all(isinstance(result, FetchTimeoutError) for result in results)


async def test_per_host_limit_does_not_hold_back_other_hosts(
    feed_server: FeedServer, second_server: FeedServer
) -> None:
    limits = FetchLimits(timeout=5.0, deadline=0.8, per_host_concurrency=1)
    async with Fetcher(limits, ALLOW) as fetcher:
        urls = [feed_server.url("/hostile/slow"), second_server.url("/hostile/slow")] * 2
        seen, _ = await _in_flight_after(fetcher, urls, [feed_server, second_server], 0.4)
    assert seen == 2
    assert len(feed_server.requests_for("/hostile/slow")) >= 1
    assert len(second_server.requests_for("/hostile/slow")) >= 1


async def test_global_concurrency_spans_hosts(
    feed_server: FeedServer, second_server: FeedServer
) -> None:
    limits = FetchLimits(timeout=5.0, deadline=0.8, global_concurrency=1, per_host_concurrency=4)
    async with Fetcher(limits, ALLOW) as fetcher:
        urls = [feed_server.url("/hostile/slow"), second_server.url("/hostile/slow")]
        seen, _ = await _in_flight_after(fetcher, urls, [feed_server, second_server], 0.4)
    assert seen == 1


async def test_queued_fetch_runs_when_the_host_frees_up(feed_server: FeedServer) -> None:
    feed_server.add("/feed.xml", FEED)
    limits = FetchLimits(timeout=5.0, deadline=0.8, per_host_concurrency=1)
    async with Fetcher(limits, ALLOW) as fetcher:
        slow = asyncio.create_task(fetcher.fetch(feed_server.url("/hostile/slow")))
        await asyncio.sleep(0.4)
        started = time.perf_counter()
        result = await fetcher.fetch(feed_server.url("/feed.xml"))
        waited = time.perf_counter() - started
        with pytest.raises(FetchTimeoutError):
            await slow
    assert result.body == FEED
    # It waited for the slow fetch's deadline (about 0.4 s more) before its own request went out.
    assert 0.25 <= waited < 0.8
