"""A Reply as Telegram HTML messages: every piece of feed text escaped, messages split below
Telegram's 4,096 characters on block boundaries."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.reply import Block, Heading, Link, Paragraph, Reply, StoryEntry

MAX_MESSAGE = 4096
# Room for the entities Telegram counts after parsing; text is cut well before the limit.
_BUDGET = MAX_MESSAGE - 96


def _link(link: Link) -> str:
    return f'<a href="{escape(link.url, quote=True)}">{escape(link.label)}</a>'


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_block(block: Heading | Paragraph | StoryEntry) -> str:
    if isinstance(block, Heading):
        return f"<b>{escape(_shorten(block.text, 512))}</b>"
    if isinstance(block, Paragraph):
        body = escape(_shorten(block.text, _BUDGET - 16))
        return f"<i>{body}</i>" if block.muted else body
    links = block.links or (Link(block.source, block.url),)
    lines = [f"<b>{escape(_shorten(block.title, 400))}</b>"]
    if block.summary:
        lines.append(escape(_shorten(block.summary, 600)))
    lines.append(" · ".join(_link(link) for link in links[:12]))
    return "\n".join(lines)


def split_blocks(blocks: Sequence[Block]) -> list[tuple[Block, ...]]:
    """Blocks grouped into messages, each under the limit once rendered, split between
    blocks (a single block is shortened to fit by :func:`render_block`)."""
    groups: list[tuple[Block, ...]] = []
    current: list[Block] = []
    size = 0
    for block in blocks:
        extra = len(render_block(block)) + (2 if current else 0)
        if current and size + extra > _BUDGET:
            groups.append(tuple(current))
            current, size = [], 0
            extra -= 2
        current.append(block)
        size += extra
    if current:
        groups.append(tuple(current))
    return groups


def render_messages(reply: Reply) -> list[str]:
    """The reply as one or more HTML messages, each under the limit, split between blocks."""
    return ["\n\n".join(render_block(b) for b in group) for group in split_blocks(reply.blocks)]
