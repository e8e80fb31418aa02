"""Scheduled digests and breaking alerts through the delivery ledger: each item reaches each
chat at most once, and nothing is lost without a record.

For each due chat: pick the digest (stories of its topics since its last digest, one per
cluster, minus what the ledger says it has) and reserve its items as queued, committed. The
transport splits the digest into messages; for each one, once its turn under the platform's
limits has come, its items become pending (committed) just before it goes out, then sent or
failed (with the reason) after. After a crash, queued items were never attempted and are
released to be sent by the next run; pending ones may or may not have arrived — they become
"uncertain" and are not sent again, since sending twice is the worse error. They are counted
in /stats. Chats are served concurrently (``HABERCI_SEND_CONCURRENCY``); one chat's wait
(Telegram's RetryAfter, say) holds up only that chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.digest import digest_entries
from bot.entries import story_entries
from bot.i18n import text
from bot.reply import Heading, Reply, StoryEntry
from bot.schedule_times import next_digest_at
from storage import chats as chat_store
from storage import clusters as cluster_store
from storage import deliveries as ledger
from storage import stories as story_store
from storage.chats import ChatRecord

if TYPE_CHECKING:
    from bot.app import App

T = TypeVar("T")
BeforeSend = Callable[[], Awaitable[None]]

log = logging.getLogger("haberci.delivery")
FIRST_DIGEST_PERIOD = timedelta(hours=24)


class Sender(Protocol):
    """A transport's way to send a reply to one of its chats."""

    def split(self, reply: Reply) -> list[Reply]:
        """The reply as parts that go out as one message each."""
        ...

    async def send(self, chat_id: int, reply: Reply, before_send: BeforeSend | None = None) -> bool:
        """Send one reply, awaiting ``before_send`` just before it goes out. False: the chat
        is unreachable (blocked, kicked, deleted) and was deactivated."""
        ...


@dataclass
class DigestRun:
    chats: int = 0
    sent_items: int = 0
    failed_items: int = 0
    empty: int = 0


@dataclass
class Ledger:
    """The delivery ledger as one run uses it, its database work off the event loop. Every
    write transaction starts with its write, so SQLite's busy timeout orders concurrent
    writers and no transaction reads a snapshot it later writes over."""

    app: App

    async def run(self, work: Callable[..., T], *args: object) -> T:
        return await asyncio.to_thread(work, *args)

    async def deliver(
        self, chat: ChatRecord, sender: Sender, reply: Reply, now: datetime
    ) -> tuple[int, int]:
        """Send a reply whose entries are queued in the ledger, message by message, moving
        each message's items to pending just before it goes out and to sent or failed after.
        Returns (items sent, items failed)."""
        parts = sender.split(reply)
        keys = [[ledger.item_key(e.story_id or 0, e.cluster_id) for e in p.entries] for p in parts]
        sent = 0
        for index, part in enumerate(parts):

            async def mark_pending(part_keys: list[str] = keys[index]) -> None:
                await self.run(_settle, self.app, chat.id, part_keys, ledger.PENDING, now, None)

            try:
                delivered = await sender.send(int(chat.external_id), part, mark_pending)
                reason = None if delivered else "chat unreachable (deactivated)"
            except Exception as exc:  # recorded, counted, and the other chats go on
                log.warning("delivery to chat %s failed: %s", chat.id, exc)
                delivered, reason = False, f"{type(exc).__name__}: {exc}"
            if not delivered:
                rest = [key for part_keys in keys[index:] for key in part_keys]
                await self.run(_settle, self.app, chat.id, rest, ledger.FAILED, now, reason)
                return sent, len(rest)
            await self.run(_settle, self.app, chat.id, keys[index], ledger.SENT, now, None)
            sent += len(keys[index])
        return sent, 0


