"""A local fake of Discord (REST API v10 and the gateway) for tests, good enough for discord.py 2.

``DiscordServer`` runs an aiohttp server on ``127.0.0.1`` (port 0) in its own event loop in a
daemon thread.  It answers ``{url}/api/v10/...`` like discord.com and speaks the gateway
protocol on ``ws://127.0.0.1:PORT/gateway``, so the real ``discord.Client`` and
``discord.app_commands.CommandTree`` log in and run against it::

    with DiscordServer() as server, server.patch_discord_py():
        guild_id = server.add_guild("Haberci")            # @everyone, owner, bot, #genel
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        ...                                               # define commands on a CommandTree
        task = asyncio.create_task(client.start(server.token))
        await server.wait_for_gateway_async()             # READY and GUILD_CREATE were sent
        await tree.sync()
        pushed = server.push_command("topic", {"slug": "s400"}, guild_id=guild_id)
        reply = await server.wait_for_response_async(pushed)
        assert reply.ephemeral and reply.embeds[0]["title"] == "S-400"

:meth:`DiscordServer.patch_discord_py` points ``discord.http.Route.BASE`` (every REST URL,
interaction callbacks and follow-up webhooks included) and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` at the fake and restores them afterwards.
discord.py reaches the gateway without asking ``/gateway/bot`` and appends
``?v=10&encoding=json&compress=zlib-stream``; the fake honours ``zlib-stream`` (one shared
``compressobj`` per connection, each frame ending in the ``Z_SYNC_FLUSH`` marker) and sends
plain text frames otherwise (``compress_gateway=False``, or ``zstd-stream`` on Python 3.14).

REST answers carry ``Content-Type: application/json`` exactly (discord.py parses nothing
else) and ``Via: 1.1 google`` (discord.py retries a 429 only when ``Via`` is present and the
body has ``retry_after``; a 429 without ``Via`` looks like a Cloudflare ban and raises
``HTTPException``).  Errors use Discord's shape ``{"message": ..., "code": N}`` plus
``"errors"`` for 50035 Invalid Form Body, which discord.py maps to ``Forbidden`` (403),
``NotFound`` (404), ``DiscordServerError`` (5xx, retried up to five times with 1, 3, 5 ... s
sleeps) and ``HTTPException``.  Requests need ``Authorization: Bot {token}`` (401 otherwise,
``LoginFailure`` at login) except the interaction routes, which are authorised by their token.

REST routes (``{route}`` keys as in :data:`ROUTES`): ``GET /users/@me``,
``GET /users/@me/guilds``, ``POST /users/@me/channels`` (open a DM), ``GET /users/{id}``,
``GET /oauth2/applications/@me``, ``GET /gateway``, ``GET /gateway/bot``, ``GET`` and ``PUT``
of ``/applications/{app}/commands`` and ``/applications/{app}/guilds/{guild}/commands`` (bulk
overwrite, validated: names, descriptions, 25 options, 25 choices, required first),
``POST /interactions/{id}/{token}/callback`` (``?with_response=1`` answers the
``InteractionCallback`` object, otherwise 204), ``POST /webhooks/{app}/{token}`` (follow-ups,
``?wait=1``), ``GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{id|@original}``,
``GET /channels/{id}``, ``GET/POST /channels/{id}/messages``,
``GET/PATCH/DELETE /channels/{id}/messages/{id}``, ``POST /channels/{id}/typing``,
``GET /guilds/{id}``, ``GET /guilds/{id}/channels``, ``GET /guilds/{id}/roles``,
``GET /guilds/{id}/members/{user}``; attachments are served at ``/attachments/...``.  Anything
else answers 404 ``{"message": "404: Not Found", "code": 0}`` and is listed in
:attr:`~DiscordServer.unknown_routes`.  Messages may be JSON or ``multipart/form-data`` with
``payload_json`` and ``files[n]`` parts.

What Discord checks, checked here too: content at most 2000 characters, at most 10 embeds,
embed title 256, description 4096, 25 fields (name 256, value 1024), footer 2048, author 256,
6000 characters over all embeds of a message (400 code 50035 with Discord's nested
``errors``), an empty message (400 50006), uploads over ``upload_limit`` (413 40005),
autocomplete results of more than 25 choices (400 50035).  Sends to a guild channel need the
bot's VIEW_CHANNEL (403 50001 Missing Access) and SEND_MESSAGES (403 50013 Missing
Permissions), files need ATTACH_FILES (403 50013) and embeds are dropped silently without
EMBED_LINKS, all computed from roles, the owner and channel overwrites as Discord does.  A DM
to a user who blocks DMs is 403 50007.  An interaction must be answered within
``interaction_deadline`` seconds (404 10062 Unknown interaction after that) and once only (400
40060); follow-ups need an acknowledged interaction (404 10015 Unknown Webhook) whose token is
not older than 15 minutes (401 50027).  The first follow-up after a deferred (type 5) response
fills the loading message, keeping the deferral's ephemeral flag, as on Discord.

Gateway: HELLO (op 10) with ``heartbeat_interval``, heartbeats (op 1) answered with op 11,
IDENTIFY (op 2; a wrong token closes with 4004, privileged intents outside
``privileged_intents`` close with 4014) answered with READY (``v``, ``user``, unavailable guild
stubs, ``session_id``, ``resume_gateway_url``, ``application``, ``shard`` when asked) and one
GUILD_CREATE per guild (channels, roles, the bot's member, every member only with the
GUILD_MEMBERS intent), RESUME (op 6) replaying missed dispatches and then RESUMED (op 9
``false`` for an unknown or closed session), REQUEST_GUILD_MEMBERS (op 8) answered with one
GUILD_MEMBERS_CHUNK; presence and voice updates are accepted and ignored.  Changes made
through the hooks below while a client is connected are dispatched too (GUILD_CREATE,
CHANNEL_CREATE/UPDATE, GUILD_ROLE_CREATE/UPDATE, GUILD_MEMBER_ADD with GUILD_MEMBERS,
GUILD_DELETE).

Test hooks:

* set-up: :meth:`~DiscordServer.add_user`, :meth:`~DiscordServer.add_guild` (with an
  ``@everyone`` role, the owner, the bot and its managed role, text channels),
  :meth:`~DiscordServer.add_role`, :meth:`~DiscordServer.add_member`,
  :meth:`~DiscordServer.add_text_channel`, :meth:`~DiscordServer.set_overwrite`,
  :meth:`~DiscordServer.set_bot_permissions`, :meth:`~DiscordServer.remove_guild`,
  :meth:`~DiscordServer.dm_channel`, :meth:`~DiscordServer.block_dms`,
  :meth:`~DiscordServer.channel_permissions`, :meth:`~DiscordServer.text_channels`;
  permission bits such as :data:`MANAGE_GUILD` are module constants.
* interactions in: :meth:`~DiscordServer.push_command` (slash commands, ``"channel add"`` for
  subcommands, options typed and resolved from the synced schema, ``default_member_permissions``
  and contexts enforced unless ``check_permissions=False``),
  :meth:`~DiscordServer.push_autocomplete` (one focused option),
  :meth:`~DiscordServer.push_component` (a click on a button of a message the bot sent),
  :meth:`~DiscordServer.add_attachment` (a file for an attachment option),
  :meth:`~DiscordServer.push_interaction` (a raw payload), :meth:`~DiscordServer.dispatch`
  (any gateway event), :meth:`~DiscordServer.interact` (push and wait).
* answers out: :meth:`~DiscordServer.wait_for_response` /
  :meth:`~DiscordServer.wait_for_response_async` (an :class:`InteractionResponse`),
  :meth:`~DiscordServer.response`, :meth:`~DiscordServer.interaction_messages` (the original
  and follow-ups as :class:`SentMessage`), :meth:`~DiscordServer.sent_messages`,
  :meth:`~DiscordServer.wait_for_messages` / :meth:`~DiscordServer.wait_for_messages_async`,
  :meth:`~DiscordServer.message`, :meth:`~DiscordServer.duplicates`,
  :meth:`~DiscordServer.commands`, :meth:`~DiscordServer.command`,
  :attr:`~DiscordServer.command_syncs`, :attr:`~DiscordServer.requests`,
  :meth:`~DiscordServer.requests_for`, :attr:`~DiscordServer.sent_429_count`,
  :attr:`~DiscordServer.limit_429_count`, :attr:`~DiscordServer.unknown_routes`,
  :meth:`~DiscordServer.clear_requests`, :meth:`~DiscordServer.wait_until_async`.
* gateway: :meth:`~DiscordServer.wait_for_gateway` /
  :meth:`~DiscordServer.wait_for_gateway_async`, :attr:`~DiscordServer.gateway_stats`,
  :meth:`~DiscordServer.reconnect_gateway` (op 7), :meth:`~DiscordServer.invalidate_session`
  (op 9), :meth:`~DiscordServer.close_gateway` (close code).
* failures: :meth:`~DiscordServer.fail_next` (a route key from :data:`ROUTES` or ``"*"``,
  optionally one channel) with :func:`rate_limited` (429, ``retry_after``, ``global``, ``Via``),
  :func:`missing_permissions` (403 50013), :func:`missing_access` (403 50001),
  :func:`unknown_channel` (404 10003), :func:`unknown_message` (404 10008),
  :func:`cannot_message_user` (403 50007), :func:`server_error` (5xx), :func:`slow` (delay,
  then answer normally) and :func:`api_error` (anything else).
* rate limits: ``enforce_limits=True`` switches on :class:`RateLimits` (50 requests per second
  over all bot requests, interaction routes excepted; 5 message sends per 5 s per channel),
  answered like Discord with 429 ``{"message", "retry_after", "global"}`` plus ``Retry-After``
  and ``X-RateLimit-Scope``; message sends carry ``X-RateLimit-Limit``, ``-Remaining``,
  ``-Reset``, ``-Reset-After`` (rounded up to the millisecond) and ``-Bucket`` so that
  discord.py waits pre-emptively and never sees those 429s.  Without ``enforce_limits`` no
  rate-limit headers are sent at all (so that unrelated tests do not wait).  Limits and
  interaction deadlines are measured with ``clock`` (:class:`ManualClock` for hand-driven
  time; discord.py sleeps in real time, so use the real clock when it must obey headers).

Known gaps: message components are stored as sent and clicked with ``push_component``, but
neither validated nor updated by a type 7 callback; no modals, no threads, no
MESSAGE_CREATE for the bot's own messages, no user-sent messages (``dispatch`` them raw), one
shard's worth of guilds per session, lengths counted in code points.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import datetime as dtm
import hashlib
import json
import math
import re
import secrets
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, TypeVar

from aiohttp import BodyPartReader, WSMsgType, web

from tests.support.clock import ManualClock

__all__ = [
    "ADD_REACTIONS",
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "API_VERSION",
    "ATTACH_FILES",
    "CREATE_DM",
    "CREATE_FOLLOWUP",
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "DELETE_INTERACTION_MESSAGE",
    "DELETE_MESSAGE",
    "EDIT_INTERACTION_MESSAGE",
    "EDIT_MESSAGE",
    "EMBED_LINKS",
    "EPHEMERAL",
    "GET_APPLICATION",
    "GET_CHANNEL",
    "GET_CURRENT_USER",
    "GET_GATEWAY",
    "GET_GATEWAY_BOT",
    "GET_GLOBAL_COMMANDS",
    "GET_GUILD",
    "GET_GUILD_CHANNELS",
    "GET_GUILD_COMMANDS",
    "GET_GUILD_ROLES",
    "GET_INTERACTION_MESSAGE",
    "GET_MEMBER",
    "GET_MESSAGE",
    "GET_MESSAGES",
    "GET_MY_GUILDS",
    "GET_USER",
    "INTERACTION_CALLBACK",
    "LOADING",
    "MANAGE_CHANNELS",
    "MANAGE_GUILD",
    "MENTION_EVERYONE",
    "READ_MESSAGE_HISTORY",
    "ROUTES",
    "SEND_MESSAGE",
    "SEND_MESSAGES",
    "SUPPRESS_EMBEDS",
    "SYNC_GLOBAL_COMMANDS",
    "SYNC_GUILD_COMMANDS",
    "TRIGGER_TYPING",
    "USE_APPLICATION_COMMANDS",
    "VIEW_CHANNEL",
    "BucketState",
    "DiscordServer",
    "GatewayStats",
    "InjectedError",
    "InteractionResponse",
    "ManualClock",
    "PushedInteraction",
    "RateLimiter",
    "RateLimits",
    "Request",
    "SentMessage",
    "UploadedFile",
    "api_error",
    "cannot_message_user",
    "missing_access",
    "missing_permissions",
    "rate_limited",
    "server_error",
    "slow",
    "unknown_channel",
    "unknown_message",
]

JSONDict = dict[str, Any]
_T = TypeVar("_T")

API_VERSION: Final = 10
DISCORD_EPOCH_MS: Final = 1_420_070_400_000
DEFAULT_APPLICATION_ID: Final = 1_290_000_000_000_000_001  # bot user id == application id
DEFAULT_USER_ID: Final = 1_290_000_000_000_000_101  # "ayse", owner of guilds by default


def _make_token(application_id: int) -> str:
    """A token shaped like Discord's: base64(user id).timestamp.hmac."""
    first = base64.b64encode(str(application_id).encode()).decode().rstrip("=")
    return f"{first}.GHbrci.haberci-test-token-0123456789abcdefghijk"


DEFAULT_TOKEN: Final = _make_token(DEFAULT_APPLICATION_ID)

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR: Final = 1 << 3
MANAGE_CHANNELS: Final = 1 << 4
MANAGE_GUILD: Final = 1 << 5
ADD_REACTIONS: Final = 1 << 6
VIEW_CHANNEL: Final = 1 << 10
SEND_MESSAGES: Final = 1 << 11
EMBED_LINKS: Final = 1 << 14
ATTACH_FILES: Final = 1 << 15
READ_MESSAGE_HISTORY: Final = 1 << 16
MENTION_EVERYONE: Final = 1 << 17
USE_APPLICATION_COMMANDS: Final = 1 << 31
ALL_PERMISSIONS: Final = (1 << 51) - 1
DEFAULT_EVERYONE_PERMISSIONS: Final = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
)
DEFAULT_BOT_PERMISSIONS: Final = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
)
_DM_PERMISSIONS: Final = DEFAULT_BOT_PERMISSIONS | ADD_REACTIONS | USE_APPLICATION_COMMANDS

