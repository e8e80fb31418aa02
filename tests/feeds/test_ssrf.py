"""The SSRF guard: pure address/URL checks, and the guard applied by a real Fetcher."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from feeds.errors import BlockedURLError
from feeds.fetch import Fetcher, FetchLimits
from feeds.ssrf import AddressPolicy, address_problem
from tests.support.feed_server import FeedServer

FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
    b"<link>https://example.com/</link><item><title>one</title>"
    b"<link>https://example.com/1</link></item></channel></rss>"
)
LIMITS = FetchLimits(timeout=5.0, deadline=5.0)
ONLY_127_0_0_2 = AddressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),))

# address, the kind the refusal must name
BLOCKED: list[tuple[str, str]] = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.0.1", "private"),
    ("192.168.255.254", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("ff02::1", "multicast"),
    ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]


@pytest.fixture
def second_server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.2, the one address ONLY_127_0_0_2 lets through."""
    with FeedServer(host="127.0.0.2") as server:
        yield server


# --- pure checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_address_problem_names_the_kind(address: str, kind: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None
    assert problem.startswith(kind)


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_check_address_refuses_with_an_actionable_message(address: str, kind: str) -> None:
    with pytest.raises(BlockedURLError) as caught:
        AddressPolicy().check_address(ipaddress.ip_address(address), address)
    message = str(caught.value)
    assert f"is a {kind}" in message
    assert address in message
    assert "HABERCI_ALLOW_PRIVATE_FEEDS" in message


def test_reserved_address_is_called_reserved() -> None:
    assert address_problem(ipaddress.ip_address("240.0.0.1")) == "reserved"


def test_reserved_address_is_refused() -> None:
    with pytest.raises(BlockedURLError, match="HABERCI_ALLOW_PRIVATE_FEEDS"):
        AddressPolicy().check_address(ipaddress.ip_address("240.0.0.1"), "240.0.0.1")


def test_embedded_ipv4_is_named_in_the_problem() -> None:
    problem = address_problem(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert problem is not None
    assert "10.0.0.1" in problem


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    parsed = ipaddress.ip_address(address)
    assert address_problem(parsed) is None
    AddressPolicy().check_address(parsed, address)


def test_resolved_name_is_shown_with_its_address() -> None:
    with pytest.raises(BlockedURLError) as caught:
        AddressPolicy().check_address(ipaddress.ip_address("10.1.2.3"), "intranet.example")
    assert "intranet.example (resolves to 10.1.2.3)" in str(caught.value)
    assert "private" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/feed.xml",
        "file:///etc/passwd",
        "gopher://example.com/1",
        "javascript:alert(1)",
        "example.com/feed.xml",
        "http:///feed.xml",
        "https://",
    ],
)
def test_check_url_refuses_other_schemes_and_hostless_urls(url: str) -> None:
    with pytest.raises(BlockedURLError, match="refused"):
        AddressPolicy().check_url(url)
    with pytest.raises(BlockedURLError, match="refused"):
        AddressPolicy(allow_private=True).check_url(url)


def test_check_url_names_the_scheme() -> None:
    with pytest.raises(BlockedURLError, match="uses ftp"):
        AddressPolicy().check_url("ftp://example.com/feed.xml")
    with pytest.raises(BlockedURLError, match="no host"):
        AddressPolicy().check_url("http:///feed.xml")


