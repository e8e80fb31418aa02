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

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.pacing import Pacer


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
    One instance per bot and event loop; every send of that bot takes a turn first."""

    # Chats idle for longer than this are forgotten (their interval has long passed).
    _IDLE_S = 600.0
    _PRUNE_AT = 4096

    def __init__(self, limits: SendLimits | None = None) -> None:
        self.limits = limits or SendLimits()
        self._overall = Pacer.per_second(self.limits.overall_per_second)
        self._chats: dict[int, Pacer] = {}

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[Callable[[], None]]:
        """Enter when a message to ``chat_id`` may be sent; call the given function just
        before it goes, then send it inside. Messages to one chat take turns, and a chat
        that waits for its own interval holds no overall turn meanwhile."""
        chat = self._chat(chat_id)
        async with chat.lock:
            await chat.wait()
            granted = await self._overall.grant()

            def going() -> None:
                self._overall.went(granted)
                chat.went()

            try:
                yield going
            finally:
                chat.went()  # a chat's interval runs from when its message has gone

    def _chat(self, chat_id: int) -> Pacer:
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
            pacer = self._chats[chat_id] = Pacer(interval)
        return pacer