# Message flags.
SUPPRESS_EMBEDS: Final = 1 << 2
EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7

# Gateway intents.
_INTENT_GUILD_MEMBERS: Final = 1 << 1
_INTENT_GUILD_PRESENCES: Final = 1 << 8
_INTENT_MESSAGE_CONTENT: Final = 1 << 15
_PRIVILEGED_INTENTS: Final = (
    _INTENT_GUILD_MEMBERS | _INTENT_GUILD_PRESENCES | _INTENT_MESSAGE_CONTENT
)

# Interaction and callback types.
_APPLICATION_COMMAND: Final = 2
_MESSAGE_COMPONENT: Final = 3
_AUTOCOMPLETE: Final = 4
_MODAL_SUBMIT: Final = 5
_CHANNEL_MESSAGE: Final = 4
_DEFERRED_CHANNEL_MESSAGE: Final = 5
_DEFERRED_UPDATE_MESSAGE: Final = 6
_UPDATE_MESSAGE: Final = 7
_AUTOCOMPLETE_RESULT: Final = 8
_MODAL: Final = 9
_ALLOWED_CALLBACKS: Final = {
    _APPLICATION_COMMAND: frozenset({_CHANNEL_MESSAGE, _DEFERRED_CHANNEL_MESSAGE, _MODAL}),
    _AUTOCOMPLETE: frozenset({_AUTOCOMPLETE_RESULT}),
    _MESSAGE_COMPONENT: frozenset(
        {
            _CHANNEL_MESSAGE,
            _DEFERRED_CHANNEL_MESSAGE,
            _DEFERRED_UPDATE_MESSAGE,
            _UPDATE_MESSAGE,
            _MODAL,
        }
    ),
    _MODAL_SUBMIT: frozenset(
        {_CHANNEL_MESSAGE, _DEFERRED_CHANNEL_MESSAGE, _DEFERRED_UPDATE_MESSAGE, _UPDATE_MESSAGE}
    ),
}

# Channel types.
_GUILD_TEXT: Final = 0
_DM: Final = 1

# Limits.
MAX_CONTENT: Final = 2000
MAX_EMBEDS: Final = 10
MAX_EMBED_TITLE: Final = 256
MAX_EMBED_DESCRIPTION: Final = 4096
MAX_EMBED_FIELDS: Final = 25
MAX_FIELD_NAME: Final = 256
MAX_FIELD_VALUE: Final = 1024
MAX_FOOTER: Final = 2048
MAX_AUTHOR_NAME: Final = 256
MAX_EMBED_TOTAL: Final = 6000
MAX_CHOICES: Final = 25
MAX_OPTIONS: Final = 25
DEFAULT_UPLOAD_LIMIT: Final = 10 * 1024 * 1024
INTERACTION_TOKEN_LIFETIME: Final = 15 * 60.0
_REPLAY_BUFFER: Final = 2000
_COMMAND_NAME_RE: Final = re.compile(r"^[-_\w]{1,32}$")

# Route keys, for fail_next and requests_for.
GET_CURRENT_USER: Final = "GET /users/@me"
GET_APPLICATION: Final = "GET /oauth2/applications/@me"
GET_GLOBAL_COMMANDS: Final = "GET /applications/{application_id}/commands"
SYNC_GLOBAL_COMMANDS: Final = "PUT /applications/{application_id}/commands"
GET_GUILD_COMMANDS: Final = "GET /applications/{application_id}/guilds/{guild_id}/commands"
SYNC_GUILD_COMMANDS: Final = "PUT /applications/{application_id}/guilds/{guild_id}/commands"
INTERACTION_CALLBACK: Final = "POST /interactions/{interaction_id}/{interaction_token}/callback"
CREATE_FOLLOWUP: Final = "POST /webhooks/{application_id}/{interaction_token}"
GET_INTERACTION_MESSAGE: Final = (
    "GET /webhooks/{application_id}/{interaction_token}/messages/{message_id}"
)
EDIT_INTERACTION_MESSAGE: Final = (
    "PATCH /webhooks/{application_id}/{interaction_token}/messages/{message_id}"
)
DELETE_INTERACTION_MESSAGE: Final = (
    "DELETE /webhooks/{application_id}/{interaction_token}/messages/{message_id}"
)
GET_CHANNEL: Final = "GET /channels/{channel_id}"
GET_MESSAGES: Final = "GET /channels/{channel_id}/messages"
SEND_MESSAGE: Final = "POST /channels/{channel_id}/messages"
GET_MESSAGE: Final = "GET /channels/{channel_id}/messages/{message_id}"
EDIT_MESSAGE: Final = "PATCH /channels/{channel_id}/messages/{message_id}"
DELETE_MESSAGE: Final = "DELETE /channels/{channel_id}/messages/{message_id}"
TRIGGER_TYPING: Final = "POST /channels/{channel_id}/typing"
CREATE_DM: Final = "POST /users/@me/channels"
GET_MY_GUILDS: Final = "GET /users/@me/guilds"
GET_USER: Final = "GET /users/{user_id}"
GET_GATEWAY: Final = "GET /gateway"
GET_GATEWAY_BOT: Final = "GET /gateway/bot"
GET_GUILD: Final = "GET /guilds/{guild_id}"
GET_GUILD_CHANNELS: Final = "GET /guilds/{guild_id}/channels"
GET_GUILD_ROLES: Final = "GET /guilds/{guild_id}/roles"
GET_MEMBER: Final = "GET /guilds/{guild_id}/members/{user_id}"
# Literal paths come before templates that would also match them ("@me" vs "{user_id}").
ROUTES: Final = (
    GET_CURRENT_USER,
    GET_MY_GUILDS,
    CREATE_DM,
    GET_USER,
    GET_APPLICATION,
    GET_GATEWAY,
    GET_GATEWAY_BOT,
    GET_GLOBAL_COMMANDS,
    SYNC_GLOBAL_COMMANDS,
    GET_GUILD_COMMANDS,
    SYNC_GUILD_COMMANDS,
    INTERACTION_CALLBACK,
    CREATE_FOLLOWUP,
    GET_INTERACTION_MESSAGE,
    EDIT_INTERACTION_MESSAGE,
    DELETE_INTERACTION_MESSAGE,
    GET_CHANNEL,
    GET_MESSAGES,
    SEND_MESSAGE,
    GET_MESSAGE,
    EDIT_MESSAGE,
    DELETE_MESSAGE,
    TRIGGER_TYPING,
    GET_GUILD,
    GET_GUILD_CHANNELS,
    GET_GUILD_ROLES,
    GET_MEMBER,
)
_TOKEN_ROUTES: Final = frozenset(
    {
        INTERACTION_CALLBACK,
        CREATE_FOLLOWUP,
        GET_INTERACTION_MESSAGE,
        EDIT_INTERACTION_MESSAGE,
        DELETE_INTERACTION_MESSAGE,
    }
)
_NO_AUTH_ROUTES: Final = _TOKEN_ROUTES | {GET_GATEWAY}


# --- public value types ---------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Request:
    """One REST request as the server saw it and answered it.

    ``route`` is the route key (``"POST /channels/{channel_id}/messages"``, see
    :data:`ROUTES`; ``"? METHOD /path"`` for unknown paths), ``json`` the decoded JSON body
    (or ``payload_json`` of a multipart body), ``channel_id`` the channel the request concerns
    (path parameter, or the interaction's channel), ``code`` Discord's error code when it
    failed, ``time`` the server clock.
    """

    method: str
    path: str
    route: str
    query: dict[str, str]
    json: Any
    files: tuple[UploadedFile, ...]
    channel_id: int | None
    status: int
    code: int | None
    time: float

    @property
    def ok(self) -> bool:
        """Whether the request succeeded (2xx)."""
        return 200 <= self.status < 300


def _embed_texts(embed: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    author = embed.get("author")
    if isinstance(author, dict) and author.get("name"):
        texts.append(str(author["name"]))
    for key in ("title", "description"):
        if embed.get(key):
            texts.append(str(embed[key]))
    for embed_field in embed.get("fields") or []:
        if isinstance(embed_field, dict):
            texts.extend(str(embed_field.get(k) or "") for k in ("name", "value"))
    footer = embed.get("footer")
    if isinstance(footer, dict) and footer.get("text"):
        texts.append(str(footer["text"]))
    return texts


@dataclass(frozen=True)
class SentMessage:
    """A message the bot created, in its current state (edits applied).

    ``source`` is ``"channel"`` (``POST /channels/{id}/messages``), ``"interaction"`` (the
    original response of an interaction, type 4 or 5) or ``"followup"``.
    """

    id: int
    channel_id: int
    guild_id: int | None
    content: str
    embeds: list[JSONDict]
    flags: int
    files: list[UploadedFile]
    source: str
    interaction_id: int | None
    time: float
    edits: int
    deleted: bool
    payload: JSONDict

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user sees the message (flag 64)."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is still a deferred "is thinking..." message (flag 128)."""
        return bool(self.flags & LOADING)

    @property
    def text(self) -> str:
        """Content and every embed's author, title, description, fields and footer, one per
        line: what a reader sees, for assertions that do not care about the layout."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            parts.extend(_embed_texts(embed))
        return "\n".join(parts)


@dataclass(frozen=True)
class InteractionResponse:
    """The callback the bot gave to an interaction (``POST /interactions/.../callback``)."""

    interaction_id: int
    type: int
    data: JSONDict
    files: list[UploadedFile]
    time: float

    @property
    def content(self) -> str:
        """``data.content`` ("" when absent)."""
        return str(self.data.get("content") or "")

    @property
    def embeds(self) -> list[JSONDict]:
        """``data.embeds``."""
        return list(self.data.get("embeds") or [])

    @property
    def flags(self) -> int:
        """``data.flags``."""
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the answer (or the deferral) is ephemeral."""
        return bool(self.flags & EPHEMERAL)

    @property
    def deferred(self) -> bool:
        """Whether the bot deferred (type 5 or 6)."""
        return self.type in (_DEFERRED_CHANNEL_MESSAGE, _DEFERRED_UPDATE_MESSAGE)

    @property
    def choices(self) -> list[JSONDict]:
        """Autocomplete choices (type 8)."""
        return list(self.data.get("choices") or [])


@dataclass(frozen=True)
class PushedInteraction:
    """An INTERACTION_CREATE the server sent; pass it to the wait helpers."""

    id: int
    token: str
    type: int
    name: str
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: JSONDict


@dataclass(frozen=True)
class GatewayStats:
    """Counters of the gateway side."""

    connections: int
    identifies: int
    resumes: int
    heartbeats: int
    compressed_connections: int
    dispatched: tuple[str, ...]
    connected: bool


@dataclass(frozen=True)
class InjectedError:
    """An answer forced by :meth:`DiscordServer.fail_next`.

    ``delay`` seconds pass first.  With ``deliver`` the request is then handled normally;
    otherwise the server answers ``status`` with ``{"message", "code"}`` (plus ``errors``, or
    ``retry_after``/``global`` for a 429, with ``Via`` unless ``via`` is false).
    """

    status: int
    message: str
    code: int = 0
    retry_after: float | None = None
    is_global: bool = False
    via: bool = True
    delay: float = 0.0
    deliver: bool = False
    errors: JSONDict | None = None

    def body(self) -> JSONDict:
        """The JSON body Discord would send."""
        if self.status == 429:
            return {
                "message": self.message,
                "retry_after": self.retry_after if self.retry_after is not None else 1.0,
                "global": self.is_global,
            }
        body: JSONDict = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    def headers(self) -> dict[str, str]:
        """Extra headers of the answer."""
        headers: dict[str, str] = {}
        if self.status == 429:
            wait = self.retry_after if self.retry_after is not None else 1.0
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
            headers["X-RateLimit-Scope"] = "global" if self.is_global else "user"
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
        return headers


def rate_limited(
    retry_after: float = 1.0, *, is_global: bool = False, via: bool = True
) -> InjectedError:
    """429 "You are being rate limited." (discord.py sleeps ``retry_after`` and retries when
    ``via``; without ``Via`` it raises ``HTTPException`` as for a Cloudflare ban)."""
    return InjectedError(
        status=429,
        message="You are being rate limited.",
        retry_after=retry_after,
        is_global=is_global,
        via=via,
    )


def missing_permissions() -> InjectedError:
    """403 code 50013 (discord.py: ``Forbidden``)."""
    return InjectedError(status=403, code=50013, message="Missing Permissions")


def missing_access() -> InjectedError:
    """403 code 50001 (discord.py: ``Forbidden``)."""
    return InjectedError(status=403, code=50001, message="Missing Access")


def unknown_channel() -> InjectedError:
    """404 code 10003 (discord.py: ``NotFound``)."""
    return InjectedError(status=404, code=10003, message="Unknown Channel")


def unknown_message() -> InjectedError:
    """404 code 10008 (discord.py: ``NotFound``)."""
    return InjectedError(status=404, code=10008, message="Unknown Message")


def cannot_message_user() -> InjectedError:
    """403 code 50007, a DM to a user who does not accept them (``Forbidden``)."""
    return InjectedError(status=403, code=50007, message="Cannot send messages to this user")


def server_error(status: int = 500) -> InjectedError:
    """A 5xx; discord.py retries 500, 502, 504 and 524 (sleeping 1, 3, 5 ... s)."""
    return InjectedError(status=status, code=0, message=f"{status}: Internal Server Error")


def slow(seconds: float) -> InjectedError:
    """Hold the request for ``seconds``, then handle it normally."""
    return InjectedError(status=200, message="", delay=seconds, deliver=True)


def api_error(
    status: int, code: int, message: str, errors: JSONDict | None = None
) -> InjectedError:
    """Any other Discord error."""
    return InjectedError(status=status, code=code, message=message, errors=errors)


# --- rate limits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimits:
    """Discord's limits: a global budget per second and a per-channel budget for sends."""

    global_per_second: int = 50
    channel_messages: int = 5
    channel_messages_window: float = 5.0


@dataclass(frozen=True)
class BucketState:
    """The outcome of one :meth:`RateLimiter.take`."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float


class RateLimiter:
    """Fixed windows like Discord's buckets: a window opens with its first request and
    closes ``window`` seconds later, whatever happened in between."""

    def __init__(
        self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Use ``limits`` (Discord's when ``None``) measured with ``clock``."""
        self.limits = limits or RateLimits()
        if self.limits.global_per_second < 1 or self.limits.channel_messages < 1:
            raise ValueError("rate limits must allow at least one request")
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, window: float) -> BucketState:
        """Count one request in bucket ``key`` unless the bucket is exhausted."""
        now = self.clock()
        with self._lock:
            reset_at, used = self._windows.get(key, (0.0, 0))
            if now >= reset_at:
                reset_at, used = now + window, 0
            if used >= limit:
                return BucketState(False, limit, 0, reset_at - now)
            used += 1
            self._windows[key] = (reset_at, used)
            return BucketState(True, limit, limit - used, reset_at - now)

    def take_global(self) -> BucketState:
        """Count one request against the global per-second budget."""
        return self.take("global", self.limits.global_per_second, 1.0)

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()


