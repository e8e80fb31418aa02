"""Content-Encoding decoding with an output cap enforced while decoding (gzip bombs stop early)."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli

from feeds.errors import BodyTooLargeError

_STEP = 256 * 1024  # largest piece of output produced at once


class DecodeError(ValueError):
    """The body is not valid data for its declared Content-Encoding."""


class _ZlibStage:
    def __init__(self, wbits: int, fallback_wbits: int | None = None) -> None:
        self._wbits = wbits
        self._fallback = fallback_wbits
        self._inner = zlib.decompressobj(wbits)
        self._started = False

    def run(self, data: bytes, room: Callable[[], int], emit: Callable[[bytes], None]) -> None:
        try:
            while data:
                out = self._inner.decompress(data, max(1, min(_STEP, room())))
                self._started = self._started or bool(out)
                emit(out)
                data = self._inner.unconsumed_tail
        except zlib.error as exc:
            # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
            if self._fallback is not None and not self._started:
                self._inner = zlib.decompressobj(self._fallback)
                self._fallback = None
                self.run(data, room, emit)
                return
            raise DecodeError(str(exc)) from exc

    def finish(self, emit: Callable[[bytes], None]) -> None:
        emit(self._inner.flush())


class _BrotliStage:
    def __init__(self) -> None:
        self._inner = brotli.Decompressor()

    def run(self, data: bytes, room: Callable[[], int], emit: Callable[[bytes], None]) -> None:
        try:
            emit(self._inner.process(data, output_buffer_limit=max(1, min(_STEP, room()))))
            while not self._inner.can_accept_more_data():
                emit(self._inner.process(b"", output_buffer_limit=max(1, min(_STEP, room()))))
        except brotli.error as exc:
            raise DecodeError(str(exc)) from exc

    def finish(self, emit: Callable[[bytes], None]) -> None:
        return None


_Stage = _ZlibStage | _BrotliStage


def _stage(name: str) -> _Stage | None:
    if name in ("gzip", "x-gzip"):
        return _ZlibStage(16 + zlib.MAX_WBITS)
    if name == "deflate":
        return _ZlibStage(zlib.MAX_WBITS, fallback_wbits=-zlib.MAX_WBITS)
    if name == "br":
        return _BrotliStage()
    if name in ("", "identity"):
        return None
    raise DecodeError(f"unsupported Content-Encoding {name!r}")


class CappedDecoder:
    """Decodes a (possibly multi-coded) body fed in raw chunks; BodyTooLargeError past ``cap``."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        names = [part.strip().lower() for part in content_encoding.split(",") if part.strip()]
        # Codings are listed in the order they were applied; undo them from the last one.
        self._stages = [stage for name in reversed(names) if (stage := _stage(name)) is not None]
        self._cap = cap
        self._chunks: list[bytes] = []
        self._size = 0

    def _room(self) -> int:
        return self._cap + 1 - self._size

    def _emit_final(self, data: bytes) -> None:
        if not data:
            return
        self._size += len(data)
        if self._size > self._cap:
            raise BodyTooLargeError(f"body passed the {self._cap:,}-byte limit")
        self._chunks.append(data)

    def _push(self, index: int, data: bytes) -> None:
        if index == len(self._stages):
            self._emit_final(data)
            return
        self._stages[index].run(data, self._room, self._pusher(index + 1))

    def feed(self, raw: bytes) -> None:
        if raw:
            self._push(0, raw)

    def finish(self) -> bytes:
        for index, stage in enumerate(self._stages):
            stage.finish(self._pusher(index + 1))
        return b"".join(self._chunks)

    def _pusher(self, index: int) -> Callable[[bytes], None]:
        def push(data: bytes) -> None:
            self._push(index, data)

        return push
