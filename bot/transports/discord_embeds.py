"""A Reply as Discord messages of embeds, within Discord's limits (pure functions).

Each story is one embed: its title linked to the story, the summary, each outlet's link (a
same-event cluster lists every outlet once) and the time it was published. A heading starts
an embed of its own and the paragraphs after it fill that embed's description. Discord allows
256 characters in an embed title, 4,096 in a description, 10 embeds and 6,000 characters of
embeds per message: blocks are grouped into messages under those limits, never splitting a
story, and a long paragraph is cut between lines first. Every piece of feed text is escaped
(a title with ``*`` or a summary with ``[text](link)`` shows as typed), and messages carry
embeds only, so a channel that drops embeds (no Embed Links permission) fails loudly instead
of showing a digest without its stories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC

import discord
from discord.utils import escape_markdown

from bot.reply import Attachment, Block, Button, Heading, Link, Paragraph, Reply, StoryEntry

MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_EMBEDS = 10
MAX_MESSAGE_EMBEDS_TEXT = 6000
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_BUTTONS = 25  # five rows of five
MAX_URL = 2000
SUMMARY_LIMIT = 700  # characters of a story's summary: a few sentences
SOURCES_LIMIT = 1200  # characters of a story's outlet links
PARAGRAPH_LIMIT = 3800  # a paragraph piece, escaped: room below the description limit
BUTTON_PREFIX = "haberci:"  # custom_id = prefix + the command the button runs

COLOURS = {"answer": 0xE30A17, "error": 0xF0A30A, "refusal": 0x99AAB5}


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One message to send: its embeds, and the buttons and files that go with it."""

    embeds: tuple[discord.Embed, ...]
    buttons: tuple[Button, ...] = ()
    files: tuple[Attachment, ...] = ()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _escape(text: str) -> str:
    return escape_markdown(text)


