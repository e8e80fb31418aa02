"""Tests for the local feed server used by the fetcher tests."""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx
import pytest

from .feed_server import (
    BIG_BODY_SIZE,
    BOMB_UNCOMPRESSED_SIZE,
    FeedServer,
    RecordedRequest,
)

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Haber</title>
<item><title>Gündem</title><link>https://example.com/1</link><guid>1</guid></item>
</channel></rss>
"""


def _wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it returns true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as http:
        yield http


def test_static_route_and_request_recording(server: FeedServer, client: httpx.Client) -> None:
    server.add("/feed.xml", FEED)
    response = client.get(server.url("/feed.xml?x=1"), headers={"X-Test": "yes"})
    assert response.status_code == 200
    assert response.text == FEED
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert response.headers["content-length"] == str(len(FEED.encode("utf-8")))

    recorded = server.requests_for("/feed.xml")
    assert len(recorded) == 1
    assert isinstance(recorded[0], RecordedRequest)
    assert recorded[0].method == "GET"
    assert recorded[0].path == "/feed.xml?x=1"
    assert recorded[0].headers["x-test"] == "yes"

    server.add("/feed.xml", "edited")
    assert client.get(server.url("/feed.xml")).text == "edited"
    assert client.get(server.url("/missing")).status_code == 404


def test_conditional_get_with_etag(server: FeedServer, client: httpx.Client) -> None:
    server.add("/feed.xml", FEED, etag='"v1"')
    first = client.get(server.url("/feed.xml"))
    assert first.status_code == 200
    assert first.headers["etag"] == '"v1"'

    second = client.get(server.url("/feed.xml"), headers={"If-None-Match": '"v1"'})
    assert second.status_code == 304
    assert second.content == b""

    server.add("/feed.xml", FEED + "<!-- changed -->", etag='"v2"')
    third = client.get(server.url("/feed.xml"), headers={"If-None-Match": '"v1"'})
    assert third.status_code == 200
    assert third.headers["etag"] == '"v2"'


def test_conditional_get_with_last_modified(server: FeedServer, client: httpx.Client) -> None:
    stamp = "Tue, 05 Mar 2024 10:00:00 GMT"
    server.add("/feed.xml", FEED, last_modified=stamp)
    first = client.get(server.url("/feed.xml"))
    assert first.status_code == 200
    assert first.headers["last-modified"] == stamp

    same = client.get(server.url("/feed.xml"), headers={"If-Modified-Since": stamp})
    assert same.status_code == 304
    assert same.content == b""

    other = client.get(
        server.url("/feed.xml"), headers={"If-Modified-Since": "Mon, 04 Mar 2024 10:00:00 GMT"}
    )
    assert other.status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_content_encodings_are_decoded(
    server: FeedServer, client: httpx.Client, encoding: str
) -> None:
    server.add("/feed.xml", FEED, encoding=encoding)
    response = client.get(server.url("/feed.xml"))
    assert response.status_code == 200
    assert response.headers["content-encoding"] == encoding
    assert response.text == FEED


def test_status_routes(server: FeedServer, client: httpx.Client) -> None:
    server.add_status("/gone", 410)
    server.add_status("/busy", 429, headers={"Retry-After": "120"})
    assert client.get(server.url("/gone")).status_code == 410
    busy = client.get(server.url("/busy"))
    assert busy.status_code == 429
    assert busy.headers["retry-after"] == "120"


def test_redirect_chain_ends_at_feed(server: FeedServer, client: httpx.Client) -> None:
    response = client.get(server.url("/hostile/redirect-chain/3"), follow_redirects=True)
    assert response.status_code == 200
    assert len(response.history) == 3
    assert str(response.url) == server.url("/hostile/redirect-chain/0")
    assert "<title>chain end</title>" in response.text
    assert "<guid" in response.text and "chain-end</guid>" in response.text


def test_redirect_loop_points_at_itself(server: FeedServer, client: httpx.Client) -> None:
    response = client.get(server.url("/hostile/redirect-loop"))
    assert response.status_code == 302
    assert response.headers["location"] == "/hostile/redirect-loop"
    with pytest.raises(httpx.TooManyRedirects):
        client.get(server.url("/hostile/redirect-loop"), follow_redirects=True)


def test_added_redirect_and_redirect_to(server: FeedServer, client: httpx.Client) -> None:
    server.add("/target.xml", FEED)
    server.add_redirect("/old.xml", "/target.xml", status=301)
    moved = client.get(server.url("/old.xml"), follow_redirects=True)
    assert moved.text == FEED
    assert moved.history[0].status_code == 301

    target = "http://10.0.0.1/private?a=1"
    bounced = client.get(server.url(f"/hostile/redirect-to?url={quote(target, safe='')}"))
    assert bounced.status_code == 302
    assert bounced.headers["location"] == target


def test_echo_headers(server: FeedServer, client: httpx.Client) -> None:
    response = client.get(server.url("/hostile/echo-headers"), headers={"User-Agent": "haberci"})
    assert response.headers["content-type"] == "application/json"
    assert response.json()["user-agent"] == "haberci"


@pytest.mark.parametrize("path", ["/hostile/big", "/hostile/big-declared"])
def test_big_body_streams_and_server_survives_disconnect(
    server: FeedServer, client: httpx.Client, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    received = 0
    with client.stream("GET", server.url(path)) as response:
        assert response.status_code == 200
        if path == "/hostile/big":
            assert "content-length" not in response.headers
        else:
            assert response.headers["content-length"] == str(BIG_BODY_SIZE)
        for chunk in response.iter_raw():
            if received == 0:
                assert chunk.startswith(b'<?xml version="1.0"?><rss')
            received += len(chunk)
            if received >= 1024 * 1024:
                break
    assert received >= 1024 * 1024
    assert received < BIG_BODY_SIZE

    assert _wait_for(lambda: server.open_connections == 0)
    assert client.get(server.url("/hostile/echo-headers")).status_code == 200
    assert "Traceback" not in capsys.readouterr().err


def test_gzip_bomb_is_small_on_the_wire(server: FeedServer, client: httpx.Client) -> None:
    with client.stream("GET", server.url("/hostile/gzip-bomb")) as response:
        assert response.headers["content-encoding"] == "gzip"
        declared = int(response.headers["content-length"])
        raw = b"".join(response.iter_raw())
    assert len(raw) == declared
    assert declared < 1024 * 1024

    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    head = decompressor.decompress(raw, 1024 * 1024)
    assert head == bytes(1024 * 1024)
    assert len(FeedServer.gzip_bomb()) == declared
    assert declared * 100 < BOMB_UNCOMPRESSED_SIZE


def test_second_loopback_host(server: FeedServer, client: httpx.Client) -> None:
    with FeedServer("127.0.0.2") as other:
        assert other.base_url == f"http://127.0.0.2:{other.port}"
        other.add("/feed.xml", FEED)
        assert client.get(other.url("/feed.xml")).text == FEED
        assert other.requests_for("/feed.xml")

        target = quote(other.url("/feed.xml"), safe="")
        hop = client.get(server.url(f"/hostile/redirect-to?url={target}"), follow_redirects=True)
        assert hop.text == FEED
    assert server.requests_for("/feed.xml") == []


def test_ipv6_loopback(client: httpx.Client) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 support")
    v6 = FeedServer("::1")
    try:
        v6.start()
    except OSError as error:
        pytest.skip(f"cannot bind ::1: {error}")
    try:
        assert v6.base_url == f"http://[::1]:{v6.port}"
        v6.add("/feed.xml", FEED)
        assert client.get(v6.url("/feed.xml")).text == FEED
    finally:
        v6.stop()


def test_stop_returns_promptly_during_slow_response(capsys: pytest.CaptureFixture[str]) -> None:
    slow = FeedServer().start()
    first_bytes = threading.Event()
    outcome: list[object] = []

    def read_slowly() -> None:
        try:
            with (
                httpx.Client(timeout=10.0) as http,
                http.stream("GET", slow.url("/hostile/slow")) as response,
            ):
                for _chunk in response.iter_raw():
                    first_bytes.set()
            outcome.append("ended")
        except httpx.HTTPError as error:
            outcome.append(error)

    reader = threading.Thread(target=read_slowly, daemon=True)
    reader.start()
    assert first_bytes.wait(5.0)
    time.sleep(0.3)

    started = time.monotonic()
    slow.stop()
    elapsed = time.monotonic() - started
    assert elapsed < 1.0

    reader.join(timeout=2.0)
    assert not reader.is_alive()
    assert outcome
    assert "Traceback" not in capsys.readouterr().err
    assert len(slow.requests_for("/hostile/slow")) == 1
