"""The console chat: through its coroutine with piped input, and `haberci run` on a real
pseudo-terminal; and `haberci ask`."""

from __future__ import annotations

import asyncio
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.__main__ import cli
from bot.app import open_app
from bot.commands import Commands
from bot.config import load_settings
from bot.transports.console import console_chat


def test_console_chat_answers_each_line_until_quit(database_url: str) -> None:
    app = open_app(load_settings(database_url=database_url, load_default_feeds=False))
    stdin = io.StringIO("/topics\n\n/topic s4000\n/quit\n/help\n")
    stdout = io.StringIO()
    stop = asyncio.Event()
    try:
        asyncio.run(asyncio.wait_for(console_chat(Commands(app), stop, stdin, stdout), 10))
    finally:
        app.close()
    output = stdout.getvalue()
    assert "s400 — S-400 (0)" in output
    assert "Did you mean: s400?" in output
    assert "Commands\n" not in output  # nothing after /quit is read
    assert stop.is_set()


def test_console_chat_ends_when_the_service_stops(database_url: str) -> None:
    app = open_app(load_settings(database_url=database_url, load_default_feeds=False))
    read_end, write_end = os.pipe()  # input that never ends

    stdin = os.fdopen(read_end, "r")

    async def scenario() -> None:
        stop = asyncio.Event()
        chat = asyncio.create_task(console_chat(Commands(app), stop, stdin, io.StringIO()))
        await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(chat, 5)

    try:
        asyncio.run(scenario())
    finally:
        os.close(write_end)  # the reader thread sees the end of input and ends
        app.close()


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{marker!r} not seen in {seen.decode(errors='replace')!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_haberci_run_on_a_terminal_is_a_console_chat(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HABERCI_", "TELEGRAM_"))}
    env.update(
        HABERCI_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}",
        HABERCI_LOAD_DEFAULT_FEEDS="0",
    )
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        close_fds=True,
    )
    os.close(child)
    try:
        banner = _read_until(main, b"> ", 30)
        assert b"console chat" in banner and b"TELEGRAM_BOT_TOKEN" in banner
        os.write(main, b"/topic yaptirimlar\n")
        answer = _read_until(main, b"> ", 15)
        assert b"No stories on Sanctions yet." in answer
        os.write(main, b"/quit\n")
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)


@pytest.fixture
def haberci(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in list(os.environ):
        if name.startswith("HABERCI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HABERCI_DATABASE_URL", database_url)
    monkeypatch.setenv("HABERCI_LOAD_DEFAULT_FEEDS", "0")
    monkeypatch.setenv("HABERCI_LOG_LEVEL", "WARNING")
    return CliRunner()


def test_ask_prints_the_reply_and_exits_nonzero_on_errors(
    haberci: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = haberci.invoke(cli, ["ask", "/topics"])
    assert result.exit_code == 0
    assert "sanctions — Sanctions (0)" in result.stdout
    wrong = haberci.invoke(cli, ["ask", "/topic nothing-like-this"])
    assert wrong.exit_code == 1
    assert "I know no topic called" in wrong.stdout
    as_json = haberci.invoke(cli, ["ask", "--json", "/settings"])
    reply = json.loads(as_json.stdout)
    assert reply["kind"] == "answer"
    assert reply["blocks"][0] == {"type": "heading", "text": "Settings"}
    monkeypatch.chdir(tmp_path)
    export = haberci.invoke(cli, ["ask", "/exportopml"])  # the console user is an admin
    assert export.exit_code == 0
    assert (tmp_path / "haberci-feeds.opml").read_bytes().startswith(b"<?xml")
    missing = haberci.invoke(cli, ["ask", "/importopml", "--file", str(tmp_path / "none.opml")])
    assert missing.exit_code == 1