# --- internals ------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: JSONDict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSONDict:
        body: JSONDict = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def _form_error(code: str, message: str) -> JSONDict:
    return {"_errors": [{"code": code, "message": message}]}


def _invalid_form(errors: JSONDict) -> _ApiError:
    return _ApiError(400, 50035, "Invalid Form Body", errors)


def _too_long(limit: int) -> JSONDict:
    return _form_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _length_between(low: int, high: int) -> JSONDict:
    return _form_error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _snowflake(value: Any, name: str) -> int:
    text = str(value)
    if not text.isdigit():
        raise _invalid_form(
            {name: _form_error("NUMBER_TYPE_COERCE", f'Value "{text}" is not snowflake.')}
        )
    return int(text)


def _iso(ts: float) -> str:
    return dtm.datetime.fromtimestamp(ts, dtm.UTC).isoformat()


def _ceil_ms(seconds: float) -> float:
    return math.ceil(max(seconds, 0.0) * 1000) / 1000


@dataclass
class _User:
    id: int
    username: str
    global_name: str | None
    bot: bool = False
    dms_blocked: bool = False


@dataclass
class _Role:
    id: int
    name: str
    permissions: int
    position: int
    managed: bool = False
    bot_id: int | None = None


@dataclass
class _Member:
    user_id: int
    roles: list[int]
    nick: str | None
    joined_at: str


@dataclass
class _Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int
    deny: int


@dataclass
class _Channel:
    id: int
    type: int
    guild_id: int | None
    name: str | None
    position: int = 0
    topic: str | None = None
    overwrites: dict[int, _Overwrite] = field(default_factory=dict)
    recipient_id: int | None = None
    last_message_id: int | None = None


@dataclass
class _Guild:
    id: int
    name: str
    owner_id: int
    joined_at: str
    roles: dict[int, _Role] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, _Member] = field(default_factory=dict)


@dataclass
class _Interaction:
    id: int
    token: str
    type: int
    name: str
    guild_id: int | None
    channel_id: int
    user_id: int
    created: float
    response: InteractionResponse | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)


@dataclass
class _Message:
    id: int
    channel_id: int
    guild_id: int | None
    content: str
    embeds: list[JSONDict]
    flags: int
    attachments: list[JSONDict]
    files: list[UploadedFile]
    source: str
    interaction_id: int | None
    created_at: str
    time: float
    payload: JSONDict
    edited_at: str | None = None
    edits: int = 0
    deleted: bool = False

    def snapshot(self) -> SentMessage:
        return SentMessage(
            id=self.id,
            channel_id=self.channel_id,
            guild_id=self.guild_id,
            content=self.content,
            embeds=copy.deepcopy(self.embeds),
            flags=self.flags,
            files=list(self.files),
            source=self.source,
            interaction_id=self.interaction_id,
            time=self.time,
            edits=self.edits,
            deleted=self.deleted,
            payload=copy.deepcopy(self.payload),
        )


@dataclass
class _Injection:
    route: str
    channel_id: int | None
    remaining: int
    error: InjectedError


@dataclass
class _Ctx:
    route: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[UploadedFile]


_Handler = Callable[[_Ctx], tuple[int, Any]]


@dataclass
class _RouteSpec:
    key: str
    method: str
    pattern: re.Pattern[str]
    handler: _Handler


def _compile_route(key: str, handler: _Handler) -> _RouteSpec:
    method, _, template = key.partition(" ")
    regex = ""
    for piece in re.split(r"(\{[a-z_]+\})", template):
        if piece.startswith("{"):
            regex += f"(?P<{piece[1:-1]}>[^/]+)"
        else:
            regex += re.escape(piece)
    return _RouteSpec(key, method, re.compile(f"^{regex}$"), handler)


class _Session:
    """A gateway session: survives its connection until closed with 1000/1001 or invalidated."""

    def __init__(self, session_id: str, intents: int) -> None:
        self.id = session_id
        self.intents = intents
        self.seq = 0
        self.buffer: list[JSONDict] = []
        self.connection: _Connection | None = None
        self.valid = True
        self.lock = asyncio.Lock()


class _Connection:
    def __init__(self, ws: web.WebSocketResponse, *, compress: bool) -> None:
        self.ws = ws
        self.compressor = zlib.compressobj() if compress else None
        self.session: _Session | None = None
        self.send_lock = asyncio.Lock()


# --- the server -----------------------------------------------------------------------------


