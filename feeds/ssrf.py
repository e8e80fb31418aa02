"""The SSRF guard: which URLs and addresses haberci may fetch from.

Pure checks live here; :mod:`feeds.fetch` applies them to the URL of every request (every
redirect hop included) and to every address a host name resolves to, right before connecting,
so a name that resolves to a private address is refused as well as a literal one.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from feeds.errors import BlockedURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def address_problem(address: IPAddress) -> str | None:
    """Why an address is not a public unicast one (None when it is public)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None:
            inner = address_problem(embedded)
            return f"{inner} (IPv4 {embedded} inside IPv6)" if inner else None
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "carrier-grade NAT"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "non-public"),
    )
    return next((label for flagged, label in checks if flagged), None)


def _is_literal(host: str, address: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == address
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """``allow_private`` lifts the guard entirely; ``allowed_networks`` lifts it for named networks
    (e.g. one internal feed server) while every other private address stays refused."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    def check_address(self, address: IPAddress, host: str) -> None:
        """Raise BlockedURLError when ``host`` resolved to an address haberci must not contact."""
        if self.allow_private:
            return
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            mapped: IPAddress = address.ipv4_mapped
            if any(mapped in network for network in self.allowed_networks):
                return
        if any(address in network for network in self.allowed_networks):
            return
        problem = address_problem(address)
        if problem:
            shown = host if _is_literal(host, address) else f"{host} (resolves to {address})"
            raise BlockedURLError(
                f"refused: {shown} is a {problem} address; haberci only fetches feeds from public "
                "addresses (set HABERCI_ALLOW_PRIVATE_FEEDS=1 to allow private ones)"
            )

    def check_url(self, url: str) -> str:
        """Check scheme and, for a literal IP host, the address. Returns the host name."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            shown = parts.scheme or "no scheme"
            raise BlockedURLError(
                f"refused: {url!r} uses {shown}; only http and https feeds are fetched"
            )
        host = parts.hostname
        if not host:
            raise BlockedURLError(f"refused: {url!r} has no host name")
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            self.check_address(literal, host)
        return host
