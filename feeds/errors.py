"""One exception tree for everything that can go wrong with one feed (see :mod:`feeds`)."""

from __future__ import annotations


class FeedError(Exception):
    """A problem with one feed; ``str(error)`` is a reason a person can act on."""


class FetchError(FeedError):
    """The feed could not be downloaded."""


class BlockedURLError(FetchError):
    """The URL is refused before any connection: wrong scheme or a private/special address."""


class HTTPStatusError(FetchError):
    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        hint = f"; the server asks to retry after {retry_after:.0f} s" if retry_after else ""
        super().__init__(f"HTTP {status} from {url}{hint}")
        self.url = url
        self.status = status
        self.retry_after = retry_after


class TooManyRedirectsError(FetchError):
    """More redirects than allowed, or a redirect loop."""


class BodyTooLargeError(FetchError):
    """The response body grew past the configured cap."""


class FetchTimeoutError(FetchError):
    """A connect/read timeout or the overall per-feed deadline."""


class ConnectionFailedError(FetchError):
    """Name resolution, TCP or TLS failed."""


class NotAFeedError(FeedError):
    """The body is no RSS, Atom or RDF feed."""


class HTMLPageError(NotAFeedError):
    """The server sent a web page (a bot challenge, a home page) instead of a feed."""
