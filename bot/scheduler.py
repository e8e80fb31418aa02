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
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        poll_tick,
        "interval",
        args=[ingest],
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
        scheduler.shutdown(wait=False)
        await fetcher.aclose()
        ingest.close()
        if handle_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        log.info("stopped")