async def send_digest(
    app: App, chat: ChatRecord, sender: Sender, now: datetime, book: Ledger | None = None
) -> tuple[int, int]:
    """One chat's digest through the ledger; returns (items sent, items failed)."""
    book = book or Ledger(app)
    since = chat.last_digest_at or now - FIRST_DIGEST_PERIOD
    size = app.settings.digest_size

    def prepare() -> list[StoryEntry]:
        """Choose the entries, then reserve them as queued, committed before any send (a key
        reserved meanwhile by another run is left out)."""
        with app.sessions() as session:
            received = ledger.received_keys(session, chat.id)
            fresh = [
                (ledger.item_key(e.story_id or 0, e.cluster_id), e)
                for e in digest_entries(session, chat.topics, since, size * 3)
            ]
        chosen = [(key, e) for key, e in fresh if key not in received][:size]
        with app.sessions.begin() as session:
            reserved = set(
                ledger.reserve(
                    session, chat.id, [(k, e.story_id or 0) for k, e in chosen], "digest", now
                )
            )
        return [e for k, e in chosen if k in reserved]

    prepared = await book.run(prepare)
    sent = failed = 0
    if prepared:
        reply = Reply((Heading(text(chat.language, "digest_heading")), *prepared))
        sent, failed = await book.deliver(chat, sender, reply, now)
    elif app.settings.digest_when_empty:
        try:
            await sender.send(
                int(chat.external_id), Reply.text(text(chat.language, "digest_empty"))
            )
        except Exception as exc:
            log.warning("empty-digest line to chat %s failed: %s", chat.id, exc)
    await book.run(_advance, app, chat, now)
    return sent, failed


async def send_alerts(app: App, senders: dict[str, Sender], now: datetime) -> int:
    """Breaking alerts: an event covered by ``HABERCI_ALERT_SOURCES`` outlets within
    ``HABERCI_ALERT_WINDOW_HOURS`` goes at once to every chat with alerts on whose topics it
    has (all chats following nothing), once — through the same ledger as digests, so the
    digest will not repeat it. Returns the alerts sent."""
    settings = app.settings
    since = now - timedelta(hours=settings.alert_window_hours)
    book = Ledger(app)

    def hot() -> tuple[list[StoryEntry], list[ChatRecord], dict[int, tuple[str, ...]]]:
        with app.sessions() as session:
            clusters = cluster_store.busy_clusters(session, since, settings.alert_sources)
            stories = [
                s
                for cluster_id in clusters
                for s in story_store.list_stories(session, cluster_id=cluster_id, readable=True)[:1]
            ]
            entries = story_entries(session, stories)
            if not entries:
                return [], [], {}
            chats = [c for c in chat_store.list_chats(session, active_only=True) if c.alerts]
            topics = story_store.topics_of(session, [e.story_id or 0 for e in entries])
            return entries, chats, topics

    entries, chats, topics = await book.run(hot)

    async def alert_chat(chat: ChatRecord, sender: Sender) -> int:
        sent = 0
        for entry in entries:
            if chat.topics and not set(chat.topics) & set(topics.get(entry.story_id or 0, ())):
                continue
            key = ledger.item_key(entry.story_id or 0, entry.cluster_id)
            if not await book.run(_reserve_one, app, chat.id, key, entry, now):
                continue
            reply = Reply((Heading(text(chat.language, "alert_heading")), entry))
            done, failed = await book.deliver(chat, sender, reply, now)
            sent += done
            if failed:
                break
        return sent

    jobs = [
        (chat, senders[chat.platform]) for chat in chats if chat.platform in senders and entries
    ]
    return sum(await _each_bounded(app, jobs, alert_chat))


async def _each_bounded(
    app: App,
    jobs: list[tuple[ChatRecord, Sender]],
    work: Callable[[ChatRecord, Sender], Awaitable[T]],
) -> list[T]:
    """Run ``work`` for every chat, at most ``HABERCI_SEND_CONCURRENCY`` at once."""
    gate = asyncio.Semaphore(app.settings.send_concurrency)

    async def one(chat: ChatRecord, sender: Sender) -> T:
        async with gate:
            return await work(chat, sender)

    return list(await asyncio.gather(*(one(chat, sender) for chat, sender in jobs)))


