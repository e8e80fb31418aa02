"""Scheduled digests through the delivery ledger: each item reaches each chat at most once,
and nothing is lost without a record.

For each due chat: pick the digest (stories of its topics since its last digest, one per
cluster, minus what the ledger says it has), reserve the items as pending and commit, send,
then mark them sent (or failed, with the reason). A crash between reserving and confirming
leaves pending rows; on the next start they become "uncertain" and are not sent again —
haberci cannot know whether Telegram delivered them, and sending twice is the worse error.
They are counted in /stats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

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

log = logging.getLogger("haberci.delivery")
FIRST_DIGEST_PERIOD = timedelta(hours=24)


class Sender(Protocol):
    """A transport's way to send a reply to one of its chats. False: the chat is unreachable
    (blocked, kicked, deleted) and was deactivated."""

    async def send(self, chat_id: int, reply: Reply) -> bool: ...


@dataclass
class DigestRun:
    chats: int = 0
    sent_items: int = 0
    failed_items: int = 0
    empty: int = 0


async def send_digest(app: App, chat: ChatRecord, sender: Sender, now: datetime) -> tuple[int, int]:
    """One chat's digest through the ledger; returns (items sent, items failed)."""
    since = chat.last_digest_at or now - FIRST_DIGEST_PERIOD

    def prepare() -> tuple[list[StoryEntry], list[str]]:
        """Choose the entries and reserve them as pending, committed before any send."""
        with app.sessions.begin() as session:
            received = ledger.received_keys(session, chat.id)
            fresh = [
                (ledger.item_key(e.story_id or 0, e.cluster_id), e)
                for e in digest_entries(session, chat.topics, since, size * 3)
            ]
            chosen = [(key, e) for key, e in fresh if key not in received][:size]
            reserved = set(
                ledger.reserve(
                    session, chat.id, [(k, e.story_id or 0) for k, e in chosen], "digest", now
                )
            )
        return [e for k, e in chosen if k in reserved], [k for k, _ in chosen if k in reserved]

    size = app.settings.digest_size
    prepared, keys = await asyncio.to_thread(prepare)
    sent = failed = 0
    if prepared:
        reply = Reply((Heading(text(chat.language, "digest_heading")), *prepared))
        try:
            delivered = await sender.send(int(chat.external_id), reply)
            reason = None if delivered else "chat unreachable (deactivated)"
        except Exception as exc:  # recorded, counted, and the other chats go on
            log.warning("digest to chat %s failed: %s", chat.id, exc)
            delivered, reason = False, f"{type(exc).__name__}: {exc}"
        status = ledger.SENT if delivered else ledger.FAILED
        await asyncio.to_thread(_settle, app, chat.id, keys, status, now, reason)
        sent, failed = (len(keys), 0) if delivered else (0, len(keys))
    elif app.settings.digest_when_empty:
        try:
            await sender.send(
                int(chat.external_id), Reply.text(text(chat.language, "digest_empty"))
            )
        except Exception as exc:
            log.warning("empty-digest line to chat %s failed: %s", chat.id, exc)
    await asyncio.to_thread(_advance, app, chat, now)
    return sent, failed


async def send_alerts(app: App, senders: dict[str, Sender], now: datetime) -> int:
    """Breaking alerts: an event covered by ``HABERCI_ALERT_SOURCES`` outlets within
    ``HABERCI_ALERT_WINDOW_HOURS`` goes at once to every chat with alerts on whose topics it
    has (all chats following nothing), once — through the same ledger as digests, so the
    digest will not repeat it. Returns the alerts sent."""
    settings = app.settings
    since = now - timedelta(hours=settings.alert_window_hours)

    def hot() -> list[StoryEntry]:
        with app.sessions() as session:
            clusters = cluster_store.busy_clusters(session, since, settings.alert_sources)
            stories = [
                s
                for cluster_id in clusters
                for s in story_store.list_stories(session, cluster_id=cluster_id, readable=True)[:1]
            ]
            return story_entries(session, stories)

    entries = await asyncio.to_thread(hot)
    if not entries:
        return 0
    with app.sessions() as session:
        chats = [c for c in chat_store.list_chats(session, active_only=True) if c.alerts]
        topics = story_store.topics_of(session, [e.story_id or 0 for e in entries])
    sent = 0
    for chat in chats:
        sender = senders.get(chat.platform)
        if sender is None:
            continue
        for entry in entries:
            if chat.topics and not set(chat.topics) & set(topics.get(entry.story_id or 0, ())):
                continue
            key = ledger.item_key(entry.story_id or 0, entry.cluster_id)
            reserved = await asyncio.to_thread(_reserve_one, app, chat.id, key, entry, now)
            if not reserved:
                continue
            reply = Reply((Heading(text(chat.language, "alert_heading")), entry))
            try:
                delivered = await sender.send(int(chat.external_id), reply)
                reason = None if delivered else "chat unreachable (deactivated)"
            except Exception as exc:
                delivered, reason = False, f"{type(exc).__name__}: {exc}"
            status = ledger.SENT if delivered else ledger.FAILED
            await asyncio.to_thread(_settle, app, chat.id, [key], status, now, reason)
            sent += delivered
            if not delivered:
                break
    return sent


def _reserve_one(app: App, chat_id: int, key: str, entry: StoryEntry, now: datetime) -> bool:
    with app.sessions.begin() as session:
        if key in ledger.received_keys(session, chat_id):
            return False
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


def resolve_in_flight(app: App) -> int:
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
    """Send the digests that are due (``every_chat``: every active chat's, now), chat by chat
    through the ledger. Chats on platforms without a sender are left for later."""
    await asyncio.to_thread(schedule_new_chats, app, now)
    with app.sessions() as session:
        chats = chat_store.list_chats(session, active_only=True)
    run = DigestRun()
    for chat in chats:
        if only_chat is not None and chat.id != only_chat:
            continue
        due = chat.next_digest_at is not None and chat.next_digest_at <= now
        if not (every_chat or only_chat is not None or due):
            continue
        sender = senders.get(chat.platform)
        if sender is None:
            continue
        sent, failed = await send_digest(app, chat, sender, now)
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
    uncertain = await asyncio.to_thread(resolve_in_flight, app)
    if uncertain:
        log.warning("%d deliveries were in flight at the last stop: marked uncertain", uncertain)
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
