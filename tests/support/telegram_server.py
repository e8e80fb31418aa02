"""A local fake of the Telegram Bot API for tests, good enough for python-telegram-bot 22.

``TelegramServer`` runs a ``ThreadingHTTPServer`` on ``127.0.0.1`` (port 0) in a daemon thread
and answers ``POST/GET {url}/bot{token}/{method}`` like api.telegram.org does, so the real
``telegram.Bot`` / ``telegram.ext.Application`` can run against it::

    with TelegramServer() as server:
        async with Bot(server.token, base_url=server.base_url,
                       base_file_url=server.base_file_url) as bot:
            await bot.send_message(42, "<b>merhaba</b>", parse_mode="HTML")
        assert server.sent_messages(42)[0].plain_text == "merhaba"

Requests may be ``application/x-www-form-urlencoded`` (what PTB sends when there is no file:
strings raw, everything else JSON-encoded), ``multipart/form-data`` (PTB with files) or JSON.
Answers are ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
"description": "...", "parameters": {...}}`` with the matching HTTP status, which is what PTB
maps to its exceptions (it looks at the HTTP status and ``parameters``, not at ``ok``).

Implemented methods: getMe, getUpdates (offset/limit/long-poll/allowed_updates, 409 while a
webhook is set or when superseded by a newer getUpdates), sendMessage, editMessageText,
deleteMessage, sendDocument, getFile, answerCallbackQuery, getChat, getChatMember,
sendChatAction, setWebhook, deleteWebhook, getWebhookInfo, setMyCommands, getMyCommands,
deleteMyCommands.  Other methods answer 404 (PTB raises ``InvalidToken`` for that, exactly as
with the real server) unless registered with :meth:`TelegramServer.register_method`.
File downloads are served at ``GET {url}/file/bot{token}/{file_path}``.

Test hooks: updates in (:meth:`~TelegramServer.push_message`,
:meth:`~TelegramServer.push_callback_query`, :meth:`~TelegramServer.push_update`); calls out
(:attr:`~TelegramServer.calls`, :meth:`~TelegramServer.sent_messages`,
:meth:`~TelegramServer.sent_documents`, :meth:`~TelegramServer.duplicates`); chats and members
(:meth:`~TelegramServer.set_chat`, :meth:`~TelegramServer.set_member`,
:meth:`~TelegramServer.block_chat`, :meth:`~TelegramServer.migrate_chat`); failure injection
(:meth:`~TelegramServer.fail_next` with :func:`retry_after`, :func:`forbidden`,
:func:`migrated`, :func:`server_error`, :func:`timeout`, :func:`bad_request`); flood limits
(``enforce_limits``, :class:`FloodLimits`, injectable clock such as :class:`ManualClock`);
webhooks (:meth:`~TelegramServer.deliver_webhook_update`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import re
import socket
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, TypedDict, cast
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlsplit

from tests.support.clock import ManualClock

__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "IMPLEMENTED_METHODS",
    "BotKwargs",
    "Call",
    "FloodLimiter",
    "FloodLimits",
    "HtmlParseError",
    "InjectedError",
    "ManualClock",
    "SentDocument",
    "SentMessage",
    "TelegramServer",
    "UploadedFile",
    "WebhookConfig",
    "bad_request",
    "command_entities",
    "decode_request",
    "forbidden",
    "migrated",
    "parse_telegram_html",
    "retry_after",
    "server_error",
    "timeout",
]

JSONDict = dict[str, Any]

DEFAULT_TOKEN: Final = "7000000001:AAHaberciTestToken_0123456789abcdefg"
DEFAULT_USER_ID: Final = 5550001
MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64

_DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
_MEMBER_STATUSES: Final = frozenset(
    {"creator", "administrator", "member", "restricted", "left", "kicked"}
)
_CHAT_TYPES: Final = frozenset({"private", "group", "supergroup", "channel"})
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Update types Telegram leaves out when ``allowed_updates`` is empty or was never given.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Parameters whose form value is a raw string (PTB JSON-encodes everything except ``str``).
_STRING_PARAMS: Final = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "callback_query_id",
        "file_id",
        "inline_message_id",
        "action",
        "data",
        "language_code",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "title",
        "description",
        "short_description",
        "name",
        "document",
        "thumbnail",
        "emoji",
    }
)
# Methods that put a message into a chat: flood limits apply to these.
_MESSAGE_METHODS: Final = frozenset({"sendMessage", "sendDocument"})
IMPLEMENTED_METHODS: Final = (
    "getMe",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "deleteMessage",
    "sendDocument",
    "getFile",
    "answerCallbackQuery",
    "getChat",
    "getChatMember",
    "sendChatAction",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
)
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND_NAME_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_COMMAND_IN_TEXT_RE: Final = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_HTML_ENTITY_RE: Final = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|(lt|gt|amp|quot));")
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


# --- public value types ---------------------------------------------------------------------


class BotKwargs(TypedDict):
    """Keyword arguments pointing ``telegram.Bot`` at a :class:`TelegramServer`."""

    token: str
    base_url: str
    base_file_url: str


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class Call:
    """One Bot API request as the server saw it (``getUpdates`` is not recorded).

    ``params`` are decoded (JSON values parsed, ints as ints, strings kept), ``chat_id`` is the
    resolved numeric chat id when the request named a chat (the raw value if it could not be
    resolved), ``time`` comes from the server clock, and ``status``/``description`` tell how
    the server answered.
    """

    method: str
    params: dict[str, Any]
    chat_id: int | str | None
    time: float
    status: int = 200
    description: str | None = None
    files: dict[str, UploadedFile] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status == HTTPStatus.OK


@dataclass(frozen=True)
class SentMessage:
    """A delivered ``sendMessage``: what the bot asked for and what the chat got."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    plain_text: str
    entities: list[JSONDict]
    reply_markup: JSONDict | None
    link_preview_options: JSONDict | None
    disable_web_page_preview: bool | None
    time: float
    params: dict[str, Any]

    @property
    def link_preview_disabled(self) -> bool:
        """Whether link previews were switched off (either API spelling)."""
        if self.disable_web_page_preview:
            return True
        return bool(self.link_preview_options and self.link_preview_options.get("is_disabled"))


@dataclass(frozen=True)
class SentDocument:
    """A delivered ``sendDocument``."""

    chat_id: int
    message_id: int
    file_id: str
    filename: str
    data: bytes
    mime_type: str
    caption: str | None
    parse_mode: str | None
    time: float


