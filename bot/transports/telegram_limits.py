"""Telegram's sending limits, shared by every message one bot sends.

Telegram allows about 30 messages per second overall, one per second in a chat and 20 per
minute in a group or channel, and answers 429 (``RetryAfter``) past them. Each limit is an
aiolimiter leaky bucket of capacity one, so sends are spaced evenly and no sliding window of
Telegram's is ever exceeded, bursts included. A little headroom below each limit absorbs
clock and network jitter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiolimiter import AsyncLimiter


@dataclass(frozen=True)
class SendLimits:
    overall_per_second: float = 29.0
    chat_interval_s: float = 1.05  # private chats: one message per second
    group_interval_s: float = 3.05  # groups and channels: 20 messages per minute


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


class SendLimiter:
    """Waits until one more message may go to a chat without passing any of Telegram's limits.
    One instance per bot and event loop; every send of that bot acquires it first."""

    # Per-chat buckets of chats idle for longer than this are dropped (they are empty again).
    _IDLE_S = 600.0
    _PRUNE_AT = 4096

    def __init__(self, limits: SendLimits | None = None) -> None:
        self.limits = limits or SendLimits()
        self._overall = AsyncLimiter(1, 1 / self.limits.overall_per_second)
        self._chats: dict[int, tuple[AsyncLimiter, float]] = {}

    async def acquire(self, chat_id: int) -> None:
        """Return when a message to ``chat_id`` may be sent now. The chat's own limit is
        waited for first, so a chat that must wait does not hold an overall slot."""
        await self._chat_limiter(chat_id).acquire()
        await self._overall.acquire()

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        now = time.monotonic()
        if len(self._chats) >= self._PRUNE_AT:
            self._chats = {
                cid: entry for cid, entry in self._chats.items() if now - entry[1] < self._IDLE_S
            }
        entry = self._chats.get(chat_id)
        if entry is None:
            interval = (
                self.limits.group_interval_s if is_group(chat_id) else self.limits.chat_interval_s
            )
            entry = (AsyncLimiter(1, interval), now)
        self._chats[chat_id] = (entry[0], now)
        return entry[0]