def _safe_url(url: str) -> str | None:
    """A URL Discord accepts in an embed and in a masked link, or None (``urn:haberci:`` keys
    of entries without a link, over-long URLs)."""
    if not url.startswith(("http://", "https://")) or len(url) > MAX_URL:
        return None
    for char, code in (("(", "%28"), (")", "%29"), (" ", "%20"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)
    return url


def _link(link: Link) -> str:
    label = _escape(_shorten(link.label, 80)).replace("]", "\\]")
    url = _safe_url(link.url)
    return f"[{label}]({url})" if url else label


def _sources(entry: StoryEntry) -> str:
    """Each outlet's link once, as many as fit, then how many more there are."""
    links = entry.links or (Link(entry.source, entry.url),)
    shown: list[str] = []
    size = 0
    for index, link in enumerate(links):
        rendered = _link(link)
        if shown and size + len(rendered) + 3 > SOURCES_LIMIT:
            shown.append(f"+{len(links) - index}")
            break
        shown.append(rendered)
        size += len(rendered) + 3
    return " · ".join(shown)


def story_embed(entry: StoryEntry, colour: int = COLOURS["answer"]) -> discord.Embed:
    """One story: title linked to it, summary, every outlet's link, publication time."""
    description = _escape(_shorten(entry.summary, SUMMARY_LIMIT)) if entry.summary else ""
    description = (description + "\n\n" if description else "") + _sources(entry)
    published = entry.published
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return discord.Embed(
        title=_shorten(_escape(entry.title), MAX_TITLE),
        url=_safe_url(entry.url),
        description=description,
        timestamp=published,
        colour=colour,
    )


def _paragraph_text(paragraph: Paragraph) -> str:
    text = _escape(paragraph.text)
    return f"*{text}*" if paragraph.muted and text.strip() else text


def _pieces(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, between lines where it can."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a piece: cut it hard
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not pieces:
        pieces.append(current)
    return pieces


def prepare_blocks(blocks: Sequence[Block]) -> list[Block]:
    """Headings shortened to an embed title, and paragraphs too long for one embed cut into
    several, between lines (each piece fits once escaped)."""
    prepared: list[Block] = []
    for block in blocks:
        if isinstance(block, Heading):
            prepared.append(Heading(_shorten(block.text, MAX_TITLE)))
        elif isinstance(block, Paragraph):
            if len(_paragraph_text(block)) <= PARAGRAPH_LIMIT:
                prepared.append(block)
                continue
            # Escaping at most doubles the text; cut the raw text at half the room.
            for piece in _pieces(block.text, PARAGRAPH_LIMIT // 2):
                prepared.append(Paragraph(piece, block.muted))
        else:
            prepared.append(block)
    return prepared


def render_embeds(blocks: Sequence[Block], colour: int = COLOURS["answer"]) -> list[discord.Embed]:
    """The embeds of a group of prepared blocks: a heading starts an embed and titles it, the
    paragraphs after it fill its description (a new embed when it is full), and each story
    is an embed of its own."""
    embeds: list[discord.Embed] = []
    text: discord.Embed | None = None  # the embed paragraphs go into
    for block in blocks:
        if isinstance(block, StoryEntry):
            embeds.append(story_embed(block, colour))
            text = None
        elif isinstance(block, Heading):
            text = discord.Embed(title=_escape(block.text)[:MAX_TITLE], colour=colour)
            embeds.append(text)
        else:
            piece = _paragraph_text(block)
            if not piece.strip():
                continue
            description = text.description if text is not None else None
            if text is not None and len(description or "") + 2 + len(piece) <= MAX_DESCRIPTION:
                text.description = f"{description}\n\n{piece}" if description else piece
            else:
                text = discord.Embed(description=piece, colour=colour)
                embeds.append(text)
    return embeds


def embed_text_length(embed: discord.Embed) -> int:
    """What Discord counts against the 6,000 characters of a message's embeds."""
    return len(embed)


def fits_one_message(embeds: Sequence[discord.Embed]) -> bool:
    return (
        len(embeds) <= MAX_EMBEDS
        and sum(embed_text_length(e) for e in embeds) <= MAX_MESSAGE_EMBEDS_TEXT
    )


def split_blocks(blocks: Sequence[Block], kind: str = "answer") -> list[tuple[Block, ...]]:
    """Prepared blocks grouped into messages, each within Discord's limits once rendered, a
    story never cut in two. Every single block fits a message on its own (see
    :func:`prepare_blocks`), so the groups are filled greedily."""
    colour = COLOURS.get(kind, COLOURS["answer"])
    groups: list[tuple[Block, ...]] = []
    current: list[Block] = []
    for block in prepare_blocks(blocks):
        if current and not fits_one_message(render_embeds([*current, block], colour)):
            groups.append(tuple(current))
            current = []
        current.append(block)
    if current:
        groups.append(tuple(current))
    return groups


def command_buttons(reply: Reply) -> tuple[Button, ...]:
    """The reply's buttons that Discord can carry: a custom_id holds at most 100 characters."""
    usable = [
        Button(_shorten(b.label, MAX_BUTTON_LABEL), b.command)
        for b in reply.buttons
        if len(BUTTON_PREFIX + b.command) <= MAX_CUSTOM_ID
    ]
    return tuple(usable[:MAX_BUTTONS])


def render_messages(reply: Reply) -> list[DiscordMessage]:
    """The reply as one or more messages within Discord's limits, split between blocks; the
    buttons and files go with the last. A reply with files only gets no embeds."""
    colour = COLOURS.get(reply.kind, COLOURS["answer"])
    groups = split_blocks(reply.blocks, reply.kind)
    messages = [DiscordMessage(tuple(render_embeds(group, colour))) for group in groups]
    if not messages:
        messages = [DiscordMessage(())]
    last = messages[-1]
    messages[-1] = DiscordMessage(last.embeds, command_buttons(reply), reply.files)
    return messages
