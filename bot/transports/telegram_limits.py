"""Telegram's sending limits, shared by every message one bot sends.

Telegram allows about 30 messages per second overall, one per second in a chat and 20 per
minute in a group or channel, and answers 429 (``RetryAfter``) past them. Each limit is an
aiolimiter leaky bucket of capacity one, so sends are spaced evenly and no sliding window of
Telegram's is ever exceeded, bursts included. A little headroom below each limit absorbs
clock and network jitter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter


@dataclass(frozen=True)
class SendLimits:
    overall_per_second: float = 28.0
    chat_interval_s: float = 1.05  # private chats: one message per second
    group_interval_s: float = 3.05  # groups and channels: 20 messages per minute


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


class SendLimiter:
    """Waits until one more message may go to a chat without passing any of Telegram's limits.
    One instance per bot and event loop; every send of that bot acquires it first.

    The overall limit is an aiolimiter bucket. A chat's own interval is counted from when its
    previous message has gone, so whatever delayed that message (the overall limit, the
    ledger's write just before it) does not shorten the gap to the next one."""

    # Chats idle for longer than this are forgotten (their interval has long passed).
    _IDLE_S = 600.0
    _PRUNE_AT = 4096

    def __init__(self, limits: SendLimits | None = None) -> None:
        self.limits = limits or SendLimits()
        self._overall = AsyncLimiter(1, 1 / self.limits.overall_per_second)
        self._chats: dict[int, _ChatTurn] = {}

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Enter when a message to ``chat_id`` may be sent now; send it inside. Messages to
        one chat take turns, and the chat's interval runs from when its message has gone;
        a chat that must wait for its own interval holds no overall slot meanwhile."""
        turn = self._turn(chat_id)
        async with turn.lock:
            delay = turn.next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._overall.acquire()
            try:
                yield
            finally:
                interval = (
                    self.limits.group_interval_s
                    if is_group(chat_id)
                    else self.limits.chat_interval_s
                )
                turn.next_at = time.monotonic() + interval

    def _turn(self, chat_id: int) -> _ChatTurn:
        if len(self._chats) >= self._PRUNE_AT:
            stale = time.monotonic() - self._IDLE_S
            self._chats = {
                cid: turn
                for cid, turn in self._chats.items()
                if turn.next_at > stale or turn.lock.locked()
            }
        turn = self._chats.get(chat_id)
        if turn is None:
            turn = self._chats[chat_id] = _ChatTurn()
        return turn


@dataclass
class _ChatTurn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0
