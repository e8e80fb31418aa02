"""feedparser's reading of a feed body, as ``feedparser.parse(body, response_headers=…,
sanitize_html=False, resolve_relative_uris=False)`` gives it, with less work per element.

feedparser spends most of its time in Python callbacks, one per XML element and one per
piece of text, and four of their costs give nothing to haberci:

- at every element start it joins the base URI with itself (``urljoin``): here the join, a
  pure function of two strings, is remembered;
- its content parameters are a ``FeedParserDict``, whose ``get`` is looked up for every piece
  of text and is slow on a missing key: here they are a plain dict (with the same keys and
  values, also in the ``*_detail`` and ``content`` values of the result);
- expat hands text over in pieces (split at line ends and entity references), each a call:
  here expat buffers the text of an element, and feedparser, which joins the pieces, gets
  the same text in fewer calls;
- categories (``category``, ``dc:subject``), often several per entry, become ``tags``, which
  haberci does not read: here they are left out.

Everything else is feedparser's own code, so the result holds the same values, but for
``tags``.
"""

from __future__ import annotations

import io
import types
import xml.sax
import xml.sax.handler
import xml.sax.xmlreader
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.expatreader import ExpatParser

from feedparser.api import LooseFeedParser, StrictFeedParser
from feedparser.encodings import convert_to_utf8
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import replace_doctype
from feedparser.urls import make_safe_absolute_uri
from feedparser.util import FeedParserDict

_remembered_join = lru_cache(maxsize=256)(make_safe_absolute_uri)


