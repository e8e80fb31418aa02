"""`haberci digests send --now` in a child process, as an operator runs it: killed with
SIGKILL in the middle of a run, then run again to the end."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "bot", "digests", "send", "--now"]


def digests_env(database_url: str, **platform: str) -> dict[str, str]:
    """The environment of the child: this database, no bundled feeds, the platform's
    settings (TELEGRAM_* or DISCORD_*) and none of the caller's own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HABERCI_", "TELEGRAM_", "DISCORD_"))
    }
    env.update(
        HABERCI_DATABASE_URL=database_url,
        HABERCI_LOAD_DEFAULT_FEEDS="0",
        HABERCI_LOG_LEVEL="WARNING",
        **platform,
    )
    return env


def kill_mid_run(env: dict[str, str], wait_until_sent: Callable[[], object]) -> None:
    """Start a run and kill it with SIGKILL (no clean-up of any kind) as soon as
    ``wait_until_sent`` returns."""
    first = subprocess.Popen(COMMAND, env=env, cwd=ROOT, stderr=subprocess.PIPE)
    try:
        wait_until_sent()
        first.kill()
        assert first.wait(timeout=30) == -9
    finally:
        if first.poll() is None:
            first.kill()
        assert first.stderr is not None
        first.stderr.close()


def run_to_end(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run again until done; it must succeed and say it found the last run cut off."""
    second = subprocess.run(
        COMMAND, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert second.returncode == 0, second.stderr
    assert "at the last stop" in second.stderr
    return second


def assert_each_item_at_most_once(
    received: Mapping[object, str], urls: Sequence[str], uncertain: int
) -> None:
    """Every chat's messages (``received``: chat → its messages' text) hold each item's link at
    most once. An item whose message was on its way at the kill is "uncertain" in the ledger and
    is not sent again, so it may be missing; only such items may be (at most ``uncertain``)."""
    missing = 0
    for chat, text in received.items():
        for url in urls:
            assert text.count(url) <= 1, (chat, url)
            missing += text.count(url) == 0
    assert missing <= uncertain, (missing, uncertain)
