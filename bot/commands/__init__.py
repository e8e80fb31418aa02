"""The transport-neutral command layer (see core.py)."""

from bot.commands.core import Caller, Commands, Request, parse_command

__all__ = ["Caller", "Commands", "Request", "parse_command"]