def _reserve_one(app: App, chat_id: int, key: str, entry: StoryEntry, now: datetime) -> bool:
    """Reserve one alert; False when the chat already has (or had) the item in the ledger."""
    with app.sessions.begin() as session:
        return bool(ledger.reserve(session, chat_id, [(key, entry.story_id or 0)], "alert", now))


def _settle(
    app: App, chat_id: int, keys: list[str], status: str, now: datetime, reason: str | None
) -> None:
    with app.sessions.begin() as session:
        ledger.settle(session, chat_id, keys, status, now, reason)


def _advance(app: App, chat: ChatRecord, now: datetime) -> None:
    with app.sessions.begin() as session:
        chat_store.set_chat(
            session,
            chat.id,
            last_digest_at=now,
            next_digest_at=next_digest_at(chat.times, chat.timezone, now),
        )


def schedule_new_chats(app: App, now: datetime) -> int:
    """Give active chats without a next digest time one (first run, or times just changed)."""
    count = 0
    with app.sessions.begin() as session:
        for chat in chat_store.list_chats(session, active_only=True):
            if chat.next_digest_at is None and chat.times:
                chat_store.set_chat(
                    session, chat.id, next_digest_at=next_digest_at(chat.times, chat.timezone, now)
                )
                count += 1
    return count


def resolve_in_flight(app: App) -> tuple[int, int]:
    """Queued deliveries left by a stop are released, pending ones become uncertain; returns
    (released, uncertain)."""
    with app.sessions.begin() as session:
        return ledger.resolve_in_flight(session)


async def send_due_digests(
    app: App,
    senders: dict[str, Sender],
    now: datetime,
    *,
    every_chat: bool = False,
    only_chat: int | None = None,
) -> DigestRun:
    """Send the digests that are due (``every_chat``: every active chat's, now), each chat's
    through the ledger, several chats at once. Chats on platforms without a sender are left
    for later."""
    await asyncio.to_thread(schedule_new_chats, app, now)
    with app.sessions() as session:
        chats = chat_store.list_chats(session, active_only=True)
    jobs = []
    for chat in chats:
        if only_chat is not None and chat.id != only_chat:
            continue
        due = chat.next_digest_at is not None and chat.next_digest_at <= now
        if not (every_chat or only_chat is not None or due):
            continue
        if chat.platform in senders:
            jobs.append((chat, senders[chat.platform]))
    book = Ledger(app)

    async def digest(chat: ChatRecord, sender: Sender) -> tuple[int, int]:
        return await send_digest(app, chat, sender, now, book)

    run = DigestRun()
    for sent, failed in await _each_bounded(app, jobs, digest):
        run.chats += 1
        run.sent_items += sent
        run.failed_items += failed
        run.empty += not (sent or failed)
    return run


async def digest_loop(
    app: App, senders: dict[str, Sender], ready: asyncio.Event, stop: asyncio.Event
) -> None:
    """Send due digests every scheduler tick until ``stop`` (after the transports are ready).
    Pending rows left by a previous run are resolved first."""
    await ready.wait()
    released, uncertain = await asyncio.to_thread(resolve_in_flight, app)
    if released or uncertain:
        log.warning(
            "at the last stop %d deliveries were queued (released) and %d in flight (uncertain)",
            released,
            uncertain,
        )
    while not stop.is_set():
        try:
            alerts = await send_alerts(app, senders, _utc_now())
            if alerts:
                log.info("breaking alerts sent", extra={"alerts": alerts})
            run = await send_due_digests(app, senders, _utc_now())
            if run.chats:
                log.info(
                    "digests sent",
                    extra={"chats": run.chats, "items": run.sent_items, "failed": run.failed_items},
                )
        except Exception:
            log.exception("digest round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), app.settings.scheduler_tick_s)


def _utc_now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
