"""Settings: environment, TOML file, validation messages that name the setting."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.app import App
from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HABERCI_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "haberci.db"
    )
    assert settings.allow_private_feeds is False
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert settings.poll_interval_min == 15


def test_environment_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABERCI_ALLOW_PRIVATE_FEEDS", "1")
    monkeypatch.setenv("HABERCI_FETCH_TIMEOUT", "5.5")
    monkeypatch.setenv("HABERCI_PRIVATE_FEED_NETWORKS", "10.0.0.0/8, fd00::/8")
    monkeypatch.setenv("HABERCI_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.allow_private_feeds is True and settings.fetch_timeout == 5.5
    assert settings.private_feed_networks == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
    ]
    assert settings.log_level == "DEBUG"


def test_cluster_settings_reach_the_clusterer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABERCI_CLUSTER_SHARED_WORDS", "3")
    monkeypatch.setenv("HABERCI_CLUSTER_FEATURE_THRESHOLD", "0.7")
    monkeypatch.setenv("HABERCI_CLUSTER_TIME_DECAY", "0.25")
    app = App(load_settings(), create_engine("sqlite://"))
    clusters = app.ingest_settings.clusters
    assert (clusters.shared_words, clusters.feature_threshold, clusters.time_decay) == (
        3,
        0.7,
        0.25,
    )


def test_toml_file_and_environment_precedence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "haberci.toml"
    config.write_text('poll_interval_min = 30\nuser_agent = "test-agent/1"\n', encoding="utf-8")
    monkeypatch.setenv("HABERCI_CONFIG", str(config))
    monkeypatch.setenv("HABERCI_POLL_INTERVAL_MIN", "45")
    settings = load_settings()
    assert (settings.poll_interval_min, settings.user_agent) == (45, "test-agent/1")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("HABERCI_FETCH_TIMEOUT", "-1", "HABERCI_FETCH_TIMEOUT: Input should be greater than 0"),
        (
            "HABERCI_MAX_BODY_BYTES",
            "lots",
            "HABERCI_MAX_BODY_BYTES: Input should be a valid integer",
        ),
        (
            "HABERCI_ALLOW_PRIVATE_FEEDS",
            "maybe",
            "HABERCI_ALLOW_PRIVATE_FEEDS: Input should be a valid boolean",
        ),
        (
            "HABERCI_PRIVATE_FEED_NETWORKS",
            "10.0.0.0/33",
            "HABERCI_PRIVATE_FEED_NETWORKS: Input is not a valid IP network",
        ),
        (
            "HABERCI_DATABASE_URL",
            "mysql://x",
            "HABERCI_DATABASE_URL: Value error, must start with sqlite:/// or postgresql://",
        ),
        (
            "HABERCI_LOG_LEVEL",
            "LOUD",
            "HABERCI_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'",
        ),
        (
            "HABERCI_CLUSTER_SHARED_WORDS",
            "-1",
            "HABERCI_CLUSTER_SHARED_WORDS: Input should be greater than or equal to 0",
        ),
        (
            "HABERCI_CLUSTER_TIME_DECAY",
            "1",
            "HABERCI_CLUSTER_TIME_DECAY: Input should be less than 1",
        ),
        (
            "HABERCI_PER_HOST_CONCURRENCY",
            "0",
            "HABERCI_PER_HOST_CONCURRENCY: Input should be greater than or equal to 1",
        ),
    ],
)
def test_bad_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert repr(value) in str(caught.value)


def test_bad_config_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HABERCI_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="HABERCI_CONFIG: no such file"):
        load_settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("poll_interval_min = = 3", encoding="utf-8")
    monkeypatch.setenv("HABERCI_CONFIG", str(broken))
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings()
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("pol_interval = 3\nfetch_timeout = 0\n", encoding="utf-8")
    monkeypatch.setenv("HABERCI_CONFIG", str(unknown))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "unknown setting `pol_interval`" in str(caught.value)
    assert "HABERCI_FETCH_TIMEOUT (or `fetch_timeout` in" in str(caught.value)
