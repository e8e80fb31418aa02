"""The long-running service: APScheduler wakes the work, the database says what is due."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from feeds.ingest import Ingest, summarise_outcomes

log = logging.getLogger("haberci.scheduler")


def _can_handle_signals() -> bool:
    """asyncio signal handlers exist on Unix and only in the main thread (elsewhere, Ctrl+C
    still ends ``asyncio.run``)."""
    return sys.platform != "win32" and threading.current_thread() is threading.main_thread()


async def poll_tick(ingest: Ingest) -> None:
    """One scheduler tick: poll every feed whose next poll time has come."""
    outcomes = await ingest.poll_due()
    if outcomes:
        log.info("poll batch", extra=summarise_outcomes(outcomes))


Transport = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
# How long a stop waits for a poll in progress to finish before interrupting it.
STOP_GRACE_S = 5.0


async def _finish_polls(polls: set[asyncio.Task[Any]]) -> None:
    """Let polls in progress finish (their stories are stored), for at most STOP_GRACE_S."""
    if not polls:
        return
    _, unfinished = await asyncio.wait(set(polls), timeout=STOP_GRACE_S)
    for task in unfinished:
        task.cancel()
    await asyncio.gather(*unfinished, return_exceptions=True)


async def run_service(
    app: App, stop: asyncio.Event | None = None, transports: Sequence[Transport] = ()
) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set): feeds are polled on their own intervals
    and each transport (console chat, Telegram …) runs beside the scheduler. A transport that
    ends sets ``stop``."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handle_signals = _can_handle_signals()
    if handle_signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    fetcher = app.new_fetcher()
    ingest = app.new_ingest(fetcher)
    polls: set[asyncio.Task[Any]] = set()

    async def tick() -> None:
        """A poll that a stop may interrupt: it then ends quietly, as asked, rather than as an
        error of the scheduler's."""
        task = asyncio.current_task()
        assert task is not None
        polls.add(task)
        try:
            await poll_tick(ingest)
        except asyncio.CancelledError:
            if not stop.is_set():
                raise
            log.info("poll interrupted by the stop")
        finally:
            polls.discard(task)

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=app.settings.scheduler_tick_s,
        next_run_time=datetime.now(UTC),
        id="poll",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.start()
    log.info(
        "started",
        extra={
            "tick_s": app.settings.scheduler_tick_s,
            "database": app.engine.url.get_backend_name(),
        },
    )
    tasks = [asyncio.create_task(transport(stop)) for transport in transports]
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        scheduler.pause()  # no new poll; shutting the scheduler down would cancel this one
        await _finish_polls(polls)
        scheduler.shutdown(wait=False)
        await fetcher.aclose()
        ingest.close()
        if handle_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        log.info("stopped")
