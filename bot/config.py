"""Settings: the only reader of the environment.

One typed object from ``HABERCI_*`` environment variables and an optional TOML file named by
``HABERCI_CONFIG`` (environment wins over the file, the file over defaults), validated once
at start-up; :func:`load_settings` turns every validation problem into a message that names
the setting and says what is allowed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.clock_times import check_timezone, parse_clock_times

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ENV_PREFIX = "HABERCI_"
CONFIG_ENV = "HABERCI_CONFIG"
PLATFORMS = ("telegram", "discord", "console")
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
DEFAULT_USER_AGENT = "haberci/0.1 (news digest bot; +https://github.com/haberci/haberci)"


def default_database_url() -> str:
    path = Path(user_data_dir("haberci", appauthor=False)) / "haberci.db"
    return f"sqlite:///{path}"


class ConfigError(Exception):
    """Settings could not be loaded; the message names each bad setting."""


class Settings(BaseSettings):
    """Every setting haberci reads. Environment: ``HABERCI_<NAME>``; TOML: ``<name> = …``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, frozen=True
    )

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL: sqlite:///path.db or postgresql://user@host/db",
    )
    allow_private_feeds: bool = Field(
        False, description="fetch feeds on loopback/private/link-local addresses (off: refused)"
    )
    private_feed_networks: Annotated[
        list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode
    ] = Field(default_factory=list, description="comma-separated CIDR networks allowed anyway")
    fetch_timeout: float = Field(15.0, gt=0, le=300, description="seconds per connect/read")
    fetch_deadline: float = Field(60.0, gt=0, le=3600, description="seconds for a whole fetch")
    max_body_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, le=1024**3, description="largest feed body accepted"
    )
    max_redirects: int = Field(5, ge=0, le=20, description="redirect hops followed")
    global_concurrency: int = Field(16, ge=1, le=512, description="fetches at once in all")
    per_host_concurrency: int = Field(2, ge=1, le=64, description="fetches at once per host")
    poll_interval_min: int = Field(15, ge=1, le=10080, description="default minutes between polls")
    poll_jitter: float = Field(0.1, ge=0, le=0.5, description="± share of the interval")
    max_backoff_min: int = Field(360, ge=1, le=10080, description="cap of the failure backoff")
    pause_after_failures: int = Field(
        10, ge=0, le=1000, description="consecutive failures that pause a feed (0: never)"
    )
    backlog_age_hours: float = Field(
        24.0,
        ge=0,
        le=8760,
        description="entries older than this before a feed was added are backlog",
    )
    scheduler_tick_s: float = Field(
        30.0, ge=1, le=3600, description="how often `run` looks for due feeds"
    )
    user_agent: str = Field(DEFAULT_USER_AGENT, min_length=3, max_length=300)
    load_default_feeds: bool = Field(True, description="load the bundled feeds on first run")
    article_fetches_per_poll: int = Field(
        10, ge=0, le=200, description="article pages read per poll for entries without a summary"
    )
    cluster_window_hours: float = Field(
        48.0, gt=0, le=720, description="how far apart two reports of one event may be published"
    )
    cluster_threshold: float = Field(
        0.25,
        gt=0,
        le=1,
        description="similarity a story needs to join a same-event cluster (higher: stricter)",
    )
    cluster_feature_threshold: float = Field(
        0.6,
        gt=0,
        le=1,
        description=(
            "similarity a feature (a headline that asks or explains) needs to join a cluster, "
            "or a story needs to join a cluster of features"
        ),
    )
    cluster_shared_words: int = Field(
        2,
        ge=0,
        le=10,
        description=(
            "distinctive words (each in at most 5% of stories) a story must share with a "
            "cluster holding a report in its language, to join it (0 or 1: no such rule)"
        ),
    )
    cluster_time_decay: float = Field(
        0.1,
        ge=0,
        lt=1,
        description=(
            "share of a story's similarity to a cluster lost when the cluster's nearest report "
            "is a whole cluster window away (in proportion for nearer ones; 0: none)"
        ),
    )
    topics_file: Path | None = Field(
        None, description="a topics TOML file to use instead of the bundled one"
    )
    names_file: Path | None = Field(
        None,
        description=(
            "a TOML file of Turkish names ([tr_to_en]) and news words ([tr_to_en_words], "
            "[tr_to_en_verbs]) read as English ones in clustering, added to the bundled "
            "feeds/exonyms.toml and feeds/news_words.toml (its entries win)"
        ),
    )
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="bot admins as platform:user-id, comma-separated (telegram:123,discord:987)",
    )
    timezone: str = Field("Europe/Istanbul", description="time zone of a new chat's digests")
    digest_times: str = Field("08:00,20:00", description="local digest times of a new chat")
    digest_size: int = Field(10, ge=1, le=50, description="most entries in one digest")
    digest_when_empty: bool = Field(
        False, description="send one short line when a digest period had nothing new"
    )
    alert_sources: int = Field(
        3, ge=2, le=50, description="outlets covering one event that make a breaking alert"
    )
    alert_window_hours: float = Field(
        3.0, gt=0, le=48, description="how recent an event must be for a breaking alert"
    )
    telegram_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token"),
        description="the bot's token from @BotFather; Telegram starts when it is set",
    )
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot",
        validation_alias=AliasChoices("TELEGRAM_API_BASE_URL", "telegram_api_base_url"),
        description="the Bot API address (python-telegram-bot's base_url)",
    )
    telegram_webhook_url: str | None = Field(
        None,
        validation_alias=AliasChoices("TELEGRAM_WEBHOOK_URL", "telegram_webhook_url"),
        description="the public https URL Telegram posts updates to (unset: long polling)",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET", "telegram_webhook_secret"),
        description="the webhook's secret token (unset: a new random one at each start)",
    )
    telegram_webhook_listen: str = Field(
        "0.0.0.0",
        validation_alias=AliasChoices("TELEGRAM_WEBHOOK_LISTEN", "telegram_webhook_listen"),
        description="address the webhook server listens on (behind a TLS proxy)",
    )
    telegram_webhook_port: int = Field(
        8443,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("TELEGRAM_WEBHOOK_PORT", "telegram_webhook_port"),
        description="port the webhook server listens on",
    )
    discord_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_BOT_TOKEN", "discord_bot_token"),
        description="the bot's token from the Discord developer portal; Discord starts when set",
    )
    discord_api_base_url: str = Field(
        "https://discord.com/api/v10",
        validation_alias=AliasChoices("DISCORD_API_BASE_URL", "discord_api_base_url"),
        description="the REST API address, versioned (discord.py's Route.BASE)",
    )
    discord_gateway_url: str = Field(
        "wss://gateway.discord.gg",
        validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "discord_gateway_url"),
        description="the gateway websocket address",
    )
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("DISCORD_GUILD_IDS", "discord_guild_ids"),
        description="servers to sync slash commands to at once, comma-separated (none: globally)",
    )
    send_concurrency: int = Field(
        16, ge=1, le=256, description="chats whose digests are being sent at once"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("private_feed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for admin in value if isinstance(value, list) else ():
            platform, _, user = str(admin).partition(":")
            if platform not in PLATFORMS or not user.strip():
                raise ValueError(
                    f"{admin!r} is not platform:user-id with platform one of "
                    f"{', '.join(PLATFORMS)} (e.g. telegram:123456)"
                )
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org/bot")
        return value

    @field_validator("discord_api_base_url")
    @classmethod
    def _discord_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://discord.com/api/v10")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _discord_gateway(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must be a ws(s) URL such as wss://gateway.discord.gg")
        return value

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_guild_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            value = [value]
        for guild in value if isinstance(value, list) else ():
            if not str(guild).isdigit() or int(guild) <= 0:
                raise ValueError(
                    f"{guild!r} is not a server id; give positive numbers, comma-separated"
                )
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be the https URL Telegram will post updates to")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("digest_times")
    @classmethod
    def _clock_times(cls, value: str) -> str:
        return ",".join(parse_clock_times(value))

    @field_validator("topics_file", "names_file")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file {str(value)!r}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql", "postgres:")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_path = os.environ.get(CONFIG_ENV)
        if config_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_path)))
        return tuple(sources)


