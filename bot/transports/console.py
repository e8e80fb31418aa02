"""The console chat: type commands in a terminal, read the answers (``haberci run`` with no
chat token, and ``haberci ask``). The person at the terminal runs the process, so they are an
admin here."""

from __future__ import annotations

import asyncio
import getpass
import threading
from typing import TextIO

from bot.commands import Caller, Commands, Request
from bot.reply import render_plain

QUIT = {"/quit", "/exit", "/q"}


def console_caller() -> Caller:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "local"
    return Caller(platform="console", user_id=user, chat_id="console", chat_kind="private")


def _read_lines(
    stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]
) -> None:
    """Blocking reads in a daemon thread (so a pending read never delays shutdown). Input
    that arrives after the chat ended has nowhere to go and is dropped."""
    try:
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)
    except (RuntimeError, ValueError):  # the loop is closed, or the stream was closed
        return


async def console_chat(
    commands: Commands, stop: asyncio.Event, stdin: TextIO, stdout: TextIO
) -> None:
    """Answer each line typed until end of input, /quit or ``stop``; then set ``stop``."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_lines, args=(stdin, loop, queue), daemon=True).start()
    caller = console_caller()
    stdout.write("> ")
    stdout.flush()
    waiting_stop = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            getting = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait(
                {getting, waiting_stop}, return_when=asyncio.FIRST_COMPLETED
            )
            if getting not in done:
                getting.cancel()
                break
            line = getting.result()
            if line is None or line.strip().lower() in QUIT:
                break
            if line.strip():
                reply = await commands.handle(Request(line.strip(), caller))
                stdout.write(render_plain(reply))
            stdout.write("> ")
            stdout.flush()
    finally:
        waiting_stop.cancel()
        stop.set()
