"""The long-running service: APScheduler wakes the work, the database says what is due."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from feeds.ingest import Ingest, summarise_outcomes

log = logging.getLogger("haberci.scheduler")


async def poll_tick(ingest: Ingest) -> None:
    """One scheduler tick: poll every feed whose next poll time has come."""
    outcomes = await ingest.poll_due()
    if outcomes:
        log.info("poll batch", extra=summarise_outcomes(outcomes))


async def run_service(app: App, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set): feeds are polled on their own intervals."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available off the main thread or on some platforms; Ctrl+C still stops asyncio.run.
        with contextlib.suppress(NotImplementedError, RuntimeError):
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
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        scheduler.shutdown(wait=False)
        await fetcher.aclose()
        ingest.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
        log.info("stopped")
