"""Poll scheduling: jittered intervals, capped exponential backoff, Retry-After, pausing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from feeds.schedule import (
    PollPolicy,
    backoff_delay,
    next_poll_after_failure,
    next_poll_after_success,
    should_pause,
)

NOW = datetime(2026, 11, 25, tzinfo=UTC)
POLICY = PollPolicy(jitter=0.1, max_backoff=timedelta(hours=6), pause_after_failures=5)


def test_success_spreads_around_the_interval() -> None:
    rng = random.Random(1)
    delays = {next_poll_after_success(NOW, 15, POLICY, rng) - NOW for _ in range(200)}
    assert min(delays) >= timedelta(minutes=13.5) and max(delays) <= timedelta(minutes=16.5)
    assert len(delays) > 100, "jittered, not constant"


def test_backoff_doubles_and_is_capped() -> None:
    rng = random.Random(2)
    for failures, ceiling in [(1, 15), (2, 30), (3, 60), (4, 120), (10, 360), (40, 360)]:
        delays = [backoff_delay(failures, 15, POLICY, rng) for _ in range(50)]
        assert max(delays) <= timedelta(minutes=ceiling)
        assert min(delays) >= timedelta(minutes=ceiling / 2)


def test_retry_after_sets_a_floor() -> None:
    rng = random.Random(3)
    when = next_poll_after_failure(NOW, 1, 15, 7200, POLICY, rng)
    assert when >= NOW + timedelta(hours=2)
    assert next_poll_after_failure(NOW, 1, 15, 1, POLICY, rng) >= NOW + timedelta(minutes=7.5)


def test_pause_threshold() -> None:
    assert not should_pause(4, POLICY) and should_pause(5, POLICY)
    assert not should_pause(1000, PollPolicy(pause_after_failures=0))