def _with_remembered_join(method: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of a feedparser method whose ``make_safe_absolute_uri`` remembers its joins (its
    other module-level names as feedparser's module holds them at import)."""
    names = dict(method.__globals__, make_safe_absolute_uri=_remembered_join)
    return types.FunctionType(
        method.__code__, names, method.__name__, method.__defaults__, method.__closure__
    )


# Categories, by (namespace, name) as expat reports them: feedparser makes the entry's
# ``tags`` of them, which haberci never reads.
_TAG_ELEMENTS = frozenset(
    {
        (None, "category"),
        ("http://www.w3.org/2005/Atom", "category"),
        ("http://purl.org/dc/elements/1.1/", "subject"),
    }
)
_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_SaxName = tuple[str | None, str]


@dataclass(slots=True)
class _LeftOut:
    """A category element not handed to feedparser (yet): its start and its text so far."""

    name: _SaxName
    qname: str | None
    attrs: Any
    text: list[str]


# feedparser's own SAX callbacks, called without ``super()`` (once per element or text).
_feedparser_start = StrictFeedParser.startElementNS
_feedparser_characters = StrictFeedParser.characters
_feedparser_end = StrictFeedParser.endElementNS


class _StrictParser(StrictFeedParser):  # type: ignore[misc]
    """feedparser's strict (XML) parser with plain-dict content parameters, remembered
    base-URI joins, and categories left out.

    A category is left out when nothing of it can reach another value: outside content, and
    without namespace declarations or ``xml:`` attributes (whose effects could outlast it).
    Should it hold an element after all, it is handed to feedparser before that element."""

    unknown_starttag = _with_remembered_join(_FeedParserMixin.unknown_starttag)
    lang: str | None

    def __init__(self, baseuri: str, baselang: str | None, encoding: str) -> None:
        super().__init__(baseuri, baselang, encoding)
        self.contentparams: dict[str, Any] = {}
        self._left_out: _LeftOut | None = None

    def startElementNS(self, name: _SaxName, qname: str | None, attrs: Any) -> None:
        if self._left_out is not None:
            self._hand_over_left_out()
        elif name in _TAG_ELEMENTS and self._can_leave_out(attrs):
            if name[0] is None:
                # What feedparser's start of an element without a prefix does to its state.
                self.intextinput = 0
                self.inimage = 0
            self._left_out = _LeftOut(name, qname, attrs, [])
            return
        _feedparser_start(self, name, qname, attrs)

    def _can_leave_out(self, attrs: Any) -> bool:
        return (
            not self.incontent
            and not self.decls
            and all(namespace != _XML_NAMESPACE for namespace, _ in attrs.getNames())
        )

    def _hand_over_left_out(self) -> None:
        left_out, self._left_out = self._left_out, None
        assert left_out is not None
        _feedparser_start(self, left_out.name, left_out.qname, left_out.attrs)
        for piece in left_out.text:
            _feedparser_characters(self, piece)

    def characters(self, text: str) -> None:
        if self._left_out is None:
            _feedparser_characters(self, text)
        else:
            self._left_out.text.append(text)

    def endElementNS(self, name: _SaxName, qname: str | None) -> None:
        if self._left_out is None:
            _feedparser_end(self, name, qname)
        else:
            self._left_out = None  # the end of the category left out: it held no element

    def push_content(
        self, tag: str, attrs_d: Mapping[str, str], default_content_type: str, expecting_text: int
    ) -> None:
        """feedparser's ``push_content``, with a plain dict for the content parameters."""
        self.incontent += 1
        if self.lang:
            self.lang = self.lang.replace("_", "-")
        self.contentparams = {
            "type": self.map_content_type(attrs_d.get("type", default_content_type)),
            "language": self.lang,
            "base": self.baseuri,
        }
        self.contentparams["base64"] = self._is_base64(attrs_d, self.contentparams)
        self.push(tag, expecting_text)


class _TextBufferingExpatParser(ExpatParser):
    """The SAX expat reader, with expat joining each run of text into one callback."""

    def reset(self) -> None:
        super().reset()
        self._parser.buffer_text = True  # type: ignore[attr-defined]


def _sax_parser(handler: _StrictParser) -> _TextBufferingExpatParser:
    """A namespace-aware SAX parser as feedparser sets one up (no external entities): expat,
    which feedparser takes unless the libxml2 SAX driver is installed (haberci does not
    depend on it)."""
    parser = _TextBufferingExpatParser()
    parser.setFeature(xml.sax.handler.feature_namespaces, 1)
    parser.setFeature(xml.sax.handler.feature_external_ges, 0)
    parser.setContentHandler(handler)
    parser.setErrorHandler(handler)
    return parser


def read_feed_xml(data: bytes, response_headers: Mapping[str, str]) -> FeedParserDict:
    """``feedparser.parse(data, response_headers=response_headers, sanitize_html=False,
    resolve_relative_uris=False)`` for a body already in memory: the same result, but
    without ``tags``."""
    result = FeedParserDict(bozo=False, entries=[], feed=FeedParserDict(), headers={})
    if not data:
        return result
    result["headers"].update(response_headers)
    data = convert_to_utf8(result["headers"], data, result)
    use_strict_parser = bool(result["encoding"])
    result["version"], data, entities = replace_doctype(data)
    contentloc = result["headers"].get("content-location", "")
    baseuri = make_safe_absolute_uri("", contentloc) or make_safe_absolute_uri(contentloc) or ""
    baselang = result["headers"].get("content-language", None)
    parser: Any = None
    if use_strict_parser:
        parser = _StrictParser(baseuri, baselang, "utf-8")
        parser.resolve_relative_uris = False
        parser.sanitize_html = False
        source = xml.sax.xmlreader.InputSource()
        source.setByteStream(io.BytesIO(data))
        try:
            _sax_parser(parser).parse(source)
        except xml.sax.SAXException as exc:
            result["bozo"] = 1
            result["bozo_exception"] = parser.exc or exc
            use_strict_parser = False
    if not use_strict_parser:
        parser = LooseFeedParser(baseuri, baselang, "utf-8", entities)
        parser.resolve_relative_uris = False
        parser.sanitize_html = False
        parser.feed(data.decode("utf-8", "replace"))
    result["feed"] = parser.feeddata
    result["entries"] = parser.entries
    result["version"] = result["version"] or parser.version
    result["namespaces"] = parser.namespaces_in_use
    return result
