"""When a feed is polled next: interval with jitter, exponential backoff on failure. Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class PollPolicy:
    jitter: float = 0.1
    max_backoff: timedelta = timedelta(hours=6)
    pause_after_failures: int = 10


def next_poll_after_success(
    now: datetime, interval_min: int, policy: PollPolicy, rng: random.Random
) -> datetime:
    """The feed's own interval, spread by ±jitter so feeds added together do not poll together."""
    spread = 1 + rng.uniform(-policy.jitter, policy.jitter)
    return now + timedelta(minutes=interval_min * spread)


def backoff_delay(
    failures: int, interval_min: int, policy: PollPolicy, rng: random.Random
) -> timedelta:
    """Delay after the ``failures``-th consecutive failure: the interval doubled per failure,
    capped at ``max_backoff``, then jittered down by up to half (so retries spread out)."""
    exponent = min(max(failures - 1, 0), 30)
    base = min(timedelta(minutes=interval_min) * (2**exponent), policy.max_backoff)
    delay: timedelta = base * rng.uniform(0.5, 1.0)
    return delay


def next_poll_after_failure(
    now: datetime,
    failures: int,
    interval_min: int,
    retry_after_s: float | None,
    policy: PollPolicy,
    rng: random.Random,
) -> datetime:
    """Backoff, but never earlier than a server's Retry-After asks."""
    delay = backoff_delay(failures, interval_min, policy, rng)
    if retry_after_s is not None:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return now + delay


def should_pause(failures: int, policy: PollPolicy) -> bool:
    return policy.pause_after_failures > 0 and failures >= policy.pause_after_failures
