"""A hand-driven clock for the local chat-platform servers' limits and deadlines."""

from __future__ import annotations

import threading


class ManualClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        """Start at ``start`` seconds."""
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        """The current time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        with self._lock:
            self._now += seconds