def _describe(error: dict[str, Any], config_file: str | None) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    # A value read through an alias (TELEGRAM_*, DISCORD_*) is reported under the alias.
    name = next(
        (
            field_name
            for field_name, info in Settings.model_fields.items()
            if isinstance(info.validation_alias, AliasChoices)
            and name in info.validation_alias.choices
        ),
        name,
    )
    field = Settings.model_fields.get(name)
    alias = field.validation_alias if field is not None else None
    env_name = (
        str(alias.choices[0])
        if isinstance(alias, AliasChoices) and alias.choices
        else f"{ENV_PREFIX}{name.upper()}"
    )
    where = env_name
    if config_file:
        where += f" (or `{name}` in {config_file})"
    if error["type"] == "extra_forbidden":
        return (
            f"{config_file}: unknown setting `{name}`"
            if config_file
            else f"unknown setting {where}"
        )
    secret = field is not None and field.annotation in (SecretStr, SecretStr | None)
    given = None if secret else error.get("input")
    shown = f" (got {given!r})" if given is not None and not isinstance(given, dict) else ""
    message = str(error["msg"]).replace("IPv4 network", "IP network such as 10.0.0.0/8 or fd00::/8")
    return f"{where}: {message}{shown}"


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings once. Raises ConfigError naming every bad setting."""
    config_file = os.environ.get(CONFIG_ENV)
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}: no such file {config_file!r}")
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{CONFIG_ENV}: {config_file} is not valid TOML: {exc}") from exc
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems: list[str] = []
        seen: set[tuple[Any, ...]] = set()
        for err in exc.errors():
            key = tuple(err["loc"][:1])
            if key in seen:  # a union type reports once per member; one message is enough
                continue
            seen.add(key)
            problems.append(_describe(dict(err), config_file))
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems)) from exc
