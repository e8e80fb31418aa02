"""A local HTTP server for tests: static feeds, conditional GET, redirects, hostile responses.

``FeedServer`` runs a ``ThreadingHTTPServer`` in a daemon thread on a loopback address
(any ``127.x.y.z`` or ``::1``).  Tests register static routes with :meth:`FeedServer.add`,
redirects with :meth:`FeedServer.add_redirect` and bare status answers with
:meth:`FeedServer.add_status`.  A set of hostile routes under ``/hostile/`` is always present:

``/hostile/slow``
    200 with an RSS prefix, then one space byte every 0.2 s until the client leaves or the
    server stops.
``/hostile/big``
    200, close-delimited (no Content-Length), 50 MB of XML-ish filler in 64 KiB chunks.
``/hostile/big-declared``
    The same body with an honest ``Content-Length: 52428800``.
``/hostile/gzip-bomb``
    200, ``Content-Encoding: gzip``, gzip of 200 MB of zero bytes (about 200 KB on the wire).
``/hostile/redirect-loop``
    302 to itself.
``/hostile/redirect-chain/N``
    302 to ``/hostile/redirect-chain/N-1``; ``N == 0`` serves a one-item RSS 2.0 feed.
``/hostile/redirect-to?url=<percent-encoded URL>``
    302 to the given URL.
``/hostile/echo-headers``
    200 JSON object of the request headers (lower-cased names).

Routes added by the test take precedence over the built-in ones.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import socketserver
import sys
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar, cast
from urllib.parse import parse_qs, urlsplit

__all__ = ["FeedServer", "RecordedRequest"]

BIG_BODY_SIZE = 50 * 1024 * 1024
BIG_CHUNK_SIZE = 64 * 1024
BOMB_UNCOMPRESSED_SIZE = 200 * 1024 * 1024
SLOW_INTERVAL = 0.2

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
_RSS_PREFIX = b'<?xml version="1.0"?><rss version="2.0"><channel>'
_FILLER_UNIT = b"<item><title>filler</title><description>xxxxxxxxxxxxxxxx</description></item>\n"

CHAIN_END_FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<rss version="2.0"><channel>'
    b"<title>redirect chain</title><link>https://example.com/</link>"
    b"<description>end of the redirect chain</description>"
    b"<item><title>chain end</title><link>https://example.com/chain-end</link>"
    b'<guid isPermaLink="false">chain-end</guid></item>'
    b"</channel></rss>\n"
)

_DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _StaticRoute:
    """A fixed response, already encoded, with optional validators."""

    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class _RedirectRoute:
    """A redirect to ``location`` with the given 3xx status."""

    location: str
    status: int


@dataclass(frozen=True)
class _StatusRoute:
    """A bare status answer with optional headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...] = field(default=())
    body: bytes = b""


_Route = _StaticRoute | _RedirectRoute | _StatusRoute


def _encode_body(body: bytes, encoding: str | None) -> bytes:
    """Compress ``body`` for the given Content-Encoding (``None`` leaves it unchanged)."""
    if encoding is None:
        return body
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "br":
        import brotli

        return cast(bytes, brotli.compress(body))
    raise ValueError(f"unsupported encoding {encoding!r}; use None, 'gzip', 'deflate' or 'br'")


def _merge_headers(
    defaults: list[tuple[str, str]], extra: dict[str, str] | None
) -> tuple[tuple[str, str], ...]:
    """Return ``defaults`` with any header named in ``extra`` replaced (case-insensitively)."""
    if not extra:
        return tuple(defaults)
    overridden = {name.lower() for name in extra}
    merged = [(name, value) for name, value in defaults if name.lower() not in overridden]
    merged.extend(extra.items())
    return tuple(merged)