def test_check_url_returns_host_and_checks_literals() -> None:
    policy = AddressPolicy()
    assert policy.check_url("https://Example.COM:8443/feed?x=1") == "example.com"
    assert policy.check_url("http://8.8.8.8/feed") == "8.8.8.8"
    with pytest.raises(BlockedURLError, match="loopback"):
        policy.check_url("http://127.0.0.1:8080/feed")
    with pytest.raises(BlockedURLError, match="link-local"):
        policy.check_url("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(BlockedURLError, match="loopback"):
        policy.check_url("http://[::ffff:127.0.0.1]/feed")


@pytest.mark.parametrize("address", [a for a, _ in BLOCKED] + ["240.0.0.1"])
def test_allow_private_allows_everything(address: str) -> None:
    policy = AddressPolicy(allow_private=True)
    policy.check_address(ipaddress.ip_address(address), address)
    host = f"[{address}]" if ":" in address else address
    assert policy.check_url(f"http://{host}/feed") == address


def test_allowed_networks_allow_only_that_address() -> None:
    policy = ONLY_127_0_0_2
    policy.check_address(ipaddress.ip_address("127.0.0.2"), "127.0.0.2")
    policy.check_address(ipaddress.ip_address("::ffff:127.0.0.2"), "::ffff:127.0.0.2")
    assert policy.check_url("http://127.0.0.2:8080/feed") == "127.0.0.2"
    for other in ("127.0.0.1", "127.0.0.3", "10.0.0.1", "::1", "::ffff:127.0.0.1"):
        with pytest.raises(BlockedURLError):
            policy.check_address(ipaddress.ip_address(other), other)
    with pytest.raises(BlockedURLError):
        policy.check_url("http://127.0.0.1:8080/feed")


# --- through a real Fetcher with the guard on -----------------------------------------------


async def test_literal_loopback_is_refused_before_any_request(feed_server: FeedServer) -> None:
    feed_server.add("/feed", FEED)
    async with Fetcher(LIMITS, AddressPolicy()) as fetcher:
        with pytest.raises(BlockedURLError, match="loopback"):
            await fetcher.fetch(feed_server.url("/feed"))
    assert feed_server.requests == []


async def test_name_resolving_to_loopback_is_refused(feed_server: FeedServer) -> None:
    feed_server.add("/feed", FEED)
    async with Fetcher(LIMITS, AddressPolicy()) as fetcher:
        with pytest.raises(BlockedURLError) as caught:
            await fetcher.fetch(f"http://localhost:{feed_server.port}/feed")
    assert "localhost" in str(caught.value)
    assert "resolves to" in str(caught.value)
    assert "loopback" in str(caught.value)
    assert feed_server.requests == []


async def test_ipv6_loopback_is_refused(feed_server: FeedServer) -> None:
    async with Fetcher(LIMITS, AddressPolicy()) as fetcher:
        with pytest.raises(BlockedURLError, match="loopback"):
            await fetcher.fetch(f"http://[::1]:{feed_server.port}/feed")
    assert feed_server.requests == []


async def test_ipv4_mapped_loopback_is_refused(feed_server: FeedServer) -> None:
    # On a dual-stack host ::ffff:127.0.0.1 reaches the IPv4 server: the guard must stop it.
    feed_server.add("/feed", FEED)
    async with Fetcher(LIMITS, AddressPolicy()) as fetcher:
        with pytest.raises(BlockedURLError, match=r"127\.0\.0\.1"):
            await fetcher.fetch(f"http://[::ffff:127.0.0.1]:{feed_server.port}/feed")
    assert feed_server.requests == []


async def test_allowed_network_is_fetched(second_server: FeedServer) -> None:
    second_server.add("/feed", FEED)
    async with Fetcher(LIMITS, ONLY_127_0_0_2) as fetcher:
        result = await fetcher.fetch(second_server.url("/feed"))
    assert result.status == 200
    assert result.body == FEED
    assert len(second_server.requests_for("/feed")) == 1


async def test_redirect_to_blocked_address_is_refused(
    feed_server: FeedServer, second_server: FeedServer
) -> None:
    feed_server.add("/feed", FEED)
    target = feed_server.url("/feed")
    start = second_server.url("/hostile/redirect-to?url=" + quote(target, safe=""))
    async with Fetcher(LIMITS, ONLY_127_0_0_2) as fetcher:
        with pytest.raises(BlockedURLError) as caught:
            await fetcher.fetch(start)
    message = str(caught.value)
    assert "redirect" in message
    assert target in message
    assert "loopback" in message
    assert feed_server.requests == []
    assert len(second_server.requests_for("/hostile/redirect-to")) == 1


async def test_redirect_within_allowed_network_is_followed(second_server: FeedServer) -> None:
    second_server.add("/feed", FEED)
    start = second_server.url("/hostile/redirect-to?url=" + quote(second_server.url("/feed")))
    async with Fetcher(LIMITS, ONLY_127_0_0_2) as fetcher:
        result = await fetcher.fetch(start)
    assert result.body == FEED
    assert result.final_url == second_server.url("/feed")
    assert result.redirects == (start,)


async def test_redirect_to_file_scheme_is_refused(second_server: FeedServer) -> None:
    start = second_server.url("/hostile/redirect-to?url=" + quote("file:///etc/passwd", safe=""))
    async with Fetcher(LIMITS, ONLY_127_0_0_2) as fetcher:
        with pytest.raises(BlockedURLError, match="file"):
            await fetcher.fetch(start)
    assert len(second_server.requests) == 1


async def test_redirect_to_file_scheme_message_mentions_the_redirect(
    second_server: FeedServer,
) -> None:
    start = second_server.url("/hostile/redirect-to?url=" + quote("file:///etc/passwd", safe=""))
    async with Fetcher(LIMITS, ONLY_127_0_0_2) as fetcher:
        with pytest.raises(BlockedURLError, match="redirect"):
            await fetcher.fetch(start)


async def test_check_destination(feed_server: FeedServer, second_server: FeedServer) -> None:
    async with Fetcher(LIMITS, ONLY_127_0_0_2) as fetcher:
        with pytest.raises(BlockedURLError, match="localhost"):
            await fetcher.check_destination(f"http://localhost:{feed_server.port}/feed")
        with pytest.raises(BlockedURLError, match="loopback"):
            await fetcher.check_destination(feed_server.url("/feed"))
        with pytest.raises(BlockedURLError, match="uses ftp"):
            await fetcher.check_destination("ftp://127.0.0.2/feed")
        await fetcher.check_destination(second_server.url("/feed"))
    # check_destination never fetches
    assert feed_server.requests == []
    assert second_server.requests == []
