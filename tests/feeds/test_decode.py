"""Capped Content-Encoding decoding: every coding, chunked input, bombs, bad data."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from feeds.decode import CappedDecoder, DecodeError
from feeds.errors import BodyTooLargeError

BODY = ("<rss><channel><title>Çok güzel haberler</title></channel></rss>" * 400).encode()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def decode_in_chunks(encoding: str, data: bytes, cap: int = 10_000_000, size: int = 97) -> bytes:
    decoder = CappedDecoder(encoding, cap)
    for start in range(0, len(data), size):
        decoder.feed(data[start : start + size])
    return decoder.finish()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("", lambda d: d),
        ("identity", lambda d: d),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
        ("br", brotli.compress),
        ("gzip, br", lambda d: brotli.compress(gzip.compress(d))),
    ],
    ids=["none", "identity", "gzip", "x-gzip", "deflate-zlib", "deflate-raw", "br", "gzip+br"],
)
def test_round_trip_in_small_chunks(encoding: str, encode: object) -> None:
    assert callable(encode)
    assert decode_in_chunks(encoding, encode(BODY)) == BODY


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_bombs_stop_at_the_cap(encoding: str) -> None:
    zeros = bytes(50_000_000)
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[encoding](
        zeros
    )
    assert len(packed) < 200_000
    with pytest.raises(BodyTooLargeError, match="1,000,000-byte limit"):
        decode_in_chunks(encoding, packed, cap=1_000_000, size=65536)


def test_exact_cap_is_accepted() -> None:
    assert decode_in_chunks("gzip", gzip.compress(BODY), cap=len(BODY)) == BODY
    with pytest.raises(BodyTooLargeError):
        decode_in_chunks("gzip", gzip.compress(BODY), cap=len(BODY) - 1)


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_corrupt_data_is_a_decode_error(encoding: str) -> None:
    with pytest.raises(DecodeError):
        decode_in_chunks(encoding, b"this is not compressed at all" * 10)


def test_unknown_coding_is_refused() -> None:
    with pytest.raises(DecodeError, match="unsupported Content-Encoding 'compress'"):
        CappedDecoder("compress", 100)