@dataclass(frozen=True)
class WebhookConfig:
    """The webhook registered through ``setWebhook``."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    has_custom_certificate: bool = False


@dataclass(frozen=True)
class InjectedError:
    """An answer forced by :meth:`TelegramServer.fail_next`.

    ``delay`` seconds pass before answering.  With ``deliver`` the request is then processed
    normally (a client that gave up meanwhile never learns that it succeeded); otherwise the
    server answers ``status`` with ``description`` and ``parameters`` (or ``raw_body`` as is).
    """

    status: int
    description: str
    parameters: dict[str, int] | None = None
    delay: float = 0.0
    deliver: bool = False
    raw_body: bytes | None = None


def retry_after(seconds: int) -> InjectedError:
    """429 with ``parameters.retry_after`` (PTB: ``RetryAfter``)."""
    return InjectedError(
        status=429,
        description=f"Too Many Requests: retry after {seconds}",
        parameters={"retry_after": seconds},
    )


def forbidden(description: str = "Forbidden: bot was blocked by the user") -> InjectedError:
    """403 (PTB: ``Forbidden``)."""
    return InjectedError(status=403, description=description)


def migrated(new_chat_id: int) -> InjectedError:
    """400 with ``parameters.migrate_to_chat_id`` (PTB: ``ChatMigrated``)."""
    return InjectedError(
        status=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": new_chat_id},
    )


def server_error(status: int = 502, *, html: bool = False) -> InjectedError:
    """A 5xx (PTB: ``NetworkError``); ``html`` sends an nginx-style HTML page instead of JSON."""
    phrase = HTTPStatus(status).phrase
    raw = None
    if html:
        raw = (
            f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        ).encode()
    return InjectedError(status=status, description=phrase, raw_body=raw)


def timeout(seconds: float, *, deliver: bool = False) -> InjectedError:
    """Hold the answer for ``seconds`` (longer than the client's read timeout: ``TimedOut``).

    With ``deliver=True`` the request is carried out after the delay anyway, like Telegram
    delivering a message whose HTTP answer the client never saw; otherwise 504 follows.
    """
    return InjectedError(status=504, description="Gateway Timeout", delay=seconds, deliver=deliver)


def bad_request(text: str) -> InjectedError:
    """400 with ``"Bad Request: " + text`` (PTB: ``BadRequest``)."""
    description = text if text.startswith("Bad Request") else f"Bad Request: {text}"
    return InjectedError(status=400, description=description)


# --- flood limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented sending limits."""

    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20


class FloodLimiter:
    """Sliding-window limits: overall per second, per private chat, per group/channel."""

    def __init__(
        self, limits: FloodLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Use ``limits`` (Telegram's defaults when ``None``) measured with ``clock``."""
        self.limits = limits or FloodLimits()
        for name in ("global_per_second", "private_per_second", "group_per_minute"):
            if getattr(self.limits, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        self.clock = clock
        self._windows: dict[object, deque[float]] = {}
        self._lock = threading.Lock()

    def try_acquire(self, chat_id: int, *, group: bool) -> int | None:
        """Count one message to ``chat_id`` and return ``None``, or return the whole seconds
        (at least 1) to wait when a limit is reached, counting nothing."""
        now = self.clock()
        if group:
            chat_rule = (("chat", chat_id), self.limits.group_per_minute, 60.0)
        else:
            chat_rule = (("chat", chat_id), self.limits.private_per_second, 1.0)
        rules = [("global", self.limits.global_per_second, 1.0), chat_rule]
        with self._lock:
            wait = 0.0
            windows: list[deque[float]] = []
            for key, limit, span in rules:
                window = self._windows.setdefault(key, deque())
                while window and window[0] <= now - span:
                    window.popleft()
                if len(window) >= limit:
                    wait = max(wait, window[len(window) - limit] + span - now)
                windows.append(window)
            if wait > 0:
                return max(1, math.ceil(wait))
            for window in windows:
                window.append(now)
            return None

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._lock:
            self._windows.clear()


# --- Telegram HTML --------------------------------------------------------------------------


class HtmlParseError(ValueError):
    """Text is not valid Telegram HTML; the message follows Telegram's wording."""


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    start: int  # UTF-16 offset in the plain text


_SUPPORTED_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """The character for the entity starting at ``text[pos] == "&"`` and the index after it."""
    match = _HTML_ENTITY_RE.match(text, pos)
    if match is None:
        return None
    decimal, hexadecimal, named = match.groups()
    if named is not None:
        return _NAMED_ENTITIES[named], match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF:
        return None
    return chr(code), match.end()


def parse_telegram_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into plain text and MessageEntity dicts (UTF-16 offsets).

    Follows tdlib's ``parse_html`` (same error messages), but stricter about ``&``: every
    ``&`` must start ``&lt;``/``&gt;``/``&amp;``/``&quot;`` or a numeric entity, as the Bot
    API documentation demands (Telegram itself keeps a stray ``&`` as text).  A bare ``>``
    is accepted, as Telegram does.
    """
    out: list[str] = []
    utf16 = 0
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    length = len(text)

    def offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8", "surrogatepass"))

    def emit(chunk: str) -> None:
        nonlocal utf16
        out.append(chunk)
        utf16 += _utf16_len(chunk)

    i = 0
    while i < length:
        char = text[i]
        if char == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is None:
                raise HtmlParseError(
                    f"Unsupported HTML entity or unescaped '&' at byte offset {offset(i)}"
                )
            emit(decoded[0])
            i = decoded[1]
            continue
        if char != "<":
            emit(char)
            i += 1
            continue
        begin = i
        if i + 1 < length and text[i + 1] == "/":
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {offset(begin)}")
            j = i + 2
            while j < length and ((text[j].isascii() and text[j].isalpha()) or text[j] == "-"):
                j += 1
            end_name = text[i + 2 : j].lower()
            while j < length and text[j].isspace():
                j += 1
            if j >= length or text[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {offset(begin)}")
            open_tag = stack[-1]
            if end_name and end_name != open_tag.name:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {offset(begin)}, "
                    f'expected "</{open_tag.name}>", found "</{end_name}>"'
                )
            stack.pop()
            _close_entity(open_tag, utf16, stack, entities)
            i = j + 1
            continue
        j = i + 1
        while j < length and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= length:
            raise HtmlParseError(f"Unclosed start tag at byte offset {offset(begin)}")
        name = text[i + 1 : j].lower()
        if name not in _SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset(begin)}')
        attributes: dict[str, str] = {}
        while True:
            while j < length and text[j].isspace():
                j += 1
            if j >= length:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {offset(begin)}')
            if text[j] == ">":
                break
            attribute_begin = j
            while j < length and not text[j].isspace() and text[j] not in "=>":
                j += 1
            attribute = text[attribute_begin:j].lower()
            if not attribute:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {offset(begin)}'
                )
            while j < length and text[j].isspace():
                j += 1
            if j >= length or text[j] != "=":
                attributes[attribute] = ""  # e.g. <blockquote expandable>
                continue
            j += 1
            while j < length and text[j].isspace():
                j += 1
            if j >= length:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {offset(begin)}')
            if text[j] in "'\"":
                quote = text[j]
                j += 1
                value: list[str] = []
                while j < length and text[j] != quote:
                    if text[j] == "&":
                        decoded = _decode_html_entity(text, j)
                        if decoded is None:
                            raise HtmlParseError(
                                f"Unsupported HTML entity or unescaped '&' at byte offset "
                                f"{offset(j)}"
                            )
                        value.append(decoded[0])
                        j = decoded[1]
                    else:
                        value.append(text[j])
                        j += 1
                if j >= length:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {offset(begin)}")
                j += 1
                attributes[attribute] = "".join(value)
            else:
                token_begin = j
                while j < length and ((text[j].isascii() and text[j].isalnum()) or text[j] in ".-"):
                    j += 1
                if j >= length:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {offset(begin)}")
                if not text[j].isspace() and text[j] != ">":
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {offset(token_begin)}"
                    )
                attributes[attribute] = text[token_begin:j].lower()
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset(begin)}'
            )
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset(begin)}'
            )
        stack.append(_OpenTag(name=name, attributes=attributes, start=utf16))
        i = j + 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _close_entity(tag: _OpenTag, end: int, stack: list[_OpenTag], entities: list[JSONDict]) -> None:
    """Turn a closed tag into a MessageEntity dict (empty ones are dropped, like Telegram)."""
    entity_length = end - tag.start
    if entity_length <= 0:
        return
    entity: JSONDict = {
        "type": _TAG_ENTITY_TYPES[tag.name],
        "offset": tag.start,
        "length": entity_length,
    }
    if tag.name == "a":
        href = tag.attributes.get("href", "")
        if not href:
            return
        entity["url"] = href
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attributes["emoji-id"]
    elif tag.name == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "code" and stack and stack[-1].name == "pre":
        language = tag.attributes.get("class", "")
        if language.startswith("language-") and stack[-1].start == tag.start:
            stack[-1].attributes["language"] = language.removeprefix("language-")
            return
    elif tag.name == "pre" and tag.attributes.get("language"):
        entity["language"] = tag.attributes["language"]
    entities.append(entity)


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip surrounding whitespace as Telegram does, shifting and clipping the entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _utf16_len(text[: len(text) - len(text.lstrip())])
    total = _utf16_len(stripped)
    result: list[JSONDict] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def command_entities(text: str) -> list[JSONDict]:
    """``bot_command`` entities for every ``/command`` at a word start (UTF-16 offsets)."""
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: match.start()]),
            "length": _utf16_len(match.group()),
        }
        for match in _COMMAND_IN_TEXT_RE.finditer(text)
    ]


# --- request decoding -----------------------------------------------------------------------


def _coerce(name: str, raw: str) -> Any:
    """Decode one form value: strings stay strings, everything else was JSON-encoded."""
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _header_param(header: str, name: str) -> str | None:
    """A parameter of a Content-Disposition / Content-Type header value."""
    extended = re.search(rf"(?:^|;)\s*{name}\*\s*=\s*([^;]+)", header, re.IGNORECASE)
    if extended:
        charset, _, rest = extended.group(1).strip().partition("''")
        return unquote_to_bytes(rest).decode(charset or "utf-8", "replace")
    quoted = re.search(rf'(?:^|;)\s*{name}\s*=\s*"((?:[^"\\]|\\.)*)"', header, re.IGNORECASE)
    if quoted:
        value = re.sub(r"\\(.)", r"\1", quoted.group(1))
        return value.replace("%22", '"')
    bare = re.search(rf"(?:^|;)\s*{name}\s*=\s*([^;\s]+)", header, re.IGNORECASE)
    return bare.group(1) if bare else None


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    boundary = _header_param(content_type, "boundary")
    if not boundary:
        raise ValueError("multipart body without boundary")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    for raw_part in (b"\r\n" + body).split(delimiter)[1:]:
        if raw_part.startswith(b"--"):
            break
        head, separator, content = raw_part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("malformed multipart part")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _header_param(disposition, "name")
        if name is None:
            continue
        filename = _header_param(disposition, "filename")
        if filename is not None:
            mime = headers.get("content-type", "application/octet-stream").split(";")[0]
            files[name] = UploadedFile(filename=filename, data=content, mime_type=mime.strip())
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


def decode_request(
    content_type: str, body: bytes, query: str = ""
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters and uploaded files of a Bot API request (query, form, multipart or JSON)."""
    params: dict[str, Any] = {
        name: _coerce(name, value) for name, value in parse_qsl(query, keep_blank_values=True)
    }
    files: dict[str, UploadedFile] = {}
    media_type = content_type.split(";")[0].strip().lower()
    if not body:
        return params, files
    if media_type == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        params.update(decoded)
    elif media_type == "multipart/form-data":
        fields, files = _parse_multipart(content_type, body)
        params.update({name: _coerce(name, value) for name, value in fields.items()})
    else:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        params.update({name: _coerce(name, value) for name, value in pairs})
    return params, files


# --- server state ---------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    members: dict[int, tuple[str, JSONDict]] = field(default_factory=dict)
    migrated_to: int | None = None
    next_message_id: int = 1


@dataclass(frozen=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    data: bytes
    file_path: str

    def document_json(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }


@dataclass
class _Injection:
    method: str
    chat_id: int | str | None
    remaining: int
    error: InjectedError


def _infer_chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    if chat_id <= -1_000_000_000_000:
        return "supergroup"
    return "group"


def _error_body(status: int, description: str, parameters: JSONDict | None = None) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _ApiError(400, f"Bad Request: invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise _ApiError(400, f"Bad Request: invalid {name} specified")


def _as_json_object(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _ApiError(400, f"Bad Request: can't parse {what} JSON object") from None
    return value


_ADMIN_RIGHTS: Final[JSONDict] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}
_RESTRICTED_RIGHTS: Final[JSONDict] = {
    "is_member": True,
    "can_send_messages": True,
    "can_send_audios": True,
    "can_send_documents": True,
    "can_send_photos": True,
    "can_send_videos": True,
    "can_send_video_notes": True,
    "can_send_voice_notes": True,
    "can_send_polls": True,
    "can_send_other_messages": True,
    "can_add_web_page_previews": True,
    "can_change_info": False,
    "can_invite_users": True,
    "can_pin_messages": False,
    "can_manage_topics": False,
    "can_edit_tag": False,
    # Optional in PTB's signature, but ChatMemberRestricted.__init__ raises without it (22.8).
    "can_react_to_messages": True,
    "until_date": 0,
}


class TelegramServer:
    """A fake Bot API server; see the module docstring.  All state is guarded by one lock."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "haberci_bot",
        bot_first_name: str = "Haberci",
        enforce_limits: bool = False,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        strict_chats: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Configure the fake; nothing is bound until :meth:`start`.

        ``enforce_limits`` switches on the flood limits (``limits``, measured with ``clock``).
        With ``strict_chats`` sending to a chat the server has never heard of is 400 "chat not
        found"; otherwise such chats spring into existence (type guessed from the id).
        """
        self.token = token
        prefix = token.partition(":")[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 7000000001
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.enforce_limits = enforce_limits
        self.strict_chats = strict_chats
        self.clock = clock
        self.limiter = FloodLimiter(limits, clock)
        self.host = host
        self._requested_port = port
        self._bound_port: int | None = None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._cond = threading.Condition(threading.RLock())
        self._custom: dict[str, Callable[[dict[str, Any]], Any]] = {}
        self._reset_state()

    def _reset_state(self) -> None:
        self._calls: list[Call] = []
        self._sent: list[SentMessage] = []
        self._documents: list[SentDocument] = []
        self._updates: list[JSONDict] = []
        self._last_update_id = 0
        self._poll_generation = 0
        self._allowed_updates: list[str] = []
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSONDict] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._injections: list[_Injection] = []
        self._blocked: dict[int, str] = {}
        self._open_queries: set[str] = set()
        self._query_counter = 0
        self._webhook: WebhookConfig | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._flood_429 = 0
        self._unknown_methods: list[str] = []
        self._handlers: dict[str, Callable[[dict[str, Any], dict[str, UploadedFile]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "deleteMessage": self._delete_message,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
            "answerCallbackQuery": self._answer_callback_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "sendChatAction": self._send_chat_action,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
        }

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> TelegramServer:
        """Bind and serve from a daemon thread; returns ``self``."""
        if self._httpd is not None:
            raise RuntimeError("TelegramServer is already running")
        self._stop_event = threading.Event()
        httpd = _HTTPServer((self.host, self._requested_port), self)
        self._httpd = httpd
        self._bound_port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"TelegramServer {self.host}:{self._bound_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; long polls and injected delays end at once."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stop_event.set()
        with self._cond:
            self._cond.notify_all()
        httpd.shutdown()
        httpd.server_close()
        httpd.abort_connections()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> TelegramServer:
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
    def port(self) -> int:
        """The bound port."""
        if self._bound_port is None:
            raise RuntimeError("TelegramServer has not been started; the port is not known yet")
        return self._bound_port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The ``base_url`` for PTB's ``Bot``/``ApplicationBuilder`` (``{url}/bot``)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """The ``base_file_url`` for PTB (``{url}/file/bot``)."""
        return f"{self.url}/file/bot"

    @property
    def bot_kwargs(self) -> BotKwargs:
        """``token``, ``base_url`` and ``base_file_url`` for ``telegram.Bot(**...)``."""
        return {
            "token": self.token,
            "base_url": self.base_url,
            "base_file_url": self.base_file_url,
        }

    # --- identity -------------------------------------------------------------------------

    def bot_user(self) -> JSONDict:
        """The bot as a User object (as in ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def set_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> JSONDict:
        """Create or update a user; returns the User object."""
        with self._cond:
            return copy.deepcopy(
                self._remember_user(
                    user_id,
                    first_name=first_name,
                    last_name=last_name,
                    username=username,
                    language_code=language_code,
                    is_bot=is_bot,
                )
            )

    # --- chats and members ----------------------------------------------------------------

    def set_chat(
        self,
        chat_id: int,
        type: str | None = None,
        title: str | None = None,
        username: str | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> None:
        """Create or update a chat (type guessed from the id when omitted).

        In a new channel the bot is an administrator with ``can_post_messages``; in other new
        chats it is a member.
        """
        with self._cond:
            chat = self._ensure_chat(chat_id, type)
            if type is not None:
                chat.type = type
            if title is not None:
                chat.title = title
            if username is not None:
                chat.username = username.removeprefix("@")
            if first_name is not None:
                chat.first_name = first_name
            if last_name is not None:
                chat.last_name = last_name

    def set_member(self, chat_id: int, user_id: int, status: str, **fields: Any) -> None:
        """Set a user's (or, with ``user_id=server.bot_id``, the bot's) membership.

        ``status`` is creator, administrator, member, restricted, left or kicked; ``fields``
        override the ChatMember fields (e.g. ``can_post_messages=True``, ``custom_title``).
        """
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        with self._cond:
            chat = self._ensure_chat(chat_id, None)
            chat.members[user_id] = (status, dict(fields))

    def set_bot_member(self, chat_id: int, status: str, **fields: Any) -> None:
        """The bot's own membership/rights in ``chat_id`` (see :meth:`set_member`)."""
        self.set_member(chat_id, self.bot_id, status, **fields)

    def block_chat(self, chat_id: int, description: str | None = None) -> None:
        """Make every send/edit/chat action to ``chat_id`` fail with 403 until unblocked."""
        with self._cond:
            chat = self._ensure_chat(chat_id, None)
            if description is None:
                description = (
                    "Forbidden: bot was blocked by the user"
                    if chat.type == "private"
                    else f"Forbidden: bot was kicked from the {chat.type} chat"
                )
            self._blocked[chat.id] = description

    def unblock_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`."""
        with self._cond:
            self._blocked.pop(chat_id, None)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, *, announce: bool = False) -> None:
        """Upgrade a group to a supergroup: requests to the old id get 400 + migrate_to_chat_id.

        With ``announce`` the service messages Telegram sends (``migrate_to_chat_id`` in the old
        chat, ``migrate_from_chat_id`` in the new one) are queued as updates.
        """
        with self._cond:
            old = self._ensure_chat(old_chat_id, "group")
            existed = new_chat_id in self._chats
            new = self._ensure_chat(new_chat_id, "supergroup")
            if not existed:
                new.title = old.title
            new.members.update(old.members)
            old.migrated_to = new.id
            if announce:
                for chat, key, value in (
                    (old, "migrate_to_chat_id", new.id),
                    (new, "migrate_from_chat_id", old.id),
                ):
                    message = self._base_message(chat)
                    message["from"] = self._user_json(DEFAULT_USER_ID)
                    message[key] = value
                    self._messages[(chat.id, message["message_id"])] = message
                    self._enqueue({"message": message})

    # --- updates in -----------------------------------------------------------------------

    def push_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        language_code: str | None = "en",
        username: str | None = None,
        first_name: str | None = None,
        title: str | None = None,
        document: tuple[str, bytes, str] | None = None,
        entities: list[JSONDict] | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """Queue a message from a user (a ``channel_post`` in channels); returns the Update.

        Text starting with ``/`` gets ``bot_command`` entities (as Telegram adds them).  In a
        private chat the sender defaults to the chat id, elsewhere to ``DEFAULT_USER_ID``.
        ``document`` is ``(file_name, data, mime_type)``; ``text`` then becomes the caption.
        """
        if text is None and document is None:
            raise ValueError("push_message needs text or a document")
        with self._cond:
            chat = self._ensure_chat(chat_id, chat_type, title=title)
            if chat_type is not None:
                chat.type = chat_type
            if user_id is None:
                user_id = chat.id if chat.type == "private" else DEFAULT_USER_ID
            user = self._remember_user(
                user_id,
                first_name=first_name,
                username=username,
                language_code=language_code,
            )
            message = self._base_message(chat)
            if chat.type == "channel":
                message["sender_chat"] = self._chat_json(chat)
            else:
                message["from"] = copy.deepcopy(user)
            found_entities = entities if entities is not None else command_entities(text or "")
            if document is not None:
                name, data, mime = document
                stored = self._store_file(name, data, mime)
                message["document"] = stored.document_json()
                if text is not None:
                    message["caption"] = text
                    if found_entities:
                        message["caption_entities"] = found_entities
            else:
                message["text"] = text
                if found_entities:
                    message["entities"] = found_entities
            if reply_to_message_id is not None:
                replied = self._messages.get((chat.id, reply_to_message_id))
                if replied is not None:
                    message["reply_to_message"] = {
                        k: v for k, v in replied.items() if k != "reply_to_message"
                    }
            self._messages[(chat.id, message["message_id"])] = message
            key = "channel_post" if chat.type == "channel" else "message"
            return self._enqueue({key: copy.deepcopy(message)})

    def push_callback_query(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int | None = None,
    ) -> JSONDict:
        """Queue a button press on a bot message (``message_id``, if known); returns the Update."""
        with self._cond:
            chat = self._ensure_chat(chat_id, None)
            user = self._remember_user(user_id)
            message = self._messages.get((chat.id, message_id)) if message_id else None
            if message is None:
                message = self._base_message(chat, message_id=message_id)
                message["from"] = self.bot_user()
            self._query_counter += 1
            query_id = str(4_000_000_000_000_000 + self._query_counter)
            self._open_queries.add(query_id)
            query = {
                "id": query_id,
                "from": copy.deepcopy(user),
                "message": copy.deepcopy(message),
                "chat_instance": str(abs(chat.id) * 1000 + self.bot_id % 1000),
                "data": data,
            }
            return self._enqueue({"callback_query": query})

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw Update; ``update_id`` is assigned when missing (must increase)."""
        with self._cond:
            payload = copy.deepcopy(update)
            if "update_id" in payload:
                update_id = int(payload.pop("update_id"))
                if update_id <= self._last_update_id:
                    raise ValueError(f"update_id must be greater than {self._last_update_id}")
                self._last_update_id = update_id - 1
            return self._enqueue(payload)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed through ``getUpdates`` offsets or webhook delivery."""
        with self._cond:
            return copy.deepcopy(self._updates)

    # --- calls out ------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every API call except ``getUpdates``, in arrival order."""
        with self._cond:
            return list(self._calls)

    def calls_for(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        """The recorded calls of ``method`` (optionally to ``chat_id``)."""
        return [
            call
            for call in self.calls
            if call.method == method and (chat_id is None or call.chat_id == chat_id)
        ]

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Delivered ``sendMessage`` calls (optionally to one chat)."""
        with self._cond:
            return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def sent_documents(self, chat_id: int | None = None) -> list[SentDocument]:
        """Delivered ``sendDocument`` calls (optionally to one chat)."""
        with self._cond:
            return [d for d in self._documents if chat_id is None or d.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The current state of a stored message (sent, received or edited)."""
        with self._cond:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    def duplicates(self) -> list[tuple[int, str]]:
        """``(chat_id, text)`` pairs delivered more than once, in first-seen order."""
        with self._cond:
            counts = Counter((m.chat_id, m.text) for m in self._sent)
            return [pair for pair, count in counts.items() if count > 1]

    @property
    def flood_429_count(self) -> int:
        """How many sends the flood limiter refused."""
        with self._cond:
            return self._flood_429

    @property
    def unknown_methods(self) -> list[str]:
        """Methods the bot called that this fake does not implement."""
        with self._cond:
            return list(self._unknown_methods)

    def wait_for_messages(
        self, count: int, timeout: float = 5.0, *, chat_id: int | None = None
    ) -> list[SentMessage]:
        """Block until ``count`` messages were delivered; ``TimeoutError`` otherwise.

        Blocks the calling thread: from async code use :meth:`wait_for_messages_async`.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [m for m in self._sent if chat_id is None or m.chat_id == chat_id]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"expected {count} sent messages, got {len(found)}: "
                        f"{[m.text for m in found]!r}"
                    )
                self._cond.wait(remaining)

    async def wait_for_messages_async(
        self, count: int, within: float = 5.0, *, chat_id: int | None = None
    ) -> list[SentMessage]:
        """:meth:`wait_for_messages` without blocking the event loop (``within`` seconds)."""
        deadline = time.monotonic() + within
        while True:
            found = self.sent_messages(chat_id)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"expected {count} sent messages, got {len(found)}: {[m.text for m in found]!r}"
                )
            await asyncio.sleep(0.01)

    def clear_calls(self) -> None:
        """Forget recorded calls, messages and documents (chats and updates stay)."""
        with self._cond:
            self._calls.clear()
            self._sent.clear()
            self._documents.clear()
            self._flood_429 = 0

    # --- failure injection ----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        times: int = 1,
        error: InjectedError,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``"*"``: any) with ``error``.

        With ``chat_id`` only calls naming that chat are affected.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._injections.append(
                _Injection(method=method, chat_id=chat_id, remaining=times, error=error)
            )

    def clear_failures(self) -> None:
        """Drop injected failures that have not fired yet."""
        with self._cond:
            self._injections.clear()

    def register_method(self, method: str, handler: Callable[[dict[str, Any]], Any]) -> None:
        """Answer ``method`` with ``handler(params)`` (its return value is the ``result``)."""
        with self._cond:
            self._custom[method.lower()] = handler

    # --- webhooks -------------------------------------------------------------------------

    @property
    def webhook(self) -> WebhookConfig | None:
        """The webhook set through ``setWebhook``, if any."""
        with self._cond:
            return self._webhook

    def deliver_webhook_update(self, update: JSONDict, timeout: float = 5.0) -> int:
        """POST ``update`` to the webhook URL the way Telegram does; return the HTTP status.

        Sends ``X-Telegram-Bot-Api-Secret-Token`` when a secret was set.  A 2xx answer removes
        the update from :attr:`pending_updates`; failures show up in ``getWebhookInfo``.
        Returns 0 when the connection fails.  This blocks: from the event loop that runs the
        bot's webhook server use :meth:`deliver_webhook_update_async`.
        """
        config = self.webhook
        if config is None:
            raise RuntimeError("no webhook is set (call setWebhook first)")
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        request = urllib.request.Request(
            config.url, data=json.dumps(update).encode(), headers=headers, method="POST"
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        error: str | None = None
        try:
            with opener.open(request, timeout=timeout) as response:
                response.read()
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            error = f"Wrong response from the webhook: {exc.code} {exc.reason}"
            exc.close()
        except OSError as exc:
            status = 0
            error = f"Connection failed: {exc}"
        with self._cond:
            if error is None:
                update_id = update.get("update_id")
                self._updates = [u for u in self._updates if u["update_id"] != update_id]
            else:
                self._webhook_error = (int(time.time()), error)
        return status

    async def deliver_webhook_update_async(
        self, update: JSONDict, http_timeout: float = 5.0
    ) -> int:
        """:meth:`deliver_webhook_update` in a worker thread."""
        return await asyncio.to_thread(self.deliver_webhook_update, update, http_timeout)

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands set for ``scope`` (default scope when ``None``) and language."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    # --- request handling (called from handler threads) -----------------------------------

    def handle_api_request(
        self, token: str, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, JSONDict | bytes]:
        """Answer one Bot API call: the HTTP status and the JSON body (or raw bytes)."""
        if token != self.token:
            return 401, _error_body(401, "Unauthorized")
        canonical = next(
            (name for name in IMPLEMENTED_METHODS if name.lower() == method.lower()), None
        )
        custom = self._custom.get(method.lower())
        name = canonical or method
        raw_chat = params.get("chat_id")
        with self._cond:
            chat_key = self._peek_chat_id(raw_chat)
            injection = self._take_injection(name, chat_key)
        if injection is not None:
            if injection.delay > 0:
                self._stop_event.wait(injection.delay)
            if not injection.deliver:
                with self._cond:
                    self._record(name, params, chat_key, files, injection.status, injection)
                if injection.raw_body is not None:
                    return injection.status, injection.raw_body
                return injection.status, _error_body(
                    injection.status, injection.description, injection.parameters
                )
        with self._cond:
            handler = self._handlers.get(canonical) if canonical else None
            status = 200
            description: str | None = None
            try:
                if custom is not None:
                    body: JSONDict = {"ok": True, "result": custom(params)}
                elif handler is None:
                    self._unknown_methods.append(method)
                    raise _ApiError(
                        404, f"Not Found: method {method} is not implemented by TelegramServer"
                    )
                else:
                    body = {"ok": True, "result": handler(params, files)}
            except _ApiError as exc:
                status, description = exc.status, exc.description
                body = _error_body(exc.status, exc.description, exc.parameters)
            if name != "getUpdates":
                chat_key = self._peek_chat_id(raw_chat)
                self._record(name, params, chat_key, files, status, description)
                self._cond.notify_all()
            return status, body

    def serve_file(self, token: str, file_path: str) -> tuple[int, bytes]:
        """Bytes of a stored file for ``GET /file/bot{token}/{file_path}``."""
        with self._cond:
            stored = self._file_paths.get(file_path) if token == self.token else None
        if stored is None:
            return 404, json.dumps(_error_body(404, "Not Found")).encode()
        return 200, stored.data

    # --- internals (all called with the lock held) ----------------------------------------

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        chat_id: int | str | None,
        files: dict[str, UploadedFile],
        status: int,
        detail: str | InjectedError | None,
    ) -> None:
        description = detail.description if isinstance(detail, InjectedError) else detail
        self._calls.append(
            Call(
                method=method,
                params=dict(params),
                chat_id=chat_id,
                time=self.clock(),
                status=status,
                description=description,
                files=dict(files),
            )
        )

    def _take_injection(self, method: str, chat_id: int | str | None) -> InjectedError | None:
        for injection in self._injections:
            if injection.method not in ("*", method) and injection.method.lower() != method.lower():
                continue
            if injection.chat_id is not None and injection.chat_id != chat_id:
                continue
            injection.remaining -= 1
            if injection.remaining <= 0:
                self._injections.remove(injection)
            return injection.error
        return None

    def _peek_chat_id(self, raw: Any) -> int | str | None:
        """The numeric id a ``chat_id`` parameter names, without creating anything."""
        if raw is None or isinstance(raw, bool):
            return None
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str):
            if raw.lstrip("-").isdigit():
                return int(raw)
            wanted = raw.removeprefix("@").lower()
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == wanted:
                    return chat.id
            return raw
        return None

    def _ensure_chat(
        self, chat_id: int, chat_type: str | None, *, title: str | None = None
    ) -> _Chat:
        if chat_type is not None and chat_type not in _CHAT_TYPES:
            raise ValueError(f"unknown chat type {chat_type!r}")
        chat = self._chats.get(chat_id)
        if chat is None:
            kind = chat_type or _infer_chat_type(chat_id)
            chat = _Chat(id=chat_id, type=kind)
            if kind != "private":
                chat.title = title or f"{kind.capitalize()} {chat_id}"
            self._chats[chat_id] = chat
        elif title is not None:
            chat.title = title
        return chat

    def _resolve_chat(self, raw: Any, *, create: bool) -> _Chat:
        if raw is None or raw == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        resolved = self._peek_chat_id(raw)
        if isinstance(resolved, int):
            chat = self._chats.get(resolved)
            if chat is not None:
                return chat
            if create:
                return self._ensure_chat(resolved, None)
        raise _ApiError(400, "Bad Request: chat not found")

    def _target_chat(self, params: dict[str, Any], *, sending: bool = True) -> _Chat:
        """The chat a send/edit targets, after migration, block and membership checks."""
        chat = self._resolve_chat(params.get("chat_id"), create=not self.strict_chats)
        if chat.migrated_to is not None:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if not sending:
            return chat
        if chat.id in self._blocked:
            raise _ApiError(403, self._blocked[chat.id])
        status, rights = self._bot_membership(chat)
        if chat.type == "private":
            if status == "kicked":
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            return chat
        if status == "kicked":
            raise _ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if status == "left":
            raise _ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        if chat.type == "channel" and not (
            status == "creator" or (status == "administrator" and rights.get("can_post_messages"))
        ):
            raise _ApiError(400, "Bad Request: need administrator rights in the channel chat")
        if status == "restricted" and not rights.get("can_send_messages", True):
            raise _ApiError(400, "Bad Request: not enough rights to send text messages to the chat")
        return chat

    def _bot_membership(self, chat: _Chat) -> tuple[str, JSONDict]:
        entry = chat.members.get(self.bot_id)
        if entry is not None:
            return entry
        if chat.type == "channel":
            return "administrator", {"can_post_messages": True, "can_edit_messages": True}
        return "member", {}

    def _remember_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> JSONDict:
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": is_bot, "first_name": f"User {user_id}"}
            self._users[user_id] = user
        for key, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        return user

    def _user_json(self, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            return self.bot_user()
        user = self._users.get(user_id)
        if user is None:
            return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        return copy.deepcopy(user)

    def _chat_json(self, chat: _Chat) -> JSONDict:
        result: JSONDict = {"id": chat.id, "type": chat.type}
        if chat.type == "private":
            user = self._users.get(chat.id, {})
            result["first_name"] = chat.first_name or user.get("first_name") or f"User {chat.id}"
            last_name = chat.last_name or user.get("last_name")
            if last_name:
                result["last_name"] = last_name
            username = chat.username or user.get("username")
            if username:
                result["username"] = username
        else:
            result["title"] = chat.title or f"Chat {chat.id}"
            if chat.username:
                result["username"] = chat.username
        return result

    def _base_message(self, chat: _Chat, *, message_id: int | None = None) -> JSONDict:
        if message_id is None:
            message_id = chat.next_message_id
        chat.next_message_id = max(chat.next_message_id, message_id + 1)
        return {"message_id": message_id, "date": int(time.time()), "chat": self._chat_json(chat)}

    def _bot_message(self, chat: _Chat) -> JSONDict:
        message = self._base_message(chat)
        if chat.type == "channel":
            message["sender_chat"] = self._chat_json(chat)
        else:
            message["from"] = self.bot_user()
        return message

    def _enqueue(self, payload: JSONDict) -> JSONDict:
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, **payload}
        self._updates.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def _store_file(self, file_name: str, data: bytes, mime_type: str) -> _StoredFile:
        number = len(self._files) + 1
        suffix = file_name.rsplit(".", 1)[1] if "." in file_name else "bin"
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:06d}HaberciTestFile",
            file_unique_id=f"AgAD{number:06d}",
            file_name=file_name,
            mime_type=mime_type,
            data=bytes(data),
            file_path=f"documents/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def _formatted_text(
        self,
        text: Any,
        parse_mode: Any,
        raw_entities: Any,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
    ) -> tuple[str, list[JSONDict]]:
        """Plain text and entities of a text/caption, validated as Telegram does."""
        if not isinstance(text, str) or text == "":
            if empty is None:
                return "", []
            raise _ApiError(400, empty)
        entities: list[JSONDict] = []
        plain = text
        mode = parse_mode.lower() if isinstance(parse_mode, str) and parse_mode else None
        if mode == "html":
            try:
                plain, entities = parse_telegram_html(text)
            except HtmlParseError as exc:
                raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif mode is not None and mode not in ("markdown", "markdownv2"):
            raise _ApiError(400, "Bad Request: unsupported parse_mode")
        elif raw_entities is not None:
            decoded = _as_json_object(raw_entities, "message entities")
            if not isinstance(decoded, list):
                raise _ApiError(400, "Bad Request: can't parse message entities JSON object")
            entities = decoded
        plain, entities = _strip_text(plain, entities)
        if not plain:
            if empty is None:
                return "", []
            raise _ApiError(400, empty)
        if len(plain) > limit:
            raise _ApiError(400, too_long)
        return plain, entities

    def _reply_markup(self, raw: Any) -> JSONDict | None:
        if raw is None:
            return None
        markup = _as_json_object(raw, "reply keyboard markup")
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return markup
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard markup JSON object")
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text must be non-empty",
                    )
                if len(button) == 1:
                    raise _ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard",
                    )
                data = button.get("callback_data")
                if data is not None and (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not (
                    isinstance(url, str) and re.match(r"(?i)(https?|tg)://\S+$", url)
                ):
                    raise _ApiError(
                        400,
                        f"Bad Request: inline keyboard button URL '{url}' is invalid: "
                        "Wrong HTTP URL",
                    )
        return markup

    def _check_flood(self, chat: _Chat) -> None:
        if not self.enforce_limits:
            return
        wait = self.limiter.try_acquire(chat.id, group=chat.type != "private")
        if wait is not None:
            self._flood_429 += 1
            raise _ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    def _reply_to(self, chat: _Chat, params: dict[str, Any]) -> JSONDict | None:
        reply = params.get("reply_parameters")
        message_id: Any = params.get("reply_to_message_id")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if reply is not None:
            reply = _as_json_object(reply, "reply parameters")
            if isinstance(reply, dict):
                message_id = reply.get("message_id")
                allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        replied = self._messages.get((chat.id, _as_int(message_id, "message_id")))
        if replied is None:
            if allow_missing:
                return None
            raise _ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    # --- method handlers ------------------------------------------------------------------

    def _get_me(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSONDict:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        if self._webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset", 0), "offset")
        limit = min(100, max(1, _as_int(params.get("limit", 100), "limit")))
        wait = params.get("timeout", 0)
        wait_seconds = float(wait) if isinstance(wait, int | float) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while True:
            ready = [u for u in self._updates if self._update_allowed(u)][:limit]
            if ready or self.stopping:
                return copy.deepcopy(ready)
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _update_allowed(self, update: JSONDict) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATES

    def _send_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._target_chat(params)
        text = params.get("text")
        parse_mode = params.get("parse_mode")
        plain, entities = self._formatted_text(
            text,
            parse_mode,
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="Bad Request: message is too long",
            empty="Bad Request: message text is empty",
        )
        markup = self._reply_markup(params.get("reply_markup"))
        preview = params.get("link_preview_options")
        preview = _as_json_object(preview, "link preview options") if preview is not None else None
        replied = self._reply_to(chat, params)
        self._check_flood(chat)
        message = self._bot_message(chat)
        message["text"] = plain
        if entities:
            message["entities"] = entities
        if isinstance(preview, dict):
            message["link_preview_options"] = preview
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if replied is not None:
            message["reply_to_message"] = replied
        self._messages[(chat.id, message["message_id"])] = message
        dwpp = params.get("disable_web_page_preview")
        self._sent.append(
            SentMessage(
                chat_id=chat.id,
                message_id=message["message_id"],
                text=str(text),
                parse_mode=parse_mode if isinstance(parse_mode, str) else None,
                plain_text=plain,
                entities=copy.deepcopy(entities),
                reply_markup=markup,
                link_preview_options=preview if isinstance(preview, dict) else None,
                disable_web_page_preview=dwpp if isinstance(dwpp, bool) else None,
                time=self.clock(),
                params=dict(params),
            )
        )
        return copy.deepcopy(message)

    def _edit_message_text(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> JSONDict | bool:
        if params.get("inline_message_id") is not None:
            self._formatted_text(
                params.get("text"),
                params.get("parse_mode"),
                params.get("entities"),
                limit=MAX_TEXT_LENGTH,
                too_long="Bad Request: message is too long",
                empty="Bad Request: message text is empty",
            )
            return True
        chat = self._target_chat(params)
        if params.get("message_id") is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        message_id = _as_int(params["message_id"], "message_id")
        message = self._messages.get((chat.id, message_id))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        from_bot = message.get("from", {}).get("id") == self.bot_id or (
            chat.type == "channel" and "sender_chat" in message
        )
        if not from_bot or "text" not in message:
            raise _ApiError(400, "Bad Request: message can't be edited")
        plain, entities = self._formatted_text(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="Bad Request: message is too long",
            empty="Bad Request: message text is empty",
        )
        markup = self._reply_markup(params.get("reply_markup"))
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            message.get("text") == plain
            and message.get("entities", []) == entities
            and message.get("reply_markup") == new_markup
        ):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = plain
        message.pop("entities", None)
        message.pop("reply_markup", None)
        if entities:
            message["entities"] = entities
        if new_markup is not None:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat = self._target_chat(params, sending=False)
        message_id = _as_int(params.get("message_id"), "message_id")
        if self._messages.pop((chat.id, message_id), None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _send_document(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._target_chat(params)
        upload = files.get("document")
        document = params.get("document")
        if upload is None and isinstance(document, str) and document.startswith("attach://"):
            upload = files.get(document.removeprefix("attach://"))
        if upload is not None:
            stored = None
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
        elif document is None:
            raise _ApiError(400, "Bad Request: there is no document in the request")
        else:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption, caption_entities = self._formatted_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION_LENGTH,
            too_long="Bad Request: message caption is too long",
            empty=None,
        )
        markup = self._reply_markup(params.get("reply_markup"))
        replied = self._reply_to(chat, params)
        self._check_flood(chat)
        if stored is None:
            assert upload is not None
            stored = self._store_file(upload.filename, upload.data, upload.mime_type)
        message = self._bot_message(chat)
        message["document"] = stored.document_json()
        if caption:
            message["caption"] = caption
        if caption_entities:
            message["caption_entities"] = caption_entities
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if replied is not None:
            message["reply_to_message"] = replied
        self._messages[(chat.id, message["message_id"])] = message
        parse_mode = params.get("parse_mode")
        self._documents.append(
            SentDocument(
                chat_id=chat.id,
                message_id=message["message_id"],
                file_id=stored.file_id,
                filename=stored.file_name,
                data=stored.data,
                mime_type=stored.mime_type,
                caption=params.get("caption"),
                parse_mode=parse_mode if isinstance(parse_mode, str) else None,
                time=self.clock(),
            )
        )
        return copy.deepcopy(message)

    def _get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSONDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_queries.discard(query_id)
        return True

    def _get_chat(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"), create=False)
        info = self._chat_json(chat)
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }
        )
        if chat.type in ("group", "supergroup"):
            info["permissions"] = {"can_send_messages": True, "can_send_polls": True}
        return info

    def _get_chat_member(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"), create=False)
        if params.get("user_id") is None:
            raise _ApiError(400, "Bad Request: user_id is empty")
        user_id = _as_int(params["user_id"], "user_id")
        entry = chat.members.get(user_id)
        if entry is None:
            if user_id == self.bot_id:
                entry = self._bot_membership(chat)
            elif chat.type == "private" and user_id == chat.id:
                entry = ("member", {})
            else:
                entry = ("left", {})
        status, overrides = entry
        member: JSONDict = {"status": status, "user": self._user_json(user_id)}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(_ADMIN_RIGHTS)
            if chat.type == "channel":
                member.update({"can_post_messages": False, "can_edit_messages": False})
            else:
                member["can_pin_messages"] = True
            if chat.type == "supergroup":
                member["can_manage_topics"] = False
        elif status == "restricted":
            member.update(_RESTRICTED_RIGHTS)
        elif status == "kicked":
            member["until_date"] = 0
        member.update(overrides)
        return member

    def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        url = params.get("url") or ""
        if not isinstance(url, str):
            raise _ApiError(400, "Bad Request: invalid webhook URL specified")
        secret = params.get("secret_token")
        if secret is not None and not (
            isinstance(secret, str) and _SECRET_TOKEN_RE.fullmatch(secret)
        ):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if not url:
            self._webhook = None
            return True
        if not re.match(r"(?i)https?://[^/\s]+", url):
            raise _ApiError(400, "Bad Request: bad webhook: Failed to resolve host")
        allowed = params.get("allowed_updates")
        self._webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=_as_int(params.get("max_connections", 40), "max_connections"),
            allowed_updates=[str(a) for a in allowed] if isinstance(allowed, list) else None,
            ip_address=params.get("ip_address"),
            has_custom_certificate="certificate" in files,
        )
        self._webhook_error = None
        self._poll_generation += 1  # a pending long poll ends with 409, as on Telegram
        self._cond.notify_all()
        return True

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._webhook = None
        self._webhook_error = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSONDict:
        config = self._webhook
        info: JSONDict = {
            "url": config.url if config else "",
            "has_custom_certificate": bool(config and config.has_custom_certificate),
            "pending_update_count": len(self._updates),
        }
        if config is not None:
            info["max_connections"] = config.max_connections
            if config.ip_address:
                info["ip_address"] = config.ip_address
            if config.allowed_updates is not None:
                info["allowed_updates"] = config.allowed_updates
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if isinstance(scope, str):
            scope = _as_json_object(scope, "bot command scope")
        if not scope:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        commands = _as_json_object(params.get("commands"), "bot commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_NAME_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _get_my_commands(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(
            self._commands_key(params.get("scope"), params.get("language_code")), None
        )
        return True


# --- HTTP layer -----------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    """Threading HTTP server tracking connections so that :meth:`stop` can cut them."""

    daemon_threads = True
    request_queue_size = 128
    block_on_close = False

    def __init__(self, address: tuple[str, int], telegram: TelegramServer) -> None:
        self.telegram = telegram
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup ``HTTPServer.server_bind`` performs."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Remember the connection, then serve it from a worker thread."""
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        """Forget and close the connection."""
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def abort_connections(self) -> None:
        """Shut down every open client connection."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore disconnects (clients that timed out or were cancelled)."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError) and (
            isinstance(error, _DISCONNECT_ERRORS) or self.telegram.stopping
        ):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "haberci-test-telegram-server/1.0"
    sys_version = ""

    @property
    def telegram(self) -> TelegramServer:
        """The owning fake."""
        return cast(_HTTPServer, self.server).telegram

    def log_message(self, format: str, *args: object) -> None:
        """No request log on stderr."""

    def do_GET(self) -> None:
        """GET: API calls with query parameters, and file downloads."""
        self._dispatch()

    def do_POST(self) -> None:
        """POST: API calls."""
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
            split = urlsplit(self.path)
            path = unquote(split.path)
            telegram = self.telegram
            if path.startswith("/file/bot"):
                token, _, file_path = path.removeprefix("/file/bot").partition("/")
                status, payload = telegram.serve_file(token, file_path)
                content_type = "application/octet-stream" if status == 200 else "application/json"
                self._send(status, content_type, payload)
                return
            if not path.startswith("/bot"):
                self._send_json(404, _error_body(404, "Not Found"))
                return
            token, _, method = path.removeprefix("/bot").partition("/")
            try:
                params, files = decode_request(
                    self.headers.get("Content-Type", ""), body, split.query
                )
            except (ValueError, UnicodeDecodeError) as exc:
                self._send_json(400, _error_body(400, f"Bad Request: can't parse request: {exc}"))
                return
            status, answer = telegram.handle_api_request(token, method.strip("/"), params, files)
            if isinstance(answer, bytes):
                self._send(status, "text/html", answer)
            else:
                self._send_json(status, answer)
        except _DISCONNECT_ERRORS:
            self.close_connection = True
        except OSError:
            if not self.telegram.stopping:
                raise
            self.close_connection = True

    def _send_json(self, status: int, body: JSONDict) -> None:
        self._send(status, "application/json", json.dumps(body, ensure_ascii=False).encode())

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
