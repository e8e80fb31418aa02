"""A chat's own commands: /start, /help, /follow, /unfollow, /following, /settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from bot.clock_times import check_timezone, parse_clock_times
from bot.commands.core import Command, Context, UsageError
from bot.commands.reading import resolve_topic
from bot.i18n import LANGUAGES, text
from bot.reply import Block, Heading, Paragraph, Reply
from storage import chats as chat_store

_ON = {"on", "yes", "true", "1", "açık", "acik", "evet"}
_OFF = {"off", "no", "false", "0", "kapalı", "kapali", "hayır", "hayir"}


def start(context: Context) -> Reply:
    chat = context.chat
    times = ", ".join(chat.times) or context.t("no_times")
    return Reply(
        (
            Paragraph(context.t("welcome")),
            Paragraph(context.t("welcome_next", times=times, timezone=chat.timezone)),
        )
    )


def help_command(context: Context) -> Reply:
    return context.commands.help_reply(context)


def _topics_from_args(context: Context) -> list[str]:
    """Each argument a topic (``/follow ekonomi yaptırımlar``); a multi-word name may be quoted
    or written alone (``/follow middle east``)."""
    if not context.args:
        raise UsageError("")
    try:
        return list(dict.fromkeys(resolve_topic(context, arg).slug for arg in context.args))
    except UsageError:
        if len(context.args) > 1:
            return [resolve_topic(context, context.rest).slug]
        raise


def _names(context: Context, slugs: list[str], language: str | None = None) -> str:
    taxonomy = context.app.taxonomy
    names = []
    for slug in slugs:
        topic = taxonomy.get(slug)
        names.append(topic.name(language or context.language) if topic else slug)
    return ", ".join(names)


def _change_topics(
    context: Context,
    change: Callable[[Session, int, Sequence[str]], list[str]],
    changed_key: str,
    unchanged_key: str,
) -> Reply:
    """Follow or unfollow the topics named; say which changed and which already were so."""
    slugs = _topics_from_args(context)
    with context.app.sessions.begin() as session:
        changed = change(session, context.chat.id, slugs)
    unchanged = [s for s in slugs if s not in changed]
    lines = []
    if changed:
        lines.append(context.t(changed_key, topics=_names(context, changed)))
    if unchanged:
        lines.append(context.t(unchanged_key, topics=_names(context, unchanged)))
    return Reply.text(*lines, private=True)


def follow(context: Context) -> Reply:
    return _change_topics(context, chat_store.follow, "followed", "already_following")


def unfollow(context: Context) -> Reply:
    return _change_topics(context, chat_store.unfollow, "unfollowed", "not_following")


def following(context: Context) -> Reply:
    with context.app.sessions() as session:
        slugs = chat_store.followed(session, context.chat.id)
    if not slugs:
        return Reply.text(context.t("following_none"), private=True)
    return Reply.text(context.t("following", topics=_names(context, slugs)), private=True)


def settings(context: Context) -> Reply:
    """``/settings`` shows; ``/settings <what> <value>`` changes one setting."""
    if context.args:
        _change_setting(context, context.args[0].lower(), list(context.args[1:]))
    with context.app.sessions() as session:
        chat = chat_store.get_chat(session, context.chat.id)
    assert chat is not None

    def t(key: str, /, **values: object) -> str:  # in the language just chosen, if changed
        return text(chat.language, key, **values)

    body = t(
        "settings_body",
        times=", ".join(chat.times) or t("no_times"),
        timezone=chat.timezone,
        alerts=t("on" if chat.alerts else "off"),
        language="Türkçe" if chat.language == "tr" else "English",
        topics=_names(context, list(chat.topics), chat.language) or t("all_topics"),
    )
    blocks: list[Block] = [Heading(t("settings_heading")), Paragraph(body)]
    if context.args:
        blocks.insert(0, Paragraph(t("settings_saved")))
    blocks.append(Paragraph(t("settings_help"), muted=True))
    return Reply(tuple(blocks), private=True)


def _change_setting(context: Context, what: str, values: list[str]) -> None:
    value = " ".join(values).strip()
    if not value:
        raise UsageError("")
    changes: dict[str, object]
    try:
        if what in ("times", "time", "saat", "saatler"):
            changes = {"digest_times": ",".join(parse_clock_times(value)), "next_digest_at": None}
        elif what in ("timezone", "tz", "zone", "saatdilimi"):
            changes = {"timezone": check_timezone(value), "next_digest_at": None}
        elif what in ("alerts", "alert", "bildirim", "bildirimler"):
            lowered = value.lower()
            if lowered not in _ON | _OFF:
                raise ValueError(f"{value!r}: say on or off")
            changes = {"alerts": lowered in _ON}
        elif what in ("language", "lang", "dil"):
            lowered = value.lower()[:2]
            if lowered not in LANGUAGES:
                raise ValueError(f"{value!r}: en or tr")
            changes = {"language": lowered}
        else:
            raise ValueError(f"no setting {what!r}; one of times, timezone, alerts, language")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with context.app.sessions.begin() as session:
        chat_store.set_chat(session, context.chat.id, **changes)


COMMANDS = (
    Command("start", start, "/start", aliases=("basla", "başla")),
    Command("help", help_command, "/help", aliases=("yardim", "yardım")),
    Command("follow", follow, "/follow <topic>…", chat_setting=True, aliases=("takip",)),
    Command(
        "unfollow", unfollow, "/unfollow <topic>…", chat_setting=True, aliases=("birak", "bırak")
    ),
    Command("following", following, "/following", aliases=("takipler",)),
    Command(
        "settings",
        settings,
        "/settings [times|timezone|alerts|language <value>]",
        chat_setting=True,
        aliases=("ayarlar",),
    ),
)