def _big_chunks(total: int = BIG_BODY_SIZE, chunk_size: int = BIG_CHUNK_SIZE) -> Iterator[bytes]:
    """Yield ``total`` bytes of XML-ish filler in ``chunk_size`` pieces, after an RSS prefix."""
    repeats = chunk_size // len(_FILLER_UNIT) + 2
    filler = (_FILLER_UNIT * repeats)[:chunk_size]
    first = (_RSS_PREFIX + filler)[:chunk_size]
    sent = 0
    while sent < total:
        chunk = first if sent == 0 else filler
        chunk = chunk[: total - sent]
        sent += len(chunk)
        yield chunk


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header value names ``etag`` (or is ``*``)."""
    candidates = [part.strip() for part in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


class _HTTPServer(ThreadingHTTPServer):
    """Threading HTTP server that tracks open connections and skips reverse DNS on bind."""

    daemon_threads = True
    request_queue_size = 256
    block_on_close = False

    def __init__(self, address: tuple[str, int], feed: FeedServer) -> None:
        self.feed = feed
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without the ``getfqdn`` lookup ``HTTPServer.server_bind`` performs."""
        socketserver.TCPServer.server_bind(self)
        address = self.server_address
        self.server_name = str(address[0])
        self.server_port = int(address[1])

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Remember the connection, then hand it to a worker thread."""
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        """Forget the connection and close it."""
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    @property
    def open_connections(self) -> int:
        """Number of client connections currently being served."""
        with self._connections_lock:
            return len(self._connections)

    def abort_connections(self) -> None:
        """Shut down every open client connection so blocked workers return."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore client disconnects and aborted connections; report anything else."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError) and (
            isinstance(error, _DISCONNECT_ERRORS) or self.feed.stopping
        ):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _HTTPServerV6(_HTTPServer):
    """The same server bound to an IPv6 address."""

    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """Request handler dispatching to the routes of the owning ``FeedServer``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "haberci-test-feed-server/1.0"
    sys_version = ""

    @property
    def feed(self) -> FeedServer:
        """The ``FeedServer`` this handler serves."""
        return cast(_HTTPServer, self.server).feed

    def log_message(self, format: str, *args: object) -> None:
        """Suppress the default stderr request log."""

    def do_GET(self) -> None:
        """Answer GET."""
        self._dispatch()

    def do_HEAD(self) -> None:
        """Answer HEAD (headers only)."""
        self._dispatch()

    def do_POST(self) -> None:
        """Answer POST like GET, after discarding the request body."""
        self._dispatch()

    def do_PUT(self) -> None:
        """Answer PUT like GET, after discarding the request body."""
        self._dispatch()

    def do_DELETE(self) -> None:
        """Answer DELETE like GET."""
        self._dispatch()

    def do_OPTIONS(self) -> None:
        """Answer OPTIONS like GET."""
        self._dispatch()

    def do_PATCH(self) -> None:
        """Answer PATCH like GET, after discarding the request body."""
        self._dispatch()

    def _request_headers(self) -> dict[str, str]:
        """Request headers with lower-cased names; repeated headers are joined with ", "."""
        result: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            result[key] = f"{result[key]}, {value}" if key in result else value
        return result

    def _discard_request_body(self) -> None:
        """Read and drop a request body announced by Content-Length."""
        length = self.headers.get("Content-Length")
        if length is None:
            return
        try:
            remaining = int(length)
        except ValueError:
            self.close_connection = True
            return
        while remaining > 0:
            data = self.rfile.read(min(remaining, BIG_CHUNK_SIZE))
            if not data:
                break
            remaining -= len(data)

    def _dispatch(self) -> None:
        """Record the request and send the matching response."""
        headers = self._request_headers()
        self.feed._record(RecordedRequest(method=self.command, path=self.path, headers=headers))
        self._discard_request_body()
        split = urlsplit(self.path)
        route = self.feed._route(split.path)
        try:
            if route is not None:
                self._serve_route(route, headers)
            else:
                self._serve_builtin(split.path, split.query, headers)
        except _DISCONNECT_ERRORS:
            self.close_connection = True
        except OSError:
            if not self.feed.stopping:
                raise
            self.close_connection = True

    def _send(
        self,
        status: int,
        headers: tuple[tuple[str, str], ...] | list[tuple[str, str]],
        body: bytes = b"",
    ) -> None:
        """Send a complete response (the body is omitted for HEAD)."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _serve_route(self, route: _Route, request_headers: dict[str, str]) -> None:
        """Serve a route registered through ``add``, ``add_redirect`` or ``add_status``."""
        if isinstance(route, _StaticRoute):
            self._serve_static(route, request_headers)
        elif isinstance(route, _RedirectRoute):
            self._redirect(route.location, route.status)
        else:
            self._send(route.status, route.headers, route.body)

    def _serve_static(self, route: _StaticRoute, request_headers: dict[str, str]) -> None:
        """Serve a static route, answering 304 when a validator matches."""
        validators: list[tuple[str, str]] = []
        if route.etag is not None:
            validators.append(("ETag", route.etag))
        if route.last_modified is not None:
            validators.append(("Last-Modified", route.last_modified))
        if_none_match = request_headers.get("if-none-match")
        if_modified_since = request_headers.get("if-modified-since")
        if if_none_match is not None:
            not_modified = route.etag is not None and _etag_matches(if_none_match, route.etag)
        else:
            not_modified = (
                route.last_modified is not None and if_modified_since == route.last_modified
            )
        if not_modified:
            self._send(304, validators)
            return
        headers = [*route.headers, *validators, ("Content-Length", str(len(route.body)))]
        self._send(route.status, headers, route.body)

    def _redirect(self, location: str, status: int = 302) -> None:
        """Send a redirect with an empty body."""
        self._send(status, [("Location", location), ("Content-Length", "0")])

    def _not_found(self) -> None:
        """Send a plain 404."""
        self._plain(404, b"not found\n")

    def _plain(self, status: int, body: bytes) -> None:
        """Send a short text/plain response."""
        self._send(
            status,
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            body,
        )

    def _serve_builtin(self, path: str, query: str, request_headers: dict[str, str]) -> None:
        """Serve the always-present ``/hostile/...`` routes, or 404."""
        if path == "/hostile/slow":
            self._serve_slow()
        elif path == "/hostile/big":
            self._serve_big(declared=False)
        elif path == "/hostile/big-declared":
            self._serve_big(declared=True)
        elif path == "/hostile/gzip-bomb":
            bomb = FeedServer.gzip_bomb()
            self._send(
                200,
                [
                    ("Content-Type", RSS_CONTENT_TYPE),
                    ("Content-Encoding", "gzip"),
                    ("Content-Length", str(len(bomb))),
                ],
                bomb,
            )
        elif path == "/hostile/redirect-loop":
            self._redirect("/hostile/redirect-loop")
        elif path.startswith("/hostile/redirect-chain/"):
            self._serve_redirect_chain(path.removeprefix("/hostile/redirect-chain/"))
        elif path == "/hostile/redirect-to":
            targets = parse_qs(query).get("url")
            if not targets:
                self._plain(400, b"missing url parameter\n")
            else:
                self._redirect(targets[0])
        elif path == "/hostile/echo-headers":
            body = json.dumps(request_headers, sort_keys=True).encode("utf-8")
            self._send(
                200,
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                body,
            )
        else:
            self._not_found()

    def _serve_redirect_chain(self, remainder: str) -> None:
        """Redirect ``N`` to ``N-1``; serve the chain-end feed at 0."""
        if not (remainder.isascii() and remainder.isdigit()):
            self._not_found()
            return
        hops = int(remainder)
        if hops == 0:
            self._send(
                200,
                [("Content-Type", RSS_CONTENT_TYPE), ("Content-Length", str(len(CHAIN_END_FEED)))],
                CHAIN_END_FEED,
            )
        else:
            self._redirect(f"/hostile/redirect-chain/{hops - 1}")

    def _start_close_delimited(self, extra: list[tuple[str, str]] | None = None) -> None:
        """Send 200 headers for a body that ends when the connection closes."""
        self.close_connection = True
        headers = [("Content-Type", "application/rss+xml"), ("Connection", "close")]
        self._send(200, headers + (extra or []))

    def _serve_slow(self) -> None:
        """Send an RSS prefix, then one space every 0.2 s until disconnect or server stop."""
        self._start_close_delimited()
        if self.command == "HEAD":
            return
        stop_event = self.feed._stop_event
        self.wfile.write(_RSS_PREFIX)
        while not stop_event.wait(SLOW_INTERVAL):
            self.wfile.write(b" ")

    def _serve_big(self, *, declared: bool) -> None:
        """Stream 50 MB of filler, close-delimited or with an honest Content-Length."""
        if declared:
            self._send(
                200,
                [("Content-Type", "application/rss+xml"), ("Content-Length", str(BIG_BODY_SIZE))],
            )
        else:
            self._start_close_delimited()
        if self.command == "HEAD":
            return
        stop_event = self.feed._stop_event
        for chunk in _big_chunks():
            if stop_event.is_set():
                self.close_connection = True
                return
            self.wfile.write(chunk)


