"""What a command answers, independent of any chat platform.

A ``Reply`` is a sequence of blocks — headings, paragraphs and story entries — plus optional
buttons and files. Transports render it (HTML for Telegram, embeds for Discord, plain text for
the console and ``haberci ask``) and split it within their limits on block boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    muted: bool = False


@dataclass(frozen=True, slots=True)
class StoryEntry:
    """One story as a reader sees it: bold title, a short summary, its source(s) and links.
    A clustered story lists each outlet's link once."""

    title: str
    summary: str
    url: str
    source: str
    published: datetime
    links: tuple[Link, ...] = ()  # every outlet of the story's cluster, this one first
    story_id: int | None = None
    cluster_id: int | None = None


Block = Heading | Paragraph | StoryEntry


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button that runs a command when pressed (e.g. "more" → ``/topic s400 5 10``)."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


ReplyKind = Literal["answer", "error", "refusal"]


@dataclass(frozen=True, slots=True)
class Reply:
    blocks: tuple[Block, ...] = ()
    buttons: tuple[Button, ...] = ()
    files: tuple[Attachment, ...] = ()
    kind: ReplyKind = "answer"
    # The answer concerns only the person who asked (Discord shows it to them alone).
    private: bool = False
    # Link previews would show one story's card above a list: off for lists of stories.
    previews: bool = False

    @property
    def silent(self) -> bool:
        """Nothing to send (e.g. a command addressed to another bot)."""
        return not self.blocks and not self.files

    @property
    def entries(self) -> tuple[StoryEntry, ...]:
        return tuple(b for b in self.blocks if isinstance(b, StoryEntry))

    @classmethod
    def text(cls, *paragraphs: str, kind: ReplyKind = "answer", private: bool = False) -> Reply:
        return cls(tuple(Paragraph(p) for p in paragraphs), kind=kind, private=private)


def render_plain(reply: Reply) -> str:
    """A reply as plain text (console chat, ``haberci ask``): entries numbered, links on their
    own lines, buttons shown as the command they run."""
    lines: list[str] = []
    number = 0
    for block in reply.blocks:
        if isinstance(block, Heading):
            lines += [block.text, "─" * min(len(block.text), 60)]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        else:
            number += 1
            lines.append(f"{number}. {block.title}")
            if block.summary:
                lines.append(f"   {block.summary}")
            links = block.links or (Link(block.source, block.url),)
            lines += [f"   {link.label}: {link.url}" for link in links]
            lines.append("")
    for button in reply.buttons:
        lines.append(f"[{button.label}: {button.command}]")
    for attachment in reply.files:
        lines.append(f"[file {attachment.filename}, {len(attachment.data):,} bytes]")
    return "\n".join(lines).rstrip() + "\n"
