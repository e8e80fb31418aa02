"""Telegram's sending limits, shared by every message one bot sends.

Telegram allows about 30 messages per second overall, one per second in a chat and 20 per
minute in a group or channel, counted when messages reach it, and answers 429
(``RetryAfter``) past them. Each limit is a pacer: sends are spaced evenly, and the space is
measured from when a message actually went, so whatever delayed it after its turn came (the
delivery ledger's write just before it, a busy machine) cannot bunch it up with the next
ones. A token bucket (aiolimiter) was measured first: it counts a turn when it is granted,
and a delay between the turn and the send then made Telegram's window overflow (429s).
A little headroom below each limit absorbs network jitter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SendLimits:
    overall_per_second: float = 28.0
    chat_interval_s: float = 1.05  # private chats: one message per second
    group_interval_s: float = 3.05  # groups and channels: 20 messages per minute


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


@dataclass
class _Pacer:
    """One send per ``interval``: ``next_at`` is the earliest time of the next one."""

    interval: float
    next_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self) -> None:
        # Re-checked after each sleep: a late send may have moved ``next_at`` meanwhile.
        while (delay := self.next_at - time.monotonic()) > 0:  # noqa: ASYNC110 (a deadline)
            await asyncio.sleep(delay)

    def went(self, at: float, lead: float = 0.0) -> None:
        """A send went at ``at``; the next one may be granted ``lead`` early, as the time it
        will take to go after its grant."""
        self.next_at = max(self.next_at, at + self.interval - lead)


class SendLimiter:
    """Waits until one more message may go to a chat without passing any of Telegram's limits.
    One instance per bot and event loop; every send of that bot takes a turn first."""

    # Chats idle for longer than this are forgotten (their interval has long passed).
    _IDLE_S = 600.0
    _PRUNE_AT = 4096

    def __init__(self, limits: SendLimits | None = None) -> None:
        self.limits = limits or SendLimits()
        self._overall = _Pacer(1 / self.limits.overall_per_second)
        self._chats: dict[int, _Pacer] = {}
        # How long a send takes to go after its overall turn is granted (the ledger's write),
        # smoothed: grants are moved that much earlier so that the sends themselves, not the
        # grants, are spaced by the interval.
        self._lag = 0.0

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[Callable[[], None]]:
        """Enter when a message to ``chat_id`` may be sent; call the given function just
        before it goes, then send it inside. Messages to one chat take turns, and a chat
        that waits for its own interval holds no overall turn meanwhile."""
        chat = self._chat(chat_id)
        async with chat.lock:
            await chat.wait()
            async with self._overall.lock:
                await self._overall.wait()
                granted = time.monotonic()
                self._overall.next_at = granted + self._overall.interval

            def going() -> None:
                now = time.monotonic()
                self._lag = 0.8 * self._lag + 0.2 * (now - granted)
                self._overall.went(now, min(self._lag, now - granted, self._overall.interval / 2))
                chat.went(now)

            try:
                yield going
            finally:
                chat.went(time.monotonic())

    def _chat(self, chat_id: int) -> _Pacer:
        if len(self._chats) >= self._PRUNE_AT:
            stale = time.monotonic() - self._IDLE_S
            self._chats = {
                cid: pacer
                for cid, pacer in self._chats.items()
                if pacer.next_at > stale or pacer.lock.locked()
            }
        pacer = self._chats.get(chat_id)
        if pacer is None:
            interval = (
                self.limits.group_interval_s if is_group(chat_id) else self.limits.chat_interval_s
            )
            pacer = self._chats[chat_id] = _Pacer(interval)
        return pacer
