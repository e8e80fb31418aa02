"""Fan-out benchmark: one digest to many chats through a local server that enforces the chat
platform's sending limits.

Telegram: `haberci digests send --now`'s code path (the ledger, the shared rate limiter, the
real python-telegram-bot) sends one digest to each of 1,000 private chats through the local
Bot API server (tests/support/telegram_server.py) running in its own process with Telegram's
flood limits on (30 messages/s overall, 1/s per chat, 20/min per group; a 429 past them). It
prints the achieved rate against the 30 msg/s ceiling, the 429s received and the duplicates.

Discord: the same digest to each of 500 text channels through the local fake Discord
(tests/support/discord_server.py, REST API and gateway) in its own process with Discord-like
limits on (50 requests/s for the bot, 5 messages per 5 s in a channel; a 429 past them), with
the real discord.py: the achieved rate against the 50/s ceiling, 429s and duplicates.

Usage: python bench/fanout.py [--platform telegram|discord|both] [--chats N] [--channels N]
       [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import App, open_app
from bot.config import load_settings
from bot.delivery import send_due_digests
from feeds.parse import parse_feed
from feeds.tag import tag_stories
from storage import chats as chat_store
from storage import deliveries as ledger
from storage import feeds as feed_store
from storage import stories as story_store
from storage.chats import NewChat

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "feeds" / "real"
TELEGRAM_CEILING = 30.0  # messages per second, Telegram's overall limit
DISCORD_CEILING = 50.0  # requests per second, Discord's global limit for a bot
STORY_FILES = ("aa_tr_guncel_rss.xml", "dailysabah_rssfeed_rss.xml")


def _serve_telegram(conn: Connection) -> None:
    """Child process: the local Bot API server with flood limits, until asked for figures."""
    from tests.support.telegram_server import TelegramServer

    with TelegramServer(enforce_limits=True) as server:
        conn.send((server.token, server.base_url))
        conn.recv()
        messages = server.sent_messages()
        times = sorted(m.time for m in messages)
        conn.send(
            {
                "messages": len(messages),
                "chats": len({m.chat_id for m in messages}),
                "seconds": (times[-1] - times[0]) if len(times) > 1 else 0.0,
                "http_429": server.flood_429_count,
                "duplicates": len(server.duplicates()),
            }
        )


def _serve_discord(conn: Connection, channels: int) -> None:
    """Child process: the local fake Discord with its limits on, until asked for figures."""
    from tests.support.discord_server import DiscordServer

    with DiscordServer(enforce_limits=True) as server:
        guild = server.add_guild("Bench", text_channels=[f"news-{i}" for i in range(channels)])
        conn.send((server.token, server.api_base, server.gateway_url, server.text_channels(guild)))
        conn.recv()
        messages = server.sent_messages()
        times = sorted(m.time for m in messages)
        conn.send(
            {
                "messages": len(messages),
                "chats": len({m.channel_id for m in messages}),
                "seconds": (times[-1] - times[0]) if len(times) > 1 else 0.0,
                "http_429": server.sent_429_count,
                "duplicates": len(server.duplicates()),
            }
        )


def _receive(conn: Connection, child: Any) -> Any:
    """The next message from the server process, or an error if it died."""
    while not conn.poll(0.5):
        if not child.is_alive():
            raise SystemExit(f"the local server process ended (exit code {child.exitcode})")
    return conn.recv()


def seed_stories(app: App, now: datetime, count: int) -> int:
    """Real headlines from the feed snapshots (Turkish and English), received just now."""
    stories = []
    for name in STORY_FILES:
        path = FIXTURES / name
        if not path.is_file():
            raise SystemExit(f"missing fixture {path}: run from a checkout with ../shared beside")
        parsed = parse_feed(path.read_bytes(), {}, f"https://bench.example/{name}", now)
        stories += parsed.stories
    stories = [
        replace(s, published_at=now - timedelta(minutes=5 + i)) for i, s in enumerate(stories)
    ][:count]
    tagged = tag_stories(stories, app.tagger)
    with app.sessions.begin() as session:
        feed = feed_store.add_feed(
            session,
            feed_store.NewFeed(
                url="https://bench.example/rss",
                title="Bench outlet",
                poll_interval_min=15,
                turkey_focused=True,
            ),
            now - timedelta(days=2),
        )
        story_store.upsert_stories(session, feed.id, tagged, now, None)
    return len(tagged)


def register_chats(
    app: App, platform: str, kind: str, external_ids: Sequence[int], now: datetime
) -> None:
    with app.sessions.begin() as session:
        for external in external_ids:
            chat_store.ensure_chat(
                session, NewChat(platform, str(external), kind, None, "en", "UTC", "08:00"), now
            )


async def _send_telegram(app: App) -> Any:
    from bot.transports.telegram import TelegramTransport

    telegram = TelegramTransport(app)
    await telegram.application.initialize()
    try:
        return await send_due_digests(
            app, {"telegram": telegram}, datetime.now(UTC), every_chat=True
        )
    finally:
        await telegram.application.shutdown()


async def _send_discord(app: App) -> Any:
    from bot.transports.discord import DiscordTransport

    discord = DiscordTransport(app)
    try:
        await discord.login()  # REST only, as `haberci digests send` does
        return await send_due_digests(app, {"discord": discord}, datetime.now(UTC), every_chat=True)
    finally:
        await discord.close()


def run_telegram(chats: int, entries: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=_serve_telegram, args=(child,), daemon=True)
    server.start()
    token, base_url = _receive(parent, server)
    external_ids = [10_000 + index for index in range(chats)]
    return _fan_out(
        "telegram",
        TELEGRAM_CEILING,
        parent,
        server,
        {"telegram_bot_token": token, "telegram_api_base_url": base_url},
        ("telegram", "private", external_ids),
        entries,
    )


def run_discord(channels: int, entries: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=_serve_discord, args=(child, channels), daemon=True)
    server.start()
    token, api_base, gateway_url, channel_ids = _receive(parent, server)
    return _fan_out(
        "discord",
        DISCORD_CEILING,
        parent,
        server,
        {
            "discord_bot_token": token,
            "discord_api_base_url": api_base,
            "discord_gateway_url": gateway_url,
        },
        ("discord", "channel", channel_ids),
        entries,
    )


def _fan_out(
    platform: str,
    ceiling: float,
    parent: Connection,
    server: Any,
    platform_settings: dict[str, Any],
    chats: tuple[str, str, Sequence[int]],
    entries: int,
) -> dict[str, Any]:
    """One digest to every chat through the server process; the figures as a dict."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite:///{folder}/fanout.db",
            load_default_feeds=False,
            digest_size=entries,
            log_level="WARNING",
            **platform_settings,
        )
        app = open_app(settings)
        now = datetime.now(UTC)
        stored = seed_stories(app, now, entries)
        register_chats(app, *chats, now)
        send = _send_telegram if platform == "telegram" else _send_discord
        started = time.perf_counter()
        run = asyncio.run(send(app))
        wall = time.perf_counter() - started
        with app.sessions() as session:
            statuses = ledger.status_counts(session)
        app.close()
    parent.send("figures")
    served = _receive(parent, server)
    server.join(timeout=10)
    rate = served["messages"] / served["seconds"] if served["seconds"] else 0.0
    return {
        "platform": platform,
        "chats": len(chats[2]),
        "entries_per_digest": stored,
        "messages": served["messages"],
        "chats_reached": served["chats"],
        "seconds": round(served["seconds"], 2),
        "wall_seconds": round(wall, 2),
        "rate_per_s": round(rate, 2),
        "ceiling_per_s": ceiling,
        "share_of_ceiling": round(rate / ceiling, 3),
        "http_429": served["http_429"],
        "duplicates": served["duplicates"],
        "items_sent": run.sent_items,
        "items_failed": run.failed_items,
        "ledger": statuses,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    header = f"{'platform':<9} {'chats':>6} {'msgs':>6} {'s':>7} {'rate/s':>7} {'ceiling':>8}"
    header += f" {'share':>6} {'429s':>5} {'dups':>5} {'failed':>6}"
    print(header)
    for r in results:
        print(
            f"{r['platform']:<9} {r['chats']:>6} {r['messages']:>6} {r['seconds']:>7.2f} "
            f"{r['rate_per_s']:>7.2f} {r['ceiling_per_s']:>8.1f} {r['share_of_ceiling']:>6.1%} "
            f"{r['http_429']:>5} {r['duplicates']:>5} {r['items_failed']:>6}"
        )
    print("targets: share of the ceiling >= 90%, 429s 0, duplicates 0")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--platform", choices=("telegram", "discord", "both"), default="both", help="(both)"
    )
    parser.add_argument("--chats", type=int, default=1000, help="Telegram chats (1000)")
    parser.add_argument("--channels", type=int, default=500, help="Discord channels (500)")
    parser.add_argument("--entries", type=int, default=5, help="entries per digest (5)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    results = []
    if args.platform in ("telegram", "both"):
        results.append(run_telegram(args.chats, args.entries))
    if args.platform in ("discord", "both"):
        results.append(run_discord(args.channels, args.entries))
    if args.json:
        print(json.dumps({"runs": results}))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