class DiscordServer:
    """A fake Discord; see the module docstring.  World state is guarded by one lock; the
    aiohttp side runs in its own event loop in a daemon thread."""

    def __init__(
        self,
        *,
        token: str | None = None,
        application_id: int = DEFAULT_APPLICATION_ID,
        bot_name: str = "Haberci",
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        heartbeat_interval: float = 41.25,
        interaction_deadline: float = 3.0,
        compress_gateway: bool = True,
        privileged_intents: int = _PRIVILEGED_INTENTS,
        upload_limit: int = DEFAULT_UPLOAD_LIMIT,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Configure the fake; nothing is bound until :meth:`start`.

        The bot user's id is ``application_id`` (true of every bot created since 2019).
        ``enforce_limits`` switches on ``limits`` measured with ``clock``, which also times
        ``interaction_deadline`` (seconds to answer an interaction).  ``privileged_intents``
        are the privileged intent bits the "developer portal" allows; others close IDENTIFY
        with 4014.  A user "ayse" (:data:`DEFAULT_USER_ID`) exists from the start and owns the
        guilds :meth:`add_guild` creates unless told otherwise.
        """
        self.application_id = application_id
        self.bot_id = application_id
        self.token = token if token is not None else _make_token(application_id)
        self.bot_name = bot_name
        self.enforce_limits = enforce_limits
        self.clock = clock
        self.limiter = RateLimiter(limits, clock)
        self.heartbeat_interval = heartbeat_interval
        self.interaction_deadline = interaction_deadline
        self.compress_gateway = compress_gateway
        self.privileged_intents = privileged_intents
        self.upload_limit = upload_limit
        self.host = host
        self._requested_port = port
        self._bound_port: int | None = None
        self._cond = threading.Condition(threading.RLock())
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self._snowflake_last = 0
        self._users: dict[int, _User] = {}
        self._guilds: dict[int, _Guild] = {}
        self._channels: dict[int, _Channel] = {}
        self._dm_by_user: dict[int, int] = {}
        self._messages: dict[int, _Message] = {}
        self._message_order: list[int] = []
        self._interactions: dict[int, _Interaction] = {}
        self._interactions_by_token: dict[str, _Interaction] = {}
        self._commands: dict[int | None, list[JSONDict]] = {}
        self._command_syncs: list[tuple[int | None, list[str]]] = []
        self._requests: list[Request] = []
        self._injections: list[_Injection] = []
        self._unknown_routes: list[str] = []
        self._uploads: dict[int, tuple[JSONDict, UploadedFile]] = {}
        self._sent_429 = 0
        self._limit_429 = 0
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._connection_count = 0
        self._compressed_count = 0
        self._identifies = 0
        self._resumes = 0
        self._heartbeats = 0
        self._dispatched: list[str] = []
        self._add_user_locked(self.bot_id, bot_name, None, bot=True)
        self._add_user_locked(DEFAULT_USER_ID, "ayse", "Ayşe")
        self._routes = [_compile_route(key, handler) for key, handler in self._handlers().items()]

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> DiscordServer:
        """Bind and serve from a daemon thread; returns ``self``."""
        if self._thread is not None:
            raise RuntimeError("DiscordServer is already running")
        self._stopping = False
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._startup())
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=run, name="DiscordServer", daemon=True)
        self._loop = loop
        self._thread = thread
        thread.start()
        started.wait(10.0)
        if failure or not started.is_set():
            self._loop = None
            self._thread = None
            raise RuntimeError("DiscordServer failed to start") from (
                failure[0] if failure else None
            )
        return self

    def stop(self) -> None:
        """Close every gateway connection (1001) and stop serving."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._stopping = True
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=5.0)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5.0)
        self._loop = None
        self._thread = None
        self._runner = None

    def __enter__(self) -> DiscordServer:
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

    async def _startup(self) -> None:
        app = web.Application(client_max_size=self.upload_limit * 4 + 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_get(
            "/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment
        )
        app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", self._handle_api)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._runner = runner
        self._bound_port = int(runner.addresses[0][1])

    async def _shutdown(self) -> None:
        for connection in list(self._connections):
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001, message=b"server stopping")
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def port(self) -> int:
        """The bound port."""
        if self._bound_port is None:
            raise RuntimeError("DiscordServer has not been started; the port is not known yet")
        return self._bound_port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE`` (``{url}/api/v10``)."""
        return f"{self.url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """``ws://127.0.0.1:PORT/gateway`` (also the ``resume_gateway_url``)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @contextlib.contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this server, then restore."""
        import yarl
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE = old_base
            DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # --- world set-up ---------------------------------------------------------------------

    def _next_snowflake(self) -> int:
        with self._cond:
            value = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
            value = max(value, self._snowflake_last + 1)
            self._snowflake_last = value
            return value

    def _add_user_locked(
        self, user_id: int, username: str, global_name: str | None, *, bot: bool = False
    ) -> _User:
        user = _User(id=user_id, username=username, global_name=global_name, bot=bot)
        self._users[user_id] = user
        return user

    def add_user(
        self,
        username: str,
        *,
        user_id: int | None = None,
        global_name: str | None = None,
        bot: bool = False,
    ) -> int:
        """Create a user; returns its id."""
        with self._cond:
            uid = user_id if user_id is not None else self._next_snowflake()
            if uid in self._users:
                raise ValueError(f"user {uid} exists already")
            self._add_user_locked(uid, username, global_name, bot=bot)
            return uid

    def add_guild(
        self,
        name: str = "Haberci Test",
        *,
        guild_id: int | None = None,
        owner_id: int = DEFAULT_USER_ID,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        text_channels: Sequence[str] = ("genel",),
    ) -> int:
        """Create a guild the bot is in; returns its id.

        It gets the ``@everyone`` role (id = guild id) with ``everyone_permissions``, the
        owner as a member, the bot as a member with a managed role holding
        ``bot_permissions``, and one text channel per name (:meth:`text_channels`).  A
        connected client receives GUILD_CREATE.
        """
        with self._cond:
            if owner_id not in self._users:
                raise ValueError(f"unknown owner {owner_id}; add_user() first")
            gid = guild_id if guild_id is not None else self._next_snowflake()
            if gid in self._guilds:
                raise ValueError(f"guild {gid} exists already")
            now = _iso(time.time())
            guild = _Guild(id=gid, name=name, owner_id=owner_id, joined_at=now)
            guild.roles[gid] = _Role(gid, "@everyone", everyone_permissions, 0)
            bot_role = _Role(
                self._next_snowflake(), self.bot_name, bot_permissions, 1, True, self.bot_id
            )
            guild.roles[bot_role.id] = bot_role
            guild.members[owner_id] = _Member(owner_id, [], None, now)
            guild.members[self.bot_id] = _Member(self.bot_id, [bot_role.id], None, now)
            self._guilds[gid] = guild
            for position, channel_name in enumerate(text_channels):
                self._add_channel_locked(guild, channel_name, None, None, position)
            payload = self._guild_create_json(guild, _INTENT_GUILD_MEMBERS)
        self._notify_gateway("GUILD_CREATE", payload, guild_payload=True)
        return gid

    def _add_channel_locked(
        self, guild: _Guild, name: str, channel_id: int | None, topic: str | None, position: int
    ) -> _Channel:
        cid = channel_id if channel_id is not None else self._next_snowflake()
        if cid in self._channels:
            raise ValueError(f"channel {cid} exists already")
        channel = _Channel(cid, _GUILD_TEXT, guild.id, name, position, topic)
        self._channels[cid] = channel
        guild.channel_ids.append(cid)
        return channel

    def add_text_channel(
        self, guild_id: int, name: str, *, channel_id: int | None = None, topic: str | None = None
    ) -> int:
        """Create a text channel; returns its id (CHANNEL_CREATE to a connected client)."""
        with self._cond:
            guild = self._guild(guild_id)
            channel = self._add_channel_locked(
                guild, name, channel_id, topic, len(guild.channel_ids)
            )
            payload = self._channel_json(channel)
        self._notify_gateway("CHANNEL_CREATE", payload)
        return channel.id

    def text_channels(self, guild_id: int) -> list[int]:
        """The guild's text channel ids, in creation order."""
        with self._cond:
            return list(self._guild(guild_id).channel_ids)

    def add_role(
        self, guild_id: int, name: str, *, permissions: int = 0, role_id: int | None = None
    ) -> int:
        """Create a role (e.g. ``permissions=MANAGE_GUILD``); returns its id."""
        with self._cond:
            guild = self._guild(guild_id)
            rid = role_id if role_id is not None else self._next_snowflake()
            role = _Role(rid, name, permissions, len(guild.roles))
            guild.roles[rid] = role
            payload = {"guild_id": str(guild_id), "role": self._role_json(role)}
        self._notify_gateway("GUILD_ROLE_CREATE", payload)
        return rid

    def add_member(
        self, guild_id: int, user_id: int, *, roles: Sequence[int] = (), nick: str | None = None
    ) -> None:
        """Make an existing user a member with ``roles``."""
        with self._cond:
            guild = self._guild(guild_id)
            if user_id not in self._users:
                raise ValueError(f"unknown user {user_id}; add_user() first")
            for role_id in roles:
                if role_id not in guild.roles:
                    raise ValueError(f"unknown role {role_id} in guild {guild_id}")
            member = _Member(user_id, list(roles), nick, _iso(time.time()))
            guild.members[user_id] = member
            payload = self._member_json(guild, member)
            payload["guild_id"] = str(guild_id)
        self._notify_gateway("GUILD_MEMBER_ADD", payload, intent=_INTENT_GUILD_MEMBERS)

    def set_overwrite(
        self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a channel permission overwrite for a role (or ``@everyone``: the guild id) or
        a member; ``allow=deny=0`` removes it."""
        with self._cond:
            channel = self._channel(channel_id)
            guild = self._guild(channel.guild_id or 0)
            if target_id in guild.roles:
                kind = 0
            elif target_id in guild.members:
                kind = 1
            else:
                raise ValueError(f"{target_id} is neither a role nor a member of {guild.id}")
            if allow == 0 and deny == 0:
                channel.overwrites.pop(target_id, None)
            else:
                channel.overwrites[target_id] = _Overwrite(target_id, kind, allow, deny)
            payload = self._channel_json(channel)
        self._notify_gateway("CHANNEL_UPDATE", payload)

    def set_bot_permissions(self, guild_id: int, permissions: int) -> None:
        """Replace the permissions of the bot's managed role in a guild."""
        with self._cond:
            guild = self._guild(guild_id)
            role = next(r for r in guild.roles.values() if r.bot_id == self.bot_id)
            role.permissions = permissions
            payload = {"guild_id": str(guild_id), "role": self._role_json(role)}
        self._notify_gateway("GUILD_ROLE_UPDATE", payload)

    def remove_guild(self, guild_id: int) -> None:
        """The bot is kicked: the guild and its channels disappear (GUILD_DELETE)."""
        with self._cond:
            guild = self._guilds.pop(guild_id)
            for cid in guild.channel_ids:
                self._channels.pop(cid, None)
        self._notify_gateway("GUILD_DELETE", {"id": str(guild_id)})

    def dm_channel(self, user_id: int) -> int:
        """The id of the bot's DM channel with a user (created when needed)."""
        with self._cond:
            return self._dm_locked(user_id).id

    def block_dms(self, user_id: int, blocked: bool = True) -> None:
        """Make DMs to a user fail with 403 50007."""
        with self._cond:
            self._user(user_id).dms_blocked = blocked

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """A member's computed permissions in a channel (owner, roles, overwrites)."""
        with self._cond:
            channel = self._channel(channel_id)
            if channel.guild_id is None:
                return _DM_PERMISSIONS
            return self._permissions(self._guild(channel.guild_id), channel, user_id)

    # --- lookups and payloads (lock held) -------------------------------------------------

    def _guild(self, guild_id: int) -> _Guild:
        guild = self._guilds.get(guild_id)
        if guild is None:
            raise ValueError(f"unknown guild {guild_id}")
        return guild

    def _channel(self, channel_id: int) -> _Channel:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise ValueError(f"unknown channel {channel_id}")
        return channel

    def _user(self, user_id: int) -> _User:
        user = self._users.get(user_id)
        if user is None:
            raise ValueError(f"unknown user {user_id}")
        return user

    def _dm_locked(self, user_id: int) -> _Channel:
        self._user(user_id)
        cid = self._dm_by_user.get(user_id)
        if cid is None:
            cid = self._next_snowflake()
            self._channels[cid] = _Channel(cid, _DM, None, None, recipient_id=user_id)
            self._dm_by_user[user_id] = cid
        return self._channels[cid]

    def _base_permissions(self, guild: _Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        permissions = guild.roles[guild.id].permissions
        for role_id in member.roles if member else []:
            role = guild.roles.get(role_id)
            if role is not None:
                permissions |= role.permissions
        if permissions & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return permissions

    def _permissions(self, guild: _Guild, channel: _Channel, user_id: int) -> int:
        permissions = self._base_permissions(guild, user_id)
        if permissions == ALL_PERMISSIONS:
            return permissions
        everyone = channel.overwrites.get(guild.id)
        if everyone is not None:
            permissions = (permissions & ~everyone.deny) | everyone.allow
        member = guild.members.get(user_id)
        allow = deny = 0
        for role_id in member.roles if member else []:
            overwrite = channel.overwrites.get(role_id)
            if overwrite is not None and role_id != guild.id:
                allow |= overwrite.allow
                deny |= overwrite.deny
        permissions = (permissions & ~deny) | allow
        own = channel.overwrites.get(user_id)
        if own is not None and own.type == 1:
            permissions = (permissions & ~own.deny) | own.allow
        return permissions

    def _user_json(self, user_id: int) -> JSONDict:
        user = self._users[user_id]
        payload: JSONDict = {
            "id": str(user.id),
            "username": user.username,
            "global_name": user.global_name,
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "flags": 0,
            "collectibles": None,
            "primary_guild": None,
        }
        if user.bot:
            payload["bot"] = True
        return payload

    def _member_json(
        self, guild: _Guild, member: _Member, *, permissions: int | None = None
    ) -> JSONDict:
        payload: JSONDict = {
            "user": self._user_json(member.user_id),
            "roles": [str(r) for r in member.roles],
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if permissions is not None:
            payload["permissions"] = str(permissions)
        return payload

    def _role_json(self, role: _Role) -> JSONDict:
        payload: JSONDict = {
            "id": str(role.id),
            "name": role.name,
            "description": None,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": role.position,
            "permissions": str(role.permissions),
            "managed": role.managed,
            "mentionable": False,
            "flags": 0,
        }
        if role.bot_id is not None:
            payload["tags"] = {"bot_id": str(role.bot_id)}
        return payload

    def _channel_json(self, channel: _Channel) -> JSONDict:
        if channel.type == _DM:
            assert channel.recipient_id is not None
            return {
                "id": str(channel.id),
                "type": _DM,
                "last_message_id": _str_or_none(channel.last_message_id),
                "flags": 0,
                "recipients": [self._user_json(channel.recipient_id)],
            }
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [
                {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
                for o in channel.overwrites.values()
            ],
            "topic": channel.topic,
            "nsfw": False,
            "last_message_id": _str_or_none(channel.last_message_id),
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def _guild_json(self, guild: _Guild) -> JSONDict:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [self._role_json(r) for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": _str_or_none(guild.channel_ids[0] if guild.channel_ids else None),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def _guild_create_json(self, guild: _Guild, intents: int) -> JSONDict:
        payload = self._guild_json(guild)
        members = (
            list(guild.members.values())
            if intents & _INTENT_GUILD_MEMBERS
            else [guild.members[self.bot_id]]
        )
        payload.update(
            {
                "joined_at": guild.joined_at,
                "large": False,
                "unavailable": False,
                "lazy": True,
                "member_count": len(guild.members),
                "members": [self._member_json(guild, m) for m in members],
                "channels": [self._channel_json(self._channels[c]) for c in guild.channel_ids],
                "threads": [],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return payload

    def _message_json(self, message: _Message) -> JSONDict:
        payload: JSONDict = {
            "id": str(message.id),
            "type": 0,
            "channel_id": str(message.channel_id),
            "author": self._user_json(self.bot_id),
            "content": message.content,
            "timestamp": message.created_at,
            "edited_timestamp": message.edited_at,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": copy.deepcopy(message.attachments),
            "embeds": copy.deepcopy(message.embeds),
            "pinned": False,
            "flags": message.flags,
            "components": copy.deepcopy(message.payload.get("components") or []),
        }
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        if message.interaction_id is not None:
            interaction = self._interactions[message.interaction_id]
            payload["type"] = 20 if message.source == "interaction" else 0
            payload["webhook_id"] = str(self.application_id)
            payload["application_id"] = str(self.application_id)
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self._user_json(interaction.user_id),
                "authorizing_integration_owners": self._owners(interaction.guild_id),
            }
        return payload

    @staticmethod
    def _owners(guild_id: int | None) -> dict[str, str]:
        return {"0": str(guild_id) if guild_id is not None else "0"}

    # --- interactions in ------------------------------------------------------------------

    def push_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | None = None,
        locale: str = "en-US",
        check_permissions: bool = True,
    ) -> PushedInteraction:
        """Send INTERACTION_CREATE for the synced slash command ``name`` (``"channel add"``
        for a subcommand, ``"a b c"`` for a subcommand of a group).

        ``options`` maps option names to values, converted and checked with the synced schema
        (required options, choices, ranges); user, channel and role options take ids and come
        with ``resolved`` data.  The interaction happens in ``channel_id`` (a guild channel or
        :meth:`dm_channel`), else in ``guild_id``'s first text channel, else in the only guild;
        ``user_id`` defaults to the guild owner (the DM's recipient in a DM).  Unless
        ``check_permissions`` is false, a command the user could not see on Discord
        (``default_member_permissions``, ``contexts``/``dm_permission``) raises
        ``PermissionError``.
        """
        return self._push(
            _APPLICATION_COMMAND,
            name,
            dict(options or {}),
            None,
            guild_id,
            channel_id,
            user_id,
            locale,
            check_permissions,
        )

    def push_autocomplete(
        self,
        name: str,
        focused: str,
        value: Any = "",
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | None = None,
        locale: str = "en-US",
        check_permissions: bool = True,
    ) -> PushedInteraction:
        """Send an autocomplete interaction (type 4): option ``focused`` holds what the user
        typed so far (``value``), ``options`` the other options already filled in."""
        values = dict(options or {})
        values[focused] = value
        return self._push(
            _AUTOCOMPLETE,
            name,
            values,
            focused,
            guild_id,
            channel_id,
            user_id,
            locale,
            check_permissions,
        )

    def add_attachment(
        self, filename: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> int:
        """A file a user uploads for an attachment option (type 11); returns the id to give
        :meth:`push_command` as that option's value.  It is served like Discord's CDN."""
        with self._cond:
            aid = self._next_snowflake()
            url = f"{self.url}/attachments/0/{aid}/{filename}"
            entry: JSONDict = {
                "id": str(aid),
                "filename": filename,
                "size": len(data),
                "url": url,
                "proxy_url": url,
                "content_type": content_type,
            }
            self._uploads[aid] = (entry, UploadedFile("upload", filename, data, content_type))
            return aid

    def push_component(
        self,
        message_id: int,
        custom_id: str,
        *,
        user_id: int | None = None,
        locale: str = "en-US",
    ) -> PushedInteraction:
        """Click a button of a message the bot sent: a MESSAGE_COMPONENT interaction (type 3)
        carrying the message, as Discord sends it.  ``custom_id`` must be one of the
        message's buttons; ``user_id`` defaults to the guild owner (the recipient in a DM)."""
        with self._cond:
            message = self._messages.get(message_id)
            if message is None or message.deleted:
                raise ValueError(f"no message {message_id}")
            buttons = [
                component.get("custom_id")
                for row in message.payload.get("components") or []
                for component in row.get("components") or []
            ]
            if custom_id not in buttons:
                raise ValueError(f"message {message_id} has no button {custom_id!r}: {buttons}")
            guild, channel, uid = self._place(None, message.channel_id, user_id)
            data: JSONDict = {"custom_id": custom_id, "component_type": 2}
            payload, interaction = self._new_interaction(
                _MESSAGE_COMPONENT, data, guild, channel, uid, locale
            )
            payload["message"] = self._message_json(message)
        self._dispatch_required("INTERACTION_CREATE", payload)
        return PushedInteraction(
            interaction.id,
            interaction.token,
            _MESSAGE_COMPONENT,
            custom_id,
            interaction.guild_id,
            channel.id,
            uid,
            payload,
        )

    def push_interaction(self, payload: JSONDict) -> PushedInteraction:
        """Send a raw INTERACTION_CREATE.  ``id``, ``token``, ``application_id``, ``version``
        and ``attachment_size_limit`` are filled in when missing; ``channel_id`` is needed."""
        with self._cond:
            data = copy.deepcopy(payload)
            iid = int(data.setdefault("id", str(self._next_snowflake())))
            token = str(data.setdefault("token", self._new_token()))
            data.setdefault("application_id", str(self.application_id))
            data.setdefault("version", 1)
            data.setdefault("attachment_size_limit", self.upload_limit)
            channel_id = int(data["channel_id"])
            guild_id = int(data["guild_id"]) if data.get("guild_id") else None
            user = (data.get("member") or {}).get("user") or data.get("user") or {}
            user_id = int(user.get("id", DEFAULT_USER_ID))
            name = str((data.get("data") or {}).get("name", ""))
            interaction = _Interaction(
                iid, token, int(data["type"]), name, guild_id, channel_id, user_id, self.clock()
            )
            self._register_interaction(interaction)
        self._dispatch_required("INTERACTION_CREATE", data)
        return PushedInteraction(
            iid, token, interaction.type, name, guild_id, channel_id, user_id, data
        )

    def _push(
        self,
        kind: int,
        name: str,
        values: dict[str, Any],
        focused: str | None,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | None,
        locale: str,
        check_permissions: bool,
    ) -> PushedInteraction:
        with self._cond:
            guild, channel, uid = self._place(guild_id, channel_id, user_id)
            command, schema_options, path = self._find_command(name, guild)
            resolved: JSONDict = {}
            options = self._option_values(schema_options, values, focused, guild, resolved)
            for sub_name, sub_type in reversed(path):
                options = [{"name": sub_name, "type": sub_type, "options": options}]
            data: JSONDict = {
                "id": command["id"],
                "name": command["name"],
                "type": 1,
                "options": options,
            }
            if command.get("guild_id"):
                data["guild_id"] = command["guild_id"]
            if resolved and kind == _APPLICATION_COMMAND:
                data["resolved"] = resolved
            if check_permissions:
                self._check_command_allowed(command, guild, channel, uid)
            payload, interaction = self._new_interaction(kind, data, guild, channel, uid, locale)
        self._dispatch_required("INTERACTION_CREATE", payload)
        return PushedInteraction(
            interaction.id,
            interaction.token,
            kind,
            name,
            interaction.guild_id,
            channel.id,
            uid,
            payload,
        )

    def _place(
        self, guild_id: int | None, channel_id: int | None, user_id: int | None
    ) -> tuple[_Guild | None, _Channel, int]:
        if channel_id is not None:
            channel = self._channel(channel_id)
            if channel.type == _DM:
                assert channel.recipient_id is not None
                if user_id is not None and user_id != channel.recipient_id:
                    raise ValueError(f"user {user_id} is not the recipient of DM {channel_id}")
                return None, channel, channel.recipient_id
            assert channel.guild_id is not None
            guild = self._guild(channel.guild_id)
        else:
            if guild_id is None:
                if len(self._guilds) != 1:
                    raise ValueError("name channel_id or guild_id: there is not exactly one guild")
                guild_id = next(iter(self._guilds))
            guild = self._guild(guild_id)
            if not guild.channel_ids:
                raise ValueError(f"guild {guild_id} has no text channel")
            channel = self._channels[guild.channel_ids[0]]
        uid = user_id if user_id is not None else guild.owner_id
        if uid not in guild.members:
            raise ValueError(f"user {uid} is not a member of guild {guild.id}; add_member() first")
        return guild, channel, uid

    def _find_command(
        self, name: str, guild: _Guild | None
    ) -> tuple[JSONDict, list[JSONDict], list[tuple[str, int]]]:
        parts = name.split()
        if not parts:
            raise ValueError("empty command name")
        candidates = (self._commands.get(guild.id, []) if guild else []) + self._commands.get(
            None, []
        )
        command = next(
            (c for c in candidates if c["name"] == parts[0] and c.get("type", 1) == 1), None
        )
        if command is None:
            synced = sorted({c["name"] for c in candidates})
            raise LookupError(f"/{parts[0]} was never synced here (synced: {synced})")
        options: list[JSONDict] = list(command.get("options") or [])
        path: list[tuple[str, int]] = []
        for part in parts[1:]:
            sub = next((o for o in options if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise LookupError(f"/{name}: no subcommand {part!r}")
            path.append((part, int(sub["type"])))
            options = list(sub.get("options") or [])
        subs = [o["name"] for o in options if o["type"] in (1, 2)]
        if subs:
            raise ValueError(f"/{name} needs a subcommand: {subs}")
        return command, options, path

    def _option_values(
        self,
        schema: list[JSONDict],
        values: dict[str, Any],
        focused: str | None,
        guild: _Guild | None,
        resolved: JSONDict,
    ) -> list[JSONDict]:
        by_name = {o["name"]: o for o in schema}
        result: list[JSONDict] = []
        for key, value in values.items():
            option = by_name.get(key)
            if option is None:
                raise ValueError(f"no option {key!r} (options: {sorted(by_name)})")
            kind = int(option["type"])
            if key == focused:
                if not option.get("autocomplete"):
                    raise ValueError(f"option {key!r} has no autocomplete")
                shown = value if kind in (4, 10) and not isinstance(value, str) else str(value)
                result.append({"name": key, "type": kind, "value": shown, "focused": True})
                continue
            result.append(
                {"name": key, "type": kind, "value": self._convert(option, value, guild, resolved)}
            )
        if focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"missing required options {missing}")
        elif focused not in values:
            raise ValueError(f"focused option {focused!r} has no value")
        return result

    def _convert(
        self, option: JSONDict, value: Any, guild: _Guild | None, resolved: JSONDict
    ) -> Any:
        kind, name = int(option["type"]), option["name"]
        if kind == 3:
            if not isinstance(value, str):
                raise ValueError(f"option {name!r} takes a string")
            low, high = option.get("min_length"), option.get("max_length")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise ValueError(f"option {name!r}: length out of range")
        elif kind == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"option {name!r} takes an integer")
        elif kind == 10:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"option {name!r} takes a number")
        elif kind == 5:
            if not isinstance(value, bool):
                raise ValueError(f"option {name!r} takes a boolean")
        elif kind in (6, 7, 8, 9):
            self._resolve(kind, int(value), name, guild, resolved)
            return str(int(value))
        elif kind == 11:
            found = self._uploads.get(int(value))
            if found is None:
                raise ValueError(f"option {name!r}: {value} is no attachment from add_attachment()")
            resolved.setdefault("attachments", {})[str(int(value))] = copy.deepcopy(found[0])
            return str(int(value))
        else:
            raise ValueError(f"option {name!r} of type {kind} is not supported by push_command")
        if kind in (4, 10):
            low, high = option.get("min_value"), option.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"option {name!r}: {value} is out of range")
        choices = option.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"option {name!r}: {value!r} is not one of the choices")
        return value

    def _resolve(
        self, kind: int, target: int, name: str, guild: _Guild | None, resolved: JSONDict
    ) -> None:
        if kind in (6, 9) and target in self._users:
            resolved.setdefault("users", {})[str(target)] = self._user_json(target)
            if guild is not None and target in guild.members:
                member = self._member_json(guild, guild.members[target])
                member.pop("user")
                resolved.setdefault("members", {})[str(target)] = member
            return
        if kind in (8, 9) and guild is not None and target in guild.roles:
            resolved.setdefault("roles", {})[str(target)] = self._role_json(guild.roles[target])
            return
        if kind == 7 and target in self._channels:
            channel = self._channels[target]
            partial = self._channel_json(channel)
            partial["permissions"] = str(
                self._permissions(guild, channel, self.bot_id) if guild else _DM_PERMISSIONS
            )
            resolved.setdefault("channels", {})[str(target)] = partial
            return
        raise ValueError(f"option {name!r}: {target} is no known user, role or channel")

    def _check_command_allowed(
        self, command: JSONDict, guild: _Guild | None, channel: _Channel, user_id: int
    ) -> None:
        contexts = command.get("contexts")
        if guild is None:
            if (contexts is not None and 1 not in contexts) or command.get(
                "dm_permission"
            ) is False:
                raise PermissionError(f"/{command['name']} cannot be used in DMs")
            return
        if contexts is not None and 0 not in contexts:
            raise PermissionError(f"/{command['name']} cannot be used in guilds")
        needed = command.get("default_member_permissions")
        if needed is None:
            return
        have = self._permissions(guild, channel, user_id)
        if have & ADMINISTRATOR or have == ALL_PERMISSIONS:
            return
        bits = int(needed)
        if bits == 0 or have & bits != bits:
            raise PermissionError(
                f"user {user_id} lacks default_member_permissions {bits} of /{command['name']}"
            )

    def _new_token(self) -> str:
        return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)

    def _register_interaction(self, interaction: _Interaction) -> None:
        self._interactions[interaction.id] = interaction
        self._interactions_by_token[interaction.token] = interaction

    def _new_interaction(
        self,
        kind: int,
        data: JSONDict,
        guild: _Guild | None,
        channel: _Channel,
        user_id: int,
        locale: str,
    ) -> tuple[JSONDict, _Interaction]:
        iid = self._next_snowflake()
        interaction = _Interaction(
            iid,
            self._new_token(),
            kind,
            data.get("name") or data.get("custom_id", ""),
            guild.id if guild else None,
            channel.id,
            user_id,
            self.clock(),
        )
        self._register_interaction(interaction)
        channel_payload = self._channel_json(channel)
        payload: JSONDict = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": interaction.token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": self._owners(interaction.guild_id),
            "attachment_size_limit": self.upload_limit,
            "channel_id": str(channel.id),
            "channel": channel_payload,
        }
        if guild is None:
            payload["context"] = 1
            payload["user"] = self._user_json(user_id)
            payload["app_permissions"] = str(_DM_PERMISSIONS)
            channel_payload["permissions"] = str(_DM_PERMISSIONS)
        else:
            member_permissions = self._permissions(guild, channel, user_id)
            payload["context"] = 0
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = self._member_json(
                guild, guild.members[user_id], permissions=member_permissions
            )
            payload["app_permissions"] = str(self._permissions(guild, channel, self.bot_id))
            channel_payload["permissions"] = str(member_permissions)
        return payload, interaction

    async def interact(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        within: float = 5.0,
        **place: Any,
    ) -> InteractionResponse:
        """:meth:`push_command` (``place``: its keyword arguments), then
        :meth:`wait_for_response_async`."""
        pushed = self.push_command(name, options, **place)
        return await self.wait_for_response_async(pushed, within)

    # --- answers out ----------------------------------------------------------------------

    def response(self, interaction: PushedInteraction | int) -> InteractionResponse | None:
        """The callback the bot gave, if any yet."""
        with self._cond:
            found = self._interactions.get(_interaction_id(interaction))
            return found.response if found else None

    def wait_for_response(
        self, interaction: PushedInteraction | int, timeout: float = 5.0
    ) -> InteractionResponse:
        """Block until the bot answered the interaction; ``TimeoutError`` otherwise.

        Blocks the calling thread: from the event loop running the client use
        :meth:`wait_for_response_async`.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                answer = self.response(interaction)
                if answer is not None:
                    return answer
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"interaction {_interaction_id(interaction)} got no callback in {timeout}s"
                    )
                self._cond.wait(remaining)

    async def wait_for_response_async(
        self, interaction: PushedInteraction | int, within: float = 5.0
    ) -> InteractionResponse:
        """:meth:`wait_for_response` without blocking the event loop."""
        return await self.wait_until_async(
            lambda: self.response(interaction),
            within,
            f"a callback to interaction {_interaction_id(interaction)}",
        )

    def interaction_messages(self, interaction: PushedInteraction | int) -> list[SentMessage]:
        """The original response message (if any) and the follow-ups, in order."""
        with self._cond:
            found = self._interactions.get(_interaction_id(interaction))
            if found is None:
                return []
            ids = ([found.original_id] if found.original_id else []) + [
                i for i in found.followup_ids if i != found.original_id
            ]
            return [self._messages[i].snapshot() for i in ids]

    def sent_messages(
        self, channel_id: int | None = None, *, source: str | None = None
    ) -> list[SentMessage]:
        """Every message the bot created (deleted ones flagged), optionally of one channel or
        one ``source`` (``"channel"``, ``"interaction"``, ``"followup"``)."""
        with self._cond:
            return [
                self._messages[i].snapshot()
                for i in self._message_order
                if (channel_id is None or self._messages[i].channel_id == channel_id)
                and (source is None or self._messages[i].source == source)
            ]

    def message(self, message_id: int) -> SentMessage | None:
        """One message in its current state."""
        with self._cond:
            found = self._messages.get(message_id)
            return found.snapshot() if found else None

    def wait_for_messages(
        self,
        count: int,
        timeout: float = 5.0,
        *,
        channel_id: int | None = None,
        source: str | None = None,
    ) -> list[SentMessage]:
        """Block until ``count`` messages exist (see :meth:`sent_messages`)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.sent_messages(channel_id, source=source)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"expected {count} messages, got {len(found)}: {[m.text for m in found]!r}"
                    )
                self._cond.wait(remaining)

    async def wait_for_messages_async(
        self,
        count: int,
        within: float = 5.0,
        *,
        channel_id: int | None = None,
        source: str | None = None,
    ) -> list[SentMessage]:
        """:meth:`wait_for_messages` without blocking the event loop."""

        def enough() -> list[SentMessage] | None:
            found = self.sent_messages(channel_id, source=source)
            return found if len(found) >= count else None

        return await self.wait_until_async(enough, within, f"{count} messages")

    async def wait_until_async(
        self, probe: Callable[[], _T | None], within: float = 5.0, what: str = "a condition"
    ) -> _T:
        """Poll ``probe`` every 10 ms until it returns something other than ``None``."""
        deadline = time.monotonic() + within
        while True:
            found = probe()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(f"waited {within}s for {what}")
            await asyncio.sleep(0.01)

    def duplicates(self, *, source: str | None = None) -> list[tuple[int, str]]:
        """``(channel_id, text)`` of messages delivered more than once (deleted ones not
        counted), in first-seen order; ``source`` narrows as in :meth:`sent_messages`."""
        messages = [m for m in self.sent_messages(source=source) if not m.deleted]
        counts = Counter((m.channel_id, m.text) for m in messages)
        return [pair for pair, count in counts.items() if count > 1]

    def commands(self, guild_id: int | None = None) -> list[JSONDict]:
        """The commands synced globally (``None``) or to a guild, as Discord stores them."""
        with self._cond:
            return copy.deepcopy(self._commands.get(guild_id, []))

    def command(self, name: str, *, guild_id: int | None = None) -> JSONDict | None:
        """One synced chat-input command by name."""
        return next(
            (c for c in self.commands(guild_id) if c["name"] == name and c.get("type", 1) == 1),
            None,
        )

    @property
    def command_syncs(self) -> list[tuple[int | None, list[str]]]:
        """Every bulk overwrite: ``(guild_id or None, command names)``."""
        with self._cond:
            return [(g, list(n)) for g, n in self._command_syncs]

    @property
    def requests(self) -> list[Request]:
        """Every REST request, in arrival order."""
        with self._cond:
            return list(self._requests)

    def requests_for(self, route: str, *, channel_id: int | None = None) -> list[Request]:
        """The requests of one route key (optionally about one channel)."""
        return [
            r
            for r in self.requests
            if r.route == route and (channel_id is None or r.channel_id == channel_id)
        ]

    @property
    def sent_429_count(self) -> int:
        """Every 429 answered, injected ones included."""
        with self._cond:
            return self._sent_429

    @property
    def limit_429_count(self) -> int:
        """429s answered because an enforced rate limit was exceeded."""
        with self._cond:
            return self._limit_429

    @property
    def unknown_routes(self) -> list[str]:
        """``"METHOD /path"`` of requests no route matched."""
        with self._cond:
            return list(self._unknown_routes)

    def clear_requests(self) -> None:
        """Forget recorded requests, messages and 429 counts (the world stays)."""
        with self._cond:
            self._requests.clear()
            self._messages.clear()
            self._message_order.clear()
            self._sent_429 = 0
            self._limit_429 = 0
            self._unknown_routes.clear()
            for interaction in self._interactions.values():
                interaction.original_id = None
                interaction.followup_ids.clear()

    # --- failure injection ----------------------------------------------------------------

    def fail_next(
        self,
        route: str = "*",
        *,
        channel_id: int | None = None,
        times: int = 1,
        error: InjectedError,
    ) -> None:
        """Answer the next ``times`` requests of ``route`` (a key of :data:`ROUTES`, ``"*"``
        for any) with ``error``; with ``channel_id`` only requests about that channel."""
        if route != "*" and route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; use one of ROUTES")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._injections.append(_Injection(route, channel_id, times, error))

    def clear_failures(self) -> None:
        """Drop injected failures that have not fired yet."""
        with self._cond:
            self._injections.clear()

    # --- gateway hooks --------------------------------------------------------------------

    @property
    def gateway_stats(self) -> GatewayStats:
        """Connections, IDENTIFYs, RESUMEs, heartbeats and dispatched event names."""
        with self._cond:
            return GatewayStats(
                connections=self._connection_count,
                identifies=self._identifies,
                resumes=self._resumes,
                heartbeats=self._heartbeats,
                compressed_connections=self._compressed_count,
                dispatched=tuple(self._dispatched),
                connected=any(
                    s.valid and s.connection is not None for s in self._sessions.values()
                ),
            )

    def wait_for_gateway(self, timeout: float = 5.0, *, identifies: int = 1) -> None:
        """Block until ``identifies`` IDENTIFYs were answered (READY and GUILD_CREATEs sent)
        and a session is connected."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (self._identifies >= identifies and self.gateway_stats.connected):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no client identified on the gateway")
                self._cond.wait(remaining)

    async def wait_for_gateway_async(self, within: float = 5.0, *, identifies: int = 1) -> None:
        """:meth:`wait_for_gateway` without blocking the event loop."""

        def ready() -> bool | None:
            stats = self.gateway_stats
            return True if stats.identifies >= identifies and stats.connected else None

        await self.wait_until_async(ready, within, "a client on the gateway")

    def dispatch(self, event: str, data: JSONDict) -> None:
        """Send any dispatch (op 0) to every live session; ``RuntimeError`` without one."""
        self._dispatch_required(event, data)

    def reconnect_gateway(self) -> None:
        """Ask connected clients to reconnect and resume (op 7 RECONNECT)."""
        self._run(self._send_to_connections({"op": 7, "d": None, "s": None, "t": None}))

    def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; when not ``resumable`` the sessions are forgotten and
        the client must IDENTIFY again."""
        if not resumable:
            with self._cond:
                for session in self._sessions.values():
                    session.valid = False
        self._run(self._send_to_connections({"op": 9, "d": resumable, "s": None, "t": None}))

    def close_gateway(self, code: int = 4000) -> None:
        """Close every gateway connection with ``code`` (4000: the client resumes)."""

        async def close_all() -> None:
            for connection in list(self._connections):
                with contextlib.suppress(Exception):
                    await connection.ws.close(code=code)

        self._run(close_all())

    def _run(self, coro: Coroutine[Any, Any, _T], timeout: float = 5.0) -> _T:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            coro.close()
            raise RuntimeError("DiscordServer is not running")
        if threading.get_ident() == thread.ident:
            coro.close()
            raise RuntimeError("do not call DiscordServer hooks from its own event loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    def _dispatch_required(self, event: str, data: JSONDict) -> None:
        with self._cond:
            live = any(s.valid for s in self._sessions.values())
        if not live:
            raise RuntimeError(
                "no discord.py client has identified on the gateway; "
                "await server.wait_for_gateway_async() first"
            )
        self._run(self._dispatch_all(event, data, 0))

    def _notify_gateway(
        self, event: str, data: JSONDict, *, intent: int = 0, guild_payload: bool = False
    ) -> None:
        """Tell connected clients about a change made through a hook (no-op without one)."""
        with self._cond:
            live = any(s.valid for s in self._sessions.values())
        if not live or self._loop is None:
            return
        if guild_payload:
            guild = self._guild(int(data["id"]))
            self._run(self._dispatch_guild_create(guild))
        else:
            self._run(self._dispatch_all(event, data, intent))

    async def _dispatch_guild_create(self, guild: _Guild) -> None:
        for session in self._live_sessions():
            with self._cond:
                payload = self._guild_create_json(guild, session.intents)
            await self._dispatch(session, "GUILD_CREATE", payload)

    def _live_sessions(self) -> list[_Session]:
        with self._cond:
            return [s for s in self._sessions.values() if s.valid]

    async def _dispatch_all(self, event: str, data: JSONDict, intent: int) -> None:
        for session in self._live_sessions():
            if intent and not session.intents & intent:
                continue
            await self._dispatch(session, event, copy.deepcopy(data))

    async def _dispatch(self, session: _Session, event: str, data: JSONDict) -> None:
        async with session.lock:
            session.seq += 1
            payload = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.buffer.append(payload)
            del session.buffer[:-_REPLAY_BUFFER]
            with self._cond:
                self._dispatched.append(event)
            if session.connection is not None:
                await self._send(session.connection, payload)

    async def _send_to_connections(self, payload: JSONDict) -> None:
        for connection in list(self._connections):
            await self._send(connection, payload)

    async def _send(self, connection: _Connection, payload: JSONDict) -> None:
        text = json.dumps(payload, ensure_ascii=False)
        async with connection.send_lock:
            if connection.ws.closed:
                return
            try:
                if connection.compressor is not None:
                    frame = connection.compressor.compress(text.encode())
                    frame += connection.compressor.flush(zlib.Z_SYNC_FLUSH)
                    await connection.ws.send_bytes(frame)
                else:
                    await connection.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                pass  # the client went away; the event stays in the replay buffer

    # --- gateway protocol -----------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        compress = self.compress_gateway and request.query.get("compress") == "zlib-stream"
        connection = _Connection(ws, compress=compress)
        with self._cond:
            self._connections.add(connection)
            self._connection_count += 1
            self._compressed_count += int(compress)
        try:
            await self._send(
                connection,
                {
                    "op": 10,
                    "d": {
                        "heartbeat_interval": int(self.heartbeat_interval * 1000),
                        "_trace": ['["haberci-test-gateway",{"micros":0}]'],
                    },
                    "s": None,
                    "t": None,
                },
            )
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_gateway_message(connection, message.data)
                elif message.type is WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                else:
                    break
        finally:
            session = connection.session
            with self._cond:
                self._connections.discard(connection)
                if session is not None and session.connection is connection:
                    session.connection = None
                    if ws.close_code in (1000, 1001) and not self._stopping:
                        session.valid = False  # a clean close ends the session, as on Discord
                self._cond.notify_all()
        return ws

    async def _on_gateway_message(self, connection: _Connection, raw: str) -> None:
        try:
            payload = json.loads(raw)
            op = payload["op"]
        except (ValueError, KeyError, TypeError):
            await connection.ws.close(code=4002, message=b"Error while decoding payload.")
            return
        data = payload.get("d")
        if op == 1:
            with self._cond:
                self._heartbeats += 1
            await self._send(connection, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(connection, data if isinstance(data, dict) else {})
        elif op == 6:
            await self._resume(connection, data if isinstance(data, dict) else {})
        elif op == 8:
            await self._request_members(connection, data if isinstance(data, dict) else {})
        elif op in (3, 4):
            pass  # presence and voice state updates: accepted, nothing to do
        else:
            await connection.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, connection: _Connection, data: JSONDict) -> None:
        if connection.session is not None:
            await connection.ws.close(code=4005, message=b"Already authenticated.")
            return
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await connection.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        if intents & _PRIVILEGED_INTENTS & ~self.privileged_intents:
            await connection.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        session = _Session(secrets.token_hex(16), intents)
        connection.session = session
        session.connection = connection
        with self._cond:
            self._sessions[session.id] = session
            ready: JSONDict = {
                "v": API_VERSION,
                "user": self._user_json(self.bot_id) | {"verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g), "unavailable": True} for g in self._guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "user_settings": {},
                "geo_ordered_rtc_regions": ["frankfurt"],
                "application": {"id": str(self.application_id), "flags": self._app_flags()},
                "_trace": ['["haberci-test-gateway",{"micros":0}]'],
            }
            if isinstance(data.get("shard"), list):
                ready["shard"] = data["shard"]
            guilds = [self._guild_create_json(g, intents) for g in self._guilds.values()]
        await self._dispatch(session, "READY", ready)
        for guild_payload in guilds:
            await self._dispatch(session, "GUILD_CREATE", guild_payload)
        with self._cond:
            self._identifies += 1
            self._cond.notify_all()

    async def _resume(self, connection: _Connection, data: JSONDict) -> None:
        with self._cond:
            session = self._sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if (
            session is None
            or not session.valid
            or data.get("token") != self.token
            or (session.buffer and session.buffer[0]["s"] > seq + 1)
        ):
            await self._send(connection, {"op": 9, "d": False, "s": None, "t": None})
            return
        async with session.lock:
            old = session.connection
            connection.session = session
            session.connection = connection
            if old is not None and old is not connection:
                old.session = None
                with contextlib.suppress(Exception):
                    await old.ws.close(code=4000)
            for payload in session.buffer:
                if payload["s"] > seq:
                    await self._send(connection, payload)
            session.seq += 1
            resumed = {"op": 0, "t": "RESUMED", "s": session.seq, "d": {"_trace": []}}
            session.buffer.append(resumed)
            await self._send(connection, resumed)
        with self._cond:
            self._resumes += 1
            self._dispatched.append("RESUMED")
            self._cond.notify_all()

    async def _request_members(self, connection: _Connection, data: JSONDict) -> None:
        session = connection.session
        if session is None:
            await connection.ws.close(code=4003, message=b"Not authenticated.")
            return
        with self._cond:
            guild = self._guilds.get(int(data.get("guild_id") or 0))
            if guild is None:
                return
            query = str(data.get("query") or "").lower()
            wanted = {int(u) for u in data.get("user_ids") or []}
            limit = int(data.get("limit") or 0) or len(guild.members)
            members = [
                self._member_json(guild, m)
                for m in guild.members.values()
                if (not wanted or m.user_id in wanted)
                and self._users[m.user_id].username.lower().startswith(query)
            ][:limit]
            chunk: JSONDict = {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [str(u) for u in wanted if u not in guild.members],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
        await self._dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _app_flags(self) -> int:
        flags = 0
        if self.privileged_intents & _INTENT_GUILD_PRESENCES:
            flags |= 1 << 13
        if self.privileged_intents & _INTENT_GUILD_MEMBERS:
            flags |= 1 << 15
        if self.privileged_intents & _INTENT_MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags

    # --- REST plumbing --------------------------------------------------------------------

    def _handlers(self) -> dict[str, _Handler]:
        return {
            GET_CURRENT_USER: self._get_me,
            GET_MY_GUILDS: self._get_my_guilds,
            CREATE_DM: self._create_dm,
            GET_USER: self._get_user,
            GET_APPLICATION: self._get_application,
            GET_GATEWAY: self._get_gateway,
            GET_GATEWAY_BOT: self._get_gateway_bot,
            GET_GLOBAL_COMMANDS: self._get_commands,
            SYNC_GLOBAL_COMMANDS: self._put_commands,
            GET_GUILD_COMMANDS: self._get_commands,
            SYNC_GUILD_COMMANDS: self._put_commands,
            INTERACTION_CALLBACK: self._interaction_callback,
            CREATE_FOLLOWUP: self._create_followup,
            GET_INTERACTION_MESSAGE: self._get_interaction_message,
            EDIT_INTERACTION_MESSAGE: self._edit_interaction_message,
            DELETE_INTERACTION_MESSAGE: self._delete_interaction_message,
            GET_CHANNEL: self._get_channel,
            GET_MESSAGES: self._get_messages,
            SEND_MESSAGE: self._send_message,
            GET_MESSAGE: self._get_message,
            EDIT_MESSAGE: self._edit_message,
            DELETE_MESSAGE: self._delete_message,
            TRIGGER_TYPING: self._trigger_typing,
            GET_GUILD: self._get_guild,
            GET_GUILD_CHANNELS: self._get_guild_channels,
            GET_GUILD_ROLES: self._get_guild_roles,
            GET_MEMBER: self._get_member,
        }

    def _match(self, method: str, path: str) -> tuple[_RouteSpec, dict[str, str]] | None:
        for spec in self._routes:
            if spec.method != method:
                continue
            found = spec.pattern.match(path)
            if found:
                return spec, found.groupdict()
        return None

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        query = dict(request.query)
        matched = self._match(request.method, path)
        if matched is None or request.match_info["version"] not in ("9", "10"):
            with self._cond:
                self._unknown_routes.append(f"{request.method} {path}")
                self._record(
                    request.method,
                    path,
                    f"? {request.method} {path}",
                    query,
                    None,
                    [],
                    None,
                    404,
                    0,
                )
            return self._response(404, {"message": "404: Not Found", "code": 0})
        spec, params = matched
        try:
            body, files = await self._read_body(request)
        except _ApiError as exc:
            with self._cond:
                self._record(
                    request.method, path, spec.key, query, None, [], None, exc.status, exc.code
                )
            return self._response(exc.status, exc.body())
        ctx = _Ctx(spec.key, params, query, body, files)
        with self._cond:
            channel_id = self._channel_of(params)
            if spec.key not in _NO_AUTH_ROUTES and (
                request.headers.get("Authorization") != f"Bot {self.token}"
            ):
                self._record(request.method, path, spec.key, query, body, files, channel_id, 401, 0)
                return self._response(401, {"message": "401: Unauthorized", "code": 0})
            injected = self._take_injection(spec.key, channel_id)
        if injected is not None:
            if injected.delay > 0:
                await asyncio.sleep(injected.delay)
            if not injected.deliver:
                with self._cond:
                    self._sent_429 += int(injected.status == 429)
                    self._record(
                        request.method, path, spec.key, query, body, files, channel_id,
                        injected.status, injected.code,
                    )  # fmt: skip
                return self._response(
                    injected.status, injected.body(), injected.headers(), via=injected.via
                )
        with self._cond:
            headers: dict[str, str] = {}
            limited = self._apply_limits(spec.key, channel_id, headers)
            if limited is not None:
                status, answer, code = 429, limited, 0
            else:
                try:
                    status, answer = spec.handler(ctx)
                    code = None
                except _ApiError as exc:
                    status, answer, code = exc.status, exc.body(), exc.code
            self._record(
                request.method, path, spec.key, query, body, files, channel_id, status, code
            )
            self._cond.notify_all()
        return self._response(status, answer, headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if not request.body_exists:
            return None, []
        if request.content_type.startswith("multipart/"):
            payload: Any = {}
            files: list[UploadedFile] = []
            total = 0
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                data = bytes(await part.read(decode=False))
                total += len(data)
                if total > self.upload_limit:
                    raise _ApiError(413, 40005, "Request entity too large")
                name = part.name or ""
                if name == "payload_json":
                    try:
                        payload = json.loads(data.decode())
                    except ValueError:
                        raise _ApiError(
                            400, 50109, "The request body contains invalid JSON."
                        ) from None
                elif part.filename is not None:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    files.append(UploadedFile(name, part.filename, data, content_type))
            return payload, files
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise _ApiError(413, 40005, "Request entity too large") from None
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            raise _ApiError(400, 50109, "The request body contains invalid JSON.") from None

    @staticmethod
    def _response(
        status: int, body: Any, headers: Mapping[str, str] | None = None, *, via: bool = True
    ) -> web.Response:
        all_headers = dict(headers or {})
        if via:
            all_headers["Via"] = "1.1 google"
        if body is None:
            return web.Response(status=status, headers=all_headers)
        # Exactly "application/json": discord.py parses nothing else (no "; charset=").
        all_headers["Content-Type"] = "application/json"
        data = json.dumps(body, ensure_ascii=False).encode()
        return web.Response(status=status, body=data, headers=all_headers)

    def _record(
        self,
        method: str,
        path: str,
        route: str,
        query: dict[str, str],
        body: Any,
        files: list[UploadedFile],
        channel_id: int | None,
        status: int,
        code: int | None,
    ) -> None:
        self._requests.append(
            Request(
                method=method,
                path=path,
                route=route,
                query=query,
                json=copy.deepcopy(body),
                files=tuple(files),
                channel_id=channel_id,
                status=status,
                code=code,
                time=self.clock(),
            )
        )

    def _channel_of(self, params: Mapping[str, str]) -> int | None:
        if "channel_id" in params and params["channel_id"].isdigit():
            return int(params["channel_id"])
        interaction = None
        if params.get("interaction_id", "").isdigit():
            interaction = self._interactions.get(int(params["interaction_id"]))
        elif "interaction_token" in params:
            interaction = self._interactions_by_token.get(params["interaction_token"])
        return interaction.channel_id if interaction else None

    def _take_injection(self, route: str, channel_id: int | None) -> InjectedError | None:
        for injection in self._injections:
            if injection.route not in ("*", route):
                continue
            if injection.channel_id is not None and injection.channel_id != channel_id:
                continue
            injection.remaining -= 1
            if injection.remaining <= 0:
                self._injections.remove(injection)
            return injection.error
        return None

    def _apply_limits(
        self, route: str, channel_id: int | None, headers: dict[str, str]
    ) -> JSONDict | None:
        if not self.enforce_limits or route in _NO_AUTH_ROUTES:
            return None
        state = self.limiter.take_global()
        if not state.allowed:
            wait = _ceil_ms(state.reset_after)
            headers.update(
                {
                    "Retry-After": str(max(1, math.ceil(wait))),
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                }
            )
            self._sent_429 += 1
            self._limit_429 += 1
            return {"message": "You are being rate limited.", "retry_after": wait, "global": True}
        if route != SEND_MESSAGE or channel_id is None:
            return None
        limits = self.limiter.limits
        bucket = hashlib.sha1(route.encode()).hexdigest()[:32]
        state = self.limiter.take(
            f"{bucket}:{channel_id}", limits.channel_messages, limits.channel_messages_window
        )
        reset_after = _ceil_ms(state.reset_after)
        headers.update(
            {
                "X-RateLimit-Bucket": bucket,
                "X-RateLimit-Limit": str(state.limit),
                "X-RateLimit-Remaining": str(state.remaining),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            }
        )
        if state.allowed:
            return None
        headers["Retry-After"] = str(max(1, math.ceil(reset_after)))
        headers["X-RateLimit-Scope"] = "user"
        self._sent_429 += 1
        self._limit_429 += 1
        return {
            "message": "You are being rate limited.",
            "retry_after": reset_after,
            "global": False,
        }

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        with self._cond:
            wanted = request.match_info["attachment_id"]
            if wanted.isdigit() and int(wanted) in self._uploads:
                _, uploaded = self._uploads[int(wanted)]
                return web.Response(
                    body=uploaded.data, headers={"Content-Type": uploaded.content_type}
                )
            for message in self._messages.values():
                for attachment, upload in zip(message.attachments, message.files, strict=False):
                    if attachment["id"] == request.match_info["attachment_id"]:
                        return web.Response(
                            body=upload.data, headers={"Content-Type": upload.content_type}
                        )
        return web.Response(status=404, text="Not Found")

    # --- REST handlers (lock held) --------------------------------------------------------

    def _get_me(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, self._user_json(self.bot_id) | {
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "bio": "",
        }

    def _get_my_guilds(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(self._base_permissions(g, self.bot_id)),
                "features": [],
            }
            for g in self._guilds.values()
        ]

    def _create_dm(self, ctx: _Ctx) -> tuple[int, Any]:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        recipient = _snowflake(body.get("recipient_id"), "recipient_id")
        user = self._users.get(recipient)
        if user is None or recipient == self.bot_id:
            raise _ApiError(400, 50033, "Invalid Recipient(s)")
        return 200, self._channel_json(self._dm_locked(recipient))

    def _get_user(self, ctx: _Ctx) -> tuple[int, Any]:
        uid = _snowflake(ctx.params["user_id"], "user_id")
        if uid not in self._users:
            raise _ApiError(404, 10013, "Unknown User")
        return 200, self._user_json(uid)

    def _get_application(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self._app_flags(),
            "owner": self._user_json(DEFAULT_USER_ID),
            "team": None,
            "bot": self._user_json(self.bot_id),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self._guilds),
            "integration_types_config": {"0": {}},
        }

    def _get_gateway(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    def _get_gateway_bot(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - self._identifies,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    def _check_application(self, ctx: _Ctx) -> int | None:
        if ctx.params["application_id"] != str(self.application_id):
            raise _ApiError(403, 50001, "Missing Access")
        if "guild_id" not in ctx.params:
            return None
        gid = _snowflake(ctx.params["guild_id"], "guild_id")
        if gid not in self._guilds:
            raise _ApiError(403, 50001, "Missing Access")
        return gid

    def _get_commands(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, copy.deepcopy(self._commands.get(self._check_application(ctx), []))

    def _put_commands(self, ctx: _Ctx) -> tuple[int, Any]:
        gid = self._check_application(ctx)
        commands = ctx.body
        if not isinstance(commands, list):
            raise _invalid_form(
                {
                    "_errors": [
                        {
                            "code": "LIST_TYPE_CONVERT",
                            "message": "Only iterables may be used in a ListType",
                        }
                    ]
                }
            )
        errors = _validate_commands(commands)
        if errors:
            raise _invalid_form(errors)
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self._commands.get(gid, [])}
        stored: list[JSONDict] = []
        for command in commands:
            kind = int(command.get("type", 1))
            permissions = command.get("default_member_permissions")
            entry: JSONDict = {
                "id": previous.get((command["name"], kind)) or str(self._next_snowflake()),
                "application_id": str(self.application_id),
                "version": str(self._next_snowflake()),
                "default_member_permissions": None if permissions is None else str(permissions),
                "type": kind,
                "name": command["name"],
                "name_localizations": command.get("name_localizations"),
                "description": command.get("description", ""),
                "description_localizations": command.get("description_localizations"),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types") or [0],
                "nsfw": bool(command.get("nsfw", False)),
            }
            if gid is None:
                entry["dm_permission"] = command.get("dm_permission", True) is not False
            else:
                entry["guild_id"] = str(gid)
            if command.get("options"):
                entry["options"] = _clean_options(command["options"])
            stored.append(entry)
        self._commands[gid] = stored
        self._command_syncs.append((gid, [c["name"] for c in stored]))
        return 200, copy.deepcopy(stored)

    def _interaction_by_id(self, ctx: _Ctx) -> _Interaction:
        interaction = None
        if ctx.params["interaction_id"].isdigit():
            interaction = self._interactions.get(int(ctx.params["interaction_id"]))
        if interaction is None or interaction.token != ctx.params["interaction_token"]:
            raise _ApiError(404, 10062, "Unknown interaction")
        return interaction

    def _interaction_by_token(self, ctx: _Ctx) -> _Interaction:
        if ctx.params["application_id"] != str(self.application_id):
            raise _ApiError(404, 10015, "Unknown Webhook")
        interaction = self._interactions_by_token.get(ctx.params["interaction_token"])
        if interaction is None or interaction.response is None:
            raise _ApiError(404, 10015, "Unknown Webhook")
        if self.clock() - interaction.created > INTERACTION_TOKEN_LIFETIME:
            raise _ApiError(401, 50027, "Invalid Webhook Token")
        return interaction

    def _interaction_callback(self, ctx: _Ctx) -> tuple[int, Any]:
        interaction = self._interaction_by_id(ctx)
        if self.clock() - interaction.created > self.interaction_deadline:
            raise _ApiError(404, 10062, "Unknown interaction")
        if interaction.response is not None:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        kind = body.get("type")
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        assert isinstance(data, dict)
        if kind not in _ALLOWED_CALLBACKS.get(interaction.type, frozenset()):
            raise _invalid_form(
                {
                    "type": _form_error(
                        "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
                    )
                }
            )
        message: _Message | None = None
        if kind == _CHANNEL_MESSAGE:
            errors = _validate_message(data, ctx.files)
            if errors:
                raise _invalid_form({"data": errors})
            message = self._store_message(
                interaction.channel_id, data, ctx.files, "interaction", interaction
            )
            interaction.original_id = message.id
        elif kind == _DEFERRED_CHANNEL_MESSAGE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self._store_message(
                interaction.channel_id,
                {"flags": flags},
                [],
                "interaction",
                interaction,
                empty_ok=True,
            )
            interaction.original_id = message.id
        elif kind == _AUTOCOMPLETE_RESULT:
            choice_errors = _validate_choices(data.get("choices"))
            if choice_errors:
                raise _invalid_form({"data": {"choices": choice_errors}})
        interaction.response = InteractionResponse(
            interaction.id, int(kind), copy.deepcopy(data), list(ctx.files), self.clock()
        )
        if ctx.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        callback: JSONDict = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "activity_instance_id": None,
                "response_message_id": _str_or_none(message.id if message else None),
                "response_message_loading": kind == _DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message.flags & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            callback["resource"]["message"] = self._message_json(message)
        return 200, callback

    def _create_followup(self, ctx: _Ctx) -> tuple[int, Any]:
        interaction = self._interaction_by_token(ctx)
        data = ctx.body if isinstance(ctx.body, dict) else {}
        errors = _validate_message(data, ctx.files)
        if errors:
            raise _invalid_form(errors)
        original = self._messages.get(interaction.original_id or 0)
        if original is not None and original.flags & LOADING and not original.deleted:
            # The first follow-up after a deferral fills the "is thinking..." message and
            # keeps the deferral's ephemeral flag.
            self._apply_edit(original, data, ctx.files, keep_flags=original.flags & EPHEMERAL)
            original.edits = 0
            original.edited_at = None
            message = original
        else:
            message = self._store_message(
                interaction.channel_id, data, ctx.files, "followup", interaction
            )
        interaction.followup_ids.append(message.id)
        if ctx.query.get("wait", "").lower() in ("1", "true"):
            return 200, self._message_json(message)
        return 204, None

    def _interaction_message(self, ctx: _Ctx) -> _Message:
        interaction = self._interaction_by_token(ctx)
        wanted = ctx.params["message_id"]
        if wanted == "@original":
            message = self._messages.get(interaction.original_id or 0)
        elif wanted.isdigit() and int(wanted) in interaction.followup_ids:
            message = self._messages.get(int(wanted))
        else:
            message = None
        if message is None or message.deleted:
            raise _ApiError(404, 10008, "Unknown Message")
        return message

    def _get_interaction_message(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, self._message_json(self._interaction_message(ctx))

    def _edit_interaction_message(self, ctx: _Ctx) -> tuple[int, Any]:
        message = self._interaction_message(ctx)
        data = ctx.body if isinstance(ctx.body, dict) else {}
        self._apply_edit(message, data, ctx.files, keep_flags=message.flags & EPHEMERAL)
        return 200, self._message_json(message)

    def _delete_interaction_message(self, ctx: _Ctx) -> tuple[int, Any]:
        self._interaction_message(ctx).deleted = True
        return 204, None

    def _guild_channel_for_bot(self, ctx: _Ctx, *, needed: int = VIEW_CHANNEL) -> _Channel:
        cid = _snowflake(ctx.params["channel_id"], "channel_id")
        channel = self._channels.get(cid)
        if channel is None:
            raise _ApiError(404, 10003, "Unknown Channel")
        if channel.guild_id is not None:
            permissions = self._permissions(self._guilds[channel.guild_id], channel, self.bot_id)
            if not permissions & VIEW_CHANNEL:
                raise _ApiError(403, 50001, "Missing Access")
            if permissions & needed != needed:
                raise _ApiError(403, 50013, "Missing Permissions")
        return channel

    def _get_channel(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, self._channel_json(self._guild_channel_for_bot(ctx))

    def _get_messages(self, ctx: _Ctx) -> tuple[int, Any]:
        channel = self._guild_channel_for_bot(ctx, needed=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        limit = min(max(int(ctx.query.get("limit", "50")), 1), 100)
        found = [
            self._messages[i]
            for i in reversed(self._message_order)
            if self._messages[i].channel_id == channel.id
            and not self._messages[i].deleted
            and not self._messages[i].flags & EPHEMERAL
        ]
        return 200, [self._message_json(m) for m in found[:limit]]

    def _send_message(self, ctx: _Ctx) -> tuple[int, Any]:
        channel = self._guild_channel_for_bot(ctx, needed=VIEW_CHANNEL | SEND_MESSAGES)
        data = copy.deepcopy(ctx.body) if isinstance(ctx.body, dict) else {}
        if channel.type == _DM:
            assert channel.recipient_id is not None
            if self._users[channel.recipient_id].dms_blocked:
                raise _ApiError(403, 50007, "Cannot send messages to this user")
        else:
            assert channel.guild_id is not None
            permissions = self._permissions(self._guilds[channel.guild_id], channel, self.bot_id)
            if ctx.files and not permissions & ATTACH_FILES:
                raise _ApiError(403, 50013, "Missing Permissions")
            if data.get("embeds") and not permissions & EMBED_LINKS:
                data["embeds"] = []  # Discord drops embeds silently without EMBED_LINKS
        errors = _validate_message(data, ctx.files)
        if errors:
            raise _invalid_form(errors)
        message = self._store_message(channel.id, data, ctx.files, "channel", None)
        return 200, self._message_json(message)

    def _channel_message(self, ctx: _Ctx) -> _Message:
        channel = self._guild_channel_for_bot(ctx)
        mid = _snowflake(ctx.params["message_id"], "message_id")
        message = self._messages.get(mid)
        if message is None or message.channel_id != channel.id or message.deleted:
            raise _ApiError(404, 10008, "Unknown Message")
        return message

    def _get_message(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, self._message_json(self._channel_message(ctx))

    def _edit_message(self, ctx: _Ctx) -> tuple[int, Any]:
        message = self._channel_message(ctx)
        data = ctx.body if isinstance(ctx.body, dict) else {}
        self._apply_edit(message, data, ctx.files, keep_flags=message.flags & EPHEMERAL)
        return 200, self._message_json(message)

    def _delete_message(self, ctx: _Ctx) -> tuple[int, Any]:
        self._channel_message(ctx).deleted = True
        return 204, None

    def _trigger_typing(self, ctx: _Ctx) -> tuple[int, Any]:
        self._guild_channel_for_bot(ctx, needed=VIEW_CHANNEL | SEND_MESSAGES)
        return 204, None

    def _guild_for_bot(self, ctx: _Ctx) -> _Guild:
        gid = _snowflake(ctx.params["guild_id"], "guild_id")
        guild = self._guilds.get(gid)
        if guild is None:
            raise _ApiError(404, 10004, "Unknown Guild")
        return guild

    def _get_guild(self, ctx: _Ctx) -> tuple[int, Any]:
        guild = self._guild_for_bot(ctx)
        payload = self._guild_json(guild)
        if ctx.query.get("with_counts", "").lower() in ("1", "true"):
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return 200, payload

    def _get_guild_channels(self, ctx: _Ctx) -> tuple[int, Any]:
        guild = self._guild_for_bot(ctx)
        return 200, [self._channel_json(self._channels[c]) for c in guild.channel_ids]

    def _get_guild_roles(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, [self._role_json(r) for r in self._guild_for_bot(ctx).roles.values()]

    def _get_member(self, ctx: _Ctx) -> tuple[int, Any]:
        guild = self._guild_for_bot(ctx)
        uid = _snowflake(ctx.params["user_id"], "user_id")
        if uid not in self._users:
            raise _ApiError(404, 10013, "Unknown User")
        member = guild.members.get(uid)
        if member is None:
            raise _ApiError(404, 10007, "Unknown Member")
        return 200, self._member_json(guild, member)

    # --- messages (lock held) -------------------------------------------------------------

    def _attachments(
        self, channel_id: int, data: Mapping[str, Any], files: list[UploadedFile]
    ) -> list[JSONDict]:
        described = {
            str(a.get("id")): a for a in data.get("attachments") or [] if isinstance(a, dict)
        }
        result: list[JSONDict] = []
        for index, upload in enumerate(files):
            aid = str(self._next_snowflake())
            url = f"{self.url}/attachments/{channel_id}/{aid}/{upload.filename}"
            entry: JSONDict = {
                "id": aid,
                "filename": upload.filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
            }
            description = described.get(str(index), {}).get("description")
            if description:
                entry["description"] = description
            result.append(entry)
        return result

    def _store_message(
        self,
        channel_id: int,
        data: Mapping[str, Any],
        files: list[UploadedFile],
        source: str,
        interaction: _Interaction | None,
        *,
        empty_ok: bool = False,
    ) -> _Message:
        channel = self._channels.get(channel_id)
        if not empty_ok and not files and not (data.get("content") or data.get("embeds")):
            raise _ApiError(400, 50006, "Cannot send an empty message")
        mid = self._next_snowflake()
        message = _Message(
            id=mid,
            channel_id=channel_id,
            guild_id=channel.guild_id if channel else None,
            content=str(data.get("content") or ""),
            embeds=[_normalize_embed(e) for e in data.get("embeds") or []],
            flags=int(data.get("flags") or 0),
            attachments=self._attachments(channel_id, data, files),
            files=list(files),
            source=source,
            interaction_id=interaction.id if interaction else None,
            created_at=_iso(time.time()),
            time=self.clock(),
            payload=copy.deepcopy(dict(data)),
        )
        self._messages[mid] = message
        self._message_order.append(mid)
        if channel is not None and not message.flags & EPHEMERAL:
            channel.last_message_id = mid
        self._cond.notify_all()
        return message

    def _apply_edit(
        self,
        message: _Message,
        data: Mapping[str, Any],
        files: list[UploadedFile],
        *,
        keep_flags: int,
    ) -> None:
        merged: JSONDict = {
            "content": data.get("content", message.content),
            "embeds": data.get("embeds", message.embeds),
        }
        errors = _validate_message(merged, files)
        if errors:
            raise _invalid_form(errors)
        attachments, uploads = message.attachments, message.files
        if "attachments" in data or files:
            kept_ids = {
                str(a.get("id")) for a in data.get("attachments") or [] if isinstance(a, dict)
            }
            kept = [
                (a, f) for a, f in zip(attachments, uploads, strict=False) if a["id"] in kept_ids
            ]
            attachments = [a for a, _ in kept] + self._attachments(message.channel_id, data, files)
            uploads = [f for _, f in kept] + list(files)
        content = str(merged["content"] or "")
        embeds = [_normalize_embed(e) for e in merged["embeds"] or []]
        if not (content or embeds or uploads):
            raise _ApiError(400, 50006, "Cannot send an empty message")
        message.content, message.embeds = content, embeds
        message.attachments, message.files = attachments, uploads
        message.flags = (message.flags & ~LOADING & ~EPHEMERAL) | keep_flags
        if "flags" in data and data["flags"] is not None:
            message.flags |= int(data["flags"]) & SUPPRESS_EMBEDS
        message.edits += 1
        message.edited_at = _iso(time.time())
        message.payload = copy.deepcopy(dict(data))
        self._cond.notify_all()


# --- validation -----------------------------------------------------------------------------


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def _interaction_id(interaction: PushedInteraction | int) -> int:
    return interaction.id if isinstance(interaction, PushedInteraction) else interaction


def _normalize_embed(embed: Any) -> JSONDict:
    result = copy.deepcopy(embed) if isinstance(embed, dict) else {}
    result.setdefault("type", "rich")
    result.setdefault("content_scan_version", 0)
    return result


def _validate_message(data: Mapping[str, Any], files: Sequence[UploadedFile]) -> JSONDict:
    """Discord's message checks; returns the nested ``errors`` object (empty when fine)."""
    errors: JSONDict = {}
    content = data.get("content")
    if content is not None and not isinstance(content, str):
        errors["content"] = _form_error(
            "STRING_TYPE_CONVERT", "Could not interpret value as string."
        )
    elif content and len(content) > MAX_CONTENT:
        errors["content"] = _too_long(MAX_CONTENT)
    embeds = data.get("embeds") or []
    if not isinstance(embeds, list):
        errors["embeds"] = _form_error(
            "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"
        )
        return errors
    if len(embeds) > MAX_EMBEDS:
        errors["embeds"] = _too_long(MAX_EMBEDS)
        return errors
    total = 0
    embed_errors: JSONDict = {}
    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            embed_errors[str(index)] = _form_error(
                "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
            )
            continue
        problems: JSONDict = {}
        for key, limit in (("title", MAX_EMBED_TITLE), ("description", MAX_EMBED_DESCRIPTION)):
            if len(str(embed.get(key) or "")) > limit:
                problems[key] = _too_long(limit)
        fields = embed.get("fields") or []
        if len(fields) > MAX_EMBED_FIELDS:
            problems["fields"] = _too_long(MAX_EMBED_FIELDS)
        else:
            field_errors: JSONDict = {}
            for position, embed_field in enumerate(fields):
                name, value = (
                    str(embed_field.get("name") or ""),
                    str(embed_field.get("value") or ""),
                )
                problem: JSONDict = {}
                if not 1 <= len(name) <= MAX_FIELD_NAME:
                    problem["name"] = _length_between(1, MAX_FIELD_NAME)
                if not 1 <= len(value) <= MAX_FIELD_VALUE:
                    problem["value"] = _length_between(1, MAX_FIELD_VALUE)
                if problem:
                    field_errors[str(position)] = problem
            if field_errors:
                problems["fields"] = field_errors
        footer = embed.get("footer")
        if isinstance(footer, dict) and len(str(footer.get("text") or "")) > MAX_FOOTER:
            problems["footer"] = {"text": _too_long(MAX_FOOTER)}
        author = embed.get("author")
        if isinstance(author, dict) and len(str(author.get("name") or "")) > MAX_AUTHOR_NAME:
            problems["author"] = {"name": _too_long(MAX_AUTHOR_NAME)}
        if problems:
            embed_errors[str(index)] = problems
        total += sum(len(text) for text in _embed_texts(embed))
    if embed_errors:
        errors["embeds"] = embed_errors
    elif total > MAX_EMBED_TOTAL:
        errors["embeds"] = _form_error(
            "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"
        )
    return errors


def _validate_choices(choices: Any) -> JSONDict:
    if not isinstance(choices, list):
        return _form_error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    if len(choices) > MAX_CHOICES:
        return _too_long(MAX_CHOICES)
    errors: JSONDict = {}
    for index, choice in enumerate(choices):
        name = str(choice.get("name") or "") if isinstance(choice, dict) else ""
        value = choice.get("value") if isinstance(choice, dict) else None
        problem: JSONDict = {}
        if not 1 <= len(name) <= 100:
            problem["name"] = _length_between(1, 100)
        if value is None or (isinstance(value, str) and len(value) > 100):
            problem["value"] = _too_long(100)
        if problem:
            errors[str(index)] = problem
    return errors


def _clean_options(options: list[JSONDict]) -> list[JSONDict]:
    cleaned: list[JSONDict] = []
    for option in options:
        entry = {k: copy.deepcopy(v) for k, v in option.items() if v is not None}
        if entry.get("options"):
            entry["options"] = _clean_options(entry["options"])
        cleaned.append(entry)
    return cleaned


def _validate_name(name: Any, kind: int) -> JSONDict | None:
    text = str(name or "")
    if kind == 1 or kind is None:
        if not _COMMAND_NAME_RE.fullmatch(text) or text != text.lower():
            return _form_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif not 1 <= len(text) <= 32:
        return _length_between(1, 32)
    return None


def _validate_options(options: Any, depth: int) -> JSONDict:
    if not isinstance(options, list):
        return _form_error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    if len(options) > MAX_OPTIONS:
        return _too_long(MAX_OPTIONS)
    errors: JSONDict = {}
    seen_optional = False
    names: set[str] = set()
    for index, option in enumerate(options):
        problem: JSONDict = {}
        kind = option.get("type")
        if kind not in range(1, 12):
            problem["type"] = _form_error(
                "BASE_TYPE_CHOICES", f"Value must be one of 1-11 (got {kind})."
            )
        name_error = _validate_name(option.get("name"), 1)
        if name_error:
            problem["name"] = name_error
        elif option["name"] in names:
            problem["name"] = _form_error(
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists"
            )
        names.add(str(option.get("name")))
        if not 1 <= len(str(option.get("description") or "")) <= 100:
            problem["description"] = _length_between(1, 100)
        if kind in (1, 2):
            if depth >= 2 or (kind == 2 and depth >= 1):
                problem["type"] = _form_error(
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands nest too deep"
                )
            nested = _validate_options(option.get("options") or [], depth + 1)
            if nested:
                problem["options"] = nested
        else:
            if option.get("required"):
                if seen_optional:
                    problem["required"] = _form_error(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
            choices = option.get("choices") or []
            if len(choices) > MAX_CHOICES:
                problem["choices"] = _too_long(MAX_CHOICES)
            if choices and option.get("autocomplete"):
                problem["autocomplete"] = _form_error(
                    "AUTOCOMPLETE_CHOICES_INVALID", "Autocomplete cannot be set with choices"
                )
        if problem:
            errors[str(index)] = problem
    return errors


def _validate_commands(commands: list[Any]) -> JSONDict:
    errors: JSONDict = {}
    if len(commands) > 100:
        return {
            "_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}
            ]
        }
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            errors[str(index)] = _form_error(
                "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
            )
            continue
        problem: JSONDict = {}
        kind = int(command.get("type", 1))
        name_error = _validate_name(command.get("name"), kind)
        if name_error:
            problem["name"] = name_error
        elif (command["name"], kind) in seen:
            problem["name"] = _form_error(
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique ({command['name']})",
            )
        seen.add((str(command.get("name")), kind))
        description = str(command.get("description") or "")
        if kind == 1 and not 1 <= len(description) <= 100:
            problem["description"] = _length_between(1, 100)
        if command.get("options"):
            option_errors = _validate_options(command["options"], 0)
            if option_errors:
                problem["options"] = option_errors
        if problem:
            errors[str(index)] = problem
    return errors
