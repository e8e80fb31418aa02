"""Even pacing of a bot's sends below a platform's overall limit, counted from when each
message actually went.

A send is granted its turn, then the delivery ledger marks its items in flight, then it goes.
Whatever delays it between the grant and the send (that write, a busy machine) must not bunch
it up with the next ones, or the platform's window overflows into 429s: so the space runs from
the send, and the typical delay (smoothed) is granted ahead so that the pace does not drop by
it. Used by the Telegram and Discord transports.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Pacer:
    """One send per ``interval``: ``next_at`` is the earliest time of the next one."""

    interval: float
    next_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # How long a send takes to go after its grant, smoothed.
    lag: float = 0.0

    @classmethod
    def per_second(cls, rate: float) -> Pacer:
        return cls(1 / rate)

    async def wait(self) -> None:
        """Return once ``next_at`` has passed (without taking the turn)."""
        # Re-checked after each sleep: a late send may have moved ``next_at`` meanwhile.
        while (delay := self.next_at - time.monotonic()) > 0:  # noqa: ASYNC110 (a deadline)
            await asyncio.sleep(delay)

    async def grant(self) -> float:
        """Wait for this sender's turn and take it; returns when it was granted."""
        async with self.lock:
            await self.wait()
            granted = time.monotonic()
            self.next_at = granted + self.interval
            return granted

    def went(self, granted: float | None = None) -> None:
        """The send granted at ``granted`` goes now: the next one is spaced from now, less
        the usual delay between a grant and its send."""
        now = time.monotonic()
        lead = 0.0
        if granted is not None:
            self.lag = 0.8 * self.lag + 0.2 * (now - granted)
            # Capped small: a lead larger than the next send's own delay bunches sends up, and
            # over a window the bunching adds up to at most one lead.
            lead = min(self.lag, now - granted, self.interval / 8)
        self.next_at = max(self.next_at, now + self.interval - lead)