class FeedServer:
    """A local HTTP server serving test feeds and hostile responses from a daemon thread."""

    _gzip_bomb: ClassVar[bytes | None] = None
    _gzip_bomb_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Configure the address; nothing is bound until :meth:`start`."""
        self.host: str = host.strip("[]")
        self._requested_port = port
        self._bound_port: int | None = None
        self._routes: dict[str, _Route] = {}
        self._routes_lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._stop_event = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FeedServer:
        """Bind and start serving in a daemon thread; returns ``self``."""
        if self._httpd is not None:
            raise RuntimeError("FeedServer is already running")
        self._stop_event = threading.Event()
        server_class = _HTTPServerV6 if ":" in self.host else _HTTPServer
        httpd = server_class((self.host, self._requested_port), self)
        self._httpd = httpd
        self._bound_port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FeedServer {self.host}:{self._bound_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, abort in-flight responses and close the listening socket."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stop_event.set()
        httpd.shutdown()
        httpd.server_close()
        httpd.abort_connections()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FeedServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` has been called since the last :meth:`start`."""
        return self._stop_event.is_set()

    @property
    def running(self) -> bool:
        """Whether the server is currently serving."""
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The bound port (the requested one before the first start)."""
        if self._bound_port is None:
            if self._requested_port == 0:
                raise RuntimeError("FeedServer has not been started; the port is not known yet")
            return self._requested_port
        return self._bound_port

    @property
    def base_url(self) -> str:
        """``http://host:port`` with IPv6 hosts in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str) -> str:
        """``base_url`` joined with ``path`` (which should start with "/")."""
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._requests_lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """The recorded requests whose path, without the query string, equals ``path``."""
        return [request for request in self.requests if urlsplit(request.path).path == path]

    def clear_requests(self) -> None:
        """Forget the requests recorded so far."""
        with self._requests_lock:
            self._requests.clear()

    @property
    def open_connections(self) -> int:
        """Number of client connections the server is currently handling (0 when stopped)."""
        httpd = self._httpd
        return 0 if httpd is None else httpd.open_connections

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = RSS_CONTENT_TYPE,
        status: int = 200,
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        encoding: str | None = None,
    ) -> None:
        """Serve ``body`` at ``path``, replacing any earlier route for that path.

        ``etag`` / ``last_modified`` are sent as ETag / Last-Modified; a request whose
        If-None-Match names the ETag, or (without If-None-Match) whose If-Modified-Since equals
        ``last_modified`` exactly, gets 304 with no body.  ``encoding`` (``"gzip"``,
        ``"deflate"`` in zlib format, or ``"br"``) compresses the body and sets
        Content-Encoding.  Entries in ``headers`` replace the defaults of the same name.
        """
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        encoded = _encode_body(raw, encoding)
        defaults = [("Content-Type", content_type)]
        if encoding is not None:
            defaults.append(("Content-Encoding", encoding))
        route = _StaticRoute(
            body=encoded,
            status=status,
            headers=_merge_headers(defaults, headers),
            etag=etag,
            last_modified=last_modified,
        )
        self._set_route(path, route)

    def add_redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect ``path`` to ``location`` (absolute or relative) with ``status``."""
        self._set_route(path, _RedirectRoute(location=location, status=status))

    def add_status(
        self,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        """Answer ``path`` with ``status``, the given headers and body (Content-Length is set)."""
        defaults: list[tuple[str, str]] = []
        if body:
            defaults.append(("Content-Type", "text/plain; charset=utf-8"))
        merged = (
            *(
                (name, value)
                for name, value in _merge_headers(defaults, headers)
                if name.lower() != "content-length"
            ),
            ("Content-Length", str(len(body))),
        )
        self._set_route(path, _StatusRoute(status=status, headers=merged, body=bytes(body)))

    def remove(self, path: str) -> None:
        """Drop the route registered for ``path`` (built-in routes stay)."""
        with self._routes_lock:
            self._routes.pop(path, None)

    @classmethod
    def gzip_bomb(cls) -> bytes:
        """Gzip of 200 MB of zero bytes, built once by streaming compression and cached."""
        with cls._gzip_bomb_lock:
            if cls._gzip_bomb is None:
                compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
                zeros = bytes(1024 * 1024)
                rounds = BOMB_UNCOMPRESSED_SIZE // len(zeros)
                parts = [compressor.compress(zeros) for _ in range(rounds)]
                parts.append(compressor.flush())
                cls._gzip_bomb = b"".join(parts)
            return cls._gzip_bomb

    def _set_route(self, path: str, route: _Route) -> None:
        """Register ``route`` for ``path``."""
        if not path.startswith("/"):
            raise ValueError(f"route paths must start with '/': {path!r}")
        with self._routes_lock:
            self._routes[path] = route

    def _route(self, path: str) -> _Route | None:
        """The route registered for ``path``, if any."""
        with self._routes_lock:
            return self._routes.get(path)

    def _record(self, request: RecordedRequest) -> None:
        """Append a received request."""
        with self._requests_lock:
            self._requests.append(request)
