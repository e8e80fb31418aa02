"""Shared by the Telegram tests: the local Bot API server and an app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app import App, open_app
from bot.config import load_settings
from tests.support.telegram_server import TelegramServer

TELEGRAM_ADMIN = 1111


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[TelegramServer]:
    # python-telegram-bot 22 warns whenever RetryAfter.retry_after is an int; use timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with TelegramServer() as server:
        yield server


@pytest.fixture
def telegram_app(database_url: str, server: TelegramServer) -> Iterator[App]:
    """An app on the test database whose Telegram is the local server."""
    settings = load_settings(
        database_url=database_url,
        load_default_feeds=False,
        admins=f"telegram:{TELEGRAM_ADMIN}",
        telegram_bot_token=server.token,
        telegram_api_base_url=server.base_url,
        log_level="WARNING",
    )
    app = open_app(settings)
    yield app
    app.close()
