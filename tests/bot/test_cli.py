"""The haberci command line, end to end against a local feed server and a real database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.__main__ import cli
from tests.conftest import REAL_FEEDS
from tests.support.feed_server import FeedServer

STORY_FIELDS = {
    "id",
    "title",
    "url",
    "source",
    "feed_url",
    "published",
    "summary",
    "language",
    "topics",
    "cluster_id",
    "cluster_sources",
}


@pytest.fixture
def haberci(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CliRunner whose haberci uses the test database and may fetch from loopback."""
    for name in list(os.environ):
        if name.startswith("HABERCI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HABERCI_DATABASE_URL", database_url)
    monkeypatch.setenv("HABERCI_ALLOW_PRIVATE_FEEDS", "1")
    monkeypatch.setenv("HABERCI_LOAD_DEFAULT_FEEDS", "0")
    monkeypatch.setenv("HABERCI_LOG_LEVEL", "WARNING")
    yield CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def serve(server: FeedServer, name: str) -> str:
    server.add(f"/{name}", (REAL_FEEDS / name).read_bytes())
    return server.url(f"/{name}")


def test_feeds_add_list_pause_resume_remove(haberci: CliRunner, feed_server: FeedServer) -> None:
    url = serve(feed_server, "bbc_turkce_rss.xml")
    code, out, _ = run(haberci, "feeds", "add", url, "--name", "BBC", "--interval", "30")
    assert code == 0 and "added feed 1: BBC — 4 new" in out
    code, _, err = run(haberci, "feeds", "add", url)
    assert code == 1 and "already registered (id 1)" in err

    code, out, _ = run(haberci, "feeds", "list", "--json")
    (listed,) = json.loads(out)
    assert (listed["name"], listed["stories"], listed["interval_min"], listed["paused"]) == (
        "BBC",
        4,
        30,
        False,
    )
    assert listed["last_success"] is not None and listed["last_error"] is None
    assert "BBC" in run(haberci, "feeds", "list")[1]

    assert run(haberci, "feeds", "pause", "1")[0] == 0
    assert json.loads(run(haberci, "feeds", "list", "--json")[1])[0]["paused"] is True
    assert run(haberci, "feeds", "resume", url)[0] == 0
    assert json.loads(run(haberci, "feeds", "list", "--json")[1])[0]["paused"] is False

    code, out, _ = run(haberci, "feeds", "remove", "1")
    assert code == 0 and "its 4 stories" in out
    code, _, err = run(haberci, "feeds", "remove", "1")
    assert code == 1 and "no feed with id or URL '1'" in err


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.xml", "HTTP 404"),
        ("/challenge", "HTML page"),
    ],
)
def test_feeds_add_refuses_what_is_not_a_feed(
    haberci: CliRunner, feed_server: FeedServer, path: str, message: str
) -> None:
    feed_server.add(
        "/challenge",
        (REAL_FEEDS / "ntv_gundem_cloudflare_challenge.html").read_bytes(),
        content_type="text/html",
    )
    code, _, err = run(haberci, "feeds", "add", feed_server.url(path))
    assert code == 1 and "feed not added" in err and message in err
    assert json.loads(run(haberci, "feeds", "list", "--json")[1]) == []


def test_ssrf_guard_refuses_private_addresses_when_not_allowed(
    haberci: CliRunner, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HABERCI_ALLOW_PRIVATE_FEEDS", "0")
    url = serve(feed_server, "bbc_turkce_rss.xml")
    code, _, err = run(haberci, "feeds", "add", url.replace("127.0.0.1", "localhost"))
    assert code == 1 and "loopback address" in err and "HABERCI_ALLOW_PRIVATE_FEEDS" in err
    assert feed_server.requests == []
    code, _, err = run(haberci, "feeds", "add", "file:///etc/passwd")
    assert code == 1 and "not an http(s) URL" in err


def test_poll_and_stories_json_contract(haberci: CliRunner, feed_server: FeedServer) -> None:
    for name in ("bbc_turkce_rss.xml", "aljazeera_all_rss.xml"):
        assert run(haberci, "feeds", "add", serve(feed_server, name))[0] == 0
    code, out, _ = run(haberci, "poll", "--once")
    assert code == 0 and "no feed is due" in out
    code, out, _ = run(haberci, "poll", "--once", "--all")
    assert code == 0 and "not modified" in out and out.count("yes") == 2

    code, out, _ = run(haberci, "stories", "--json")
    stories = json.loads(out)
    assert code == 0 and len(stories) == 7
    assert all(set(s) >= STORY_FIELDS for s in stories)
    published = [s["published"] for s in stories]
    assert published == sorted(published, reverse=True)
    first = stories[0]
    assert first["published"].endswith("Z") and first["topics"] == []
    assert first["cluster_sources"] == [{"source": first["source"], "url": first["url"]}]
    assert "&#039;" not in out and "traffic_source" not in out

    code, out, _ = run(haberci, "stories", "--json", "--feed", "1", "--limit", "2")
    limited = json.loads(out)
    assert len(limited) == 2 and {s["source"] for s in limited} == {"BBC Turkish"}
    code, out, _ = run(haberci, "stories", "--json", "--since", "2026-10-06T06:00:00+00:00")
    assert all(s["published"] >= "2026-10-06T06:00:00Z" for s in json.loads(out))
    code, out, _ = run(haberci, "stories", "--limit", "1")
    assert code == 0 and ("BBC Turkish" in out or "Al Jazeera" in out)


def test_usage_errors_exit_2(haberci: CliRunner) -> None:
    assert run(haberci, "stories", "--since", "yesterday")[0] == 2
    assert run(haberci, "stories", "--limit", "0")[0] == 2
    assert run(haberci, "poll")[0] == 2
    assert run(haberci, "feeds", "frobnicate")[0] == 2
    assert run(haberci, "stories", "--feed", "42")[0] == 1


def test_bad_setting_stops_start_up(haberci: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABERCI_MAX_BODY_BYTES", "-5")
    code, _, err = run(haberci, "feeds", "list")
    assert code == 1 and "HABERCI_MAX_BODY_BYTES" in err


def test_opml_import_export_round_trip(
    haberci: CliRunner, feed_server: FeedServer, tmp_path: Path
) -> None:
    run(haberci, "feeds", "add", serve(feed_server, "bbc_turkce_rss.xml"), "--general")
    exported = tmp_path / "feeds.opml"
    assert run(haberci, "feeds", "export", str(exported))[0] == 0
    assert run(haberci, "feeds", "remove", "1")[0] == 0
    code, out, _ = run(haberci, "feeds", "import", str(exported))
    assert code == 0 and "imported 1 feed(s)" in out
    (feed,) = json.loads(run(haberci, "feeds", "list", "--json")[1])
    assert (feed["name"], feed["scope"]) == ("BBC Turkish", "general")
    code, out, _ = run(haberci, "feeds", "import", str(exported))
    assert "1 already registered" in out
    again = tmp_path / "again.opml"
    run(haberci, "feeds", "export", str(again))
    assert again.read_bytes().split(b"<body>")[1] == exported.read_bytes().split(b"<body>")[1]
    broken = tmp_path / "broken.opml"
    broken.write_text("<html/>", encoding="utf-8")
    code, _, err = run(haberci, "feeds", "import", str(broken))
    assert code == 1 and "not an OPML file" in err


def test_defaults_and_db_commands(haberci: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(haberci, "db", "current")
    assert code == 0 and "current: none" in out
    code, out, _ = run(haberci, "db", "upgrade")
    assert code == 0 and "database at revision" in out
    assert "up to date" in run(haberci, "db", "current")[1]
    code, out, _ = run(haberci, "feeds", "add-defaults")
    assert code == 0 and "added 20 default feed(s)" in out
    feeds = json.loads(run(haberci, "feeds", "list", "--json")[1])
    assert {f["scope"] for f in feeds} == {"turkey", "general"}
    assert "added 0 default feed(s)" in run(haberci, "feeds", "add-defaults")[1]


def test_run_polls_then_stops_cleanly_on_sigterm(
    database_url: str, feed_server: FeedServer
) -> None:
    url = serve(feed_server, "sozcu_rss.xml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HABERCI_")}
    env.update(
        HABERCI_DATABASE_URL=database_url,
        HABERCI_ALLOW_PRIVATE_FEEDS="1",
        HABERCI_LOAD_DEFAULT_FEEDS="0",
        HABERCI_SCHEDULER_TICK_S="1",
    )
    command = [sys.executable, "-m", "bot"]
    subprocess.run([*command, "feeds", "import", "/dev/null"], env=env, capture_output=True)
    opml = '<opml version="2.0"><body><outline text="Sözcü" xmlUrl="' + url + '"/></body></opml>'
    added = subprocess.run(
        [*command, "feeds", "import", "/dev/stdin"],
        input=opml.encode(),
        env=env,
        capture_output=True,
        check=True,
    )
    assert b"imported 1 feed(s)" in added.stdout
    process = subprocess.Popen(
        [*command, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while not feed_server.requests_for("/sozcu_rss.xml") and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        process.kill()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "event=poll" in log and "status=ok" in log and "new=3" in log
    assert "event=stopped" in log


def test_topics_listing_filtering_check_and_retag(
    haberci: CliRunner,
    feed_server: FeedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(haberci, "feeds", "add", serve(feed_server, "dailysabah_rssfeed_rss.xml"))
    code, out, _ = run(haberci, "topics", "--json")
    counts = {row["slug"]: row["stories"] for row in json.loads(out)}
    assert code == 0 and counts["nato"] == 1 and counts["s400"] == 0
    code, out, _ = run(haberci, "stories", "--topic", "nato", "--json")
    (story,) = json.loads(out)
    assert "nato" in story["topics"] and "arms sales" in story["title"]
    code, _, err = run(haberci, "stories", "--topic", "natoo")
    assert code == 2 and "did you mean nato" in err

    custom = tmp_path / "topics.toml"
    custom.write_text(
        '[[topic]]\nslug = "asia"\nname_en = "Asia"\nname_tr = "Asya"\n'
        'aliases_en = ["ASEAN", "Malaysia", "Myanmar"]\n',
        encoding="utf-8",
    )
    code, out, _ = run(haberci, "topics", "check", str(custom))
    assert code == 0 and "1 topics, valid" in out and "not defined here" in out
    monkeypatch.setenv("HABERCI_TOPICS_FILE", str(custom))
    code, out, _ = run(haberci, "retag")
    assert code == 0 and "re-tagged 3 stories" in out
    asia = json.loads(run(haberci, "stories", "--topic", "asia", "--json")[1])
    assert [s["topics"] for s in asia] == [["asia"]]

    broken = tmp_path / "broken.toml"
    broken.write_text('[[topic]]\nslug = "x"\nname_en = "X"\n', encoding="utf-8")
    code, _, err = run(haberci, "topics", "check", str(broken))
    assert code == 1 and "topic 'x', field `name_tr`" in err
    monkeypatch.setenv("HABERCI_TOPICS_FILE", str(broken))
    code, _, err = run(haberci, "topics")
    assert code == 1 and "HABERCI_TOPICS_FILE" in err and "name_tr" in err
    monkeypatch.delenv("HABERCI_TOPICS_FILE")

    own = tmp_path / "own.toml"
    own.write_text(
        '[tr_to_en]\n"Konya" = "Konya"\n"Cenevre" = "Genf"\n'
        '[tr_to_en_words]\n"müzakere" = "negotiations"\n"hasılat" = "takings"\n',
        encoding="utf-8",
    )
    code, out, _ = run(haberci, "names", "check", str(own))
    assert code == 0
    assert "2 names and 2 news words, valid, 2 read otherwise than the bundled lists" in out
    empty = tmp_path / "empty.toml"
    empty.write_text('[names]\n"Konya" = "Konya"\n', encoding="utf-8")
    code, _, err = run(haberci, "names", "check", str(empty))
    assert code == 1 and "no [tr_to_en], [tr_to_en_words] or [tr_to_en_verbs] table" in err
    names = tmp_path / "names.toml"
    names.write_text('[tr_to_en]\n"Batı Şeria" = "West Bank"\n', encoding="utf-8")
    code, _, err = run(haberci, "names", "check", str(names))
    assert code == 1 and "'Batı Şeria' is not one word" in err
    monkeypatch.setenv("HABERCI_NAMES_FILE", str(names))
    code, _, err = run(haberci, "topics")
    assert code == 1 and "HABERCI_NAMES_FILE" in err and "'Batı Şeria' is not one word" in err
    monkeypatch.setenv("HABERCI_NAMES_FILE", str(tmp_path / "missing.toml"))
    code, _, err = run(haberci, "topics")
    assert code == 1 and "HABERCI_NAMES_FILE" in err and "no such file" in err


def event_feed(title: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS body of (slug, title, description) items published an hour ago."""
    published = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    body = "".join(
        f"<item><guid>https://news.example/{slug}</guid><title>{t}</title>"
        f"<link>https://news.example/{slug}</link><description>{d}</description>"
        f"<pubDate>{published}</pubDate></item>"
        for slug, t, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>https://news.example/</link>{body}</channel></rss>"
    ).encode()


OUTLET_A = [
    (
        "a/peru",
        "Peru's Congress removes interim President José Jerí over corruption probe",
        "Lawmakers voted to oust José Jerí, Peru's interim president, after prosecutors opened "
        "an investigation into undisclosed meetings with a Chinese businessman.",
    ),
    (
        "a/sudan",
        "Sudan: drone strike on El Fasher market kills dozens, activists say",
        "A paramilitary Rapid Support Forces drone hit a crowded market in the besieged city of "
        "El Fasher in North Darfur, according to local activists.",
    ),
]
OUTLET_B = [
    (
        "b/peru",
        "Peruvian lawmakers oust Jerí as interim president amid corruption scandal",
        "Peru's Congress censured interim President José Jerí on Tuesday over secret meetings "
        "with a Chinese businessman, deepening the country's political turmoil.",
    ),
    (
        "b/olympics",
        "Norway wins Olympic gold in men's cross-country relay",
        "Norway's skiers took gold in the men's 4x10km relay at the Winter Olympics in Milan "
        "Cortina, ahead of France and Italy.",
    ),
]


def test_stories_of_one_event_share_a_cluster_and_list_each_outlet(
    haberci: CliRunner, feed_server: FeedServer
) -> None:
    feed_server.add("/a.xml", event_feed("Outlet A", OUTLET_A))
    feed_server.add("/b.xml", event_feed("Outlet B", OUTLET_B))
    for path in ("/a.xml", "/b.xml"):
        code, out, _ = run(haberci, "feeds", "add", feed_server.url(path))
        assert code == 0 and "2 new" in out

    code, out, _ = run(haberci, "stories", "--json")
    assert code == 0
    stories = {s["url"].removeprefix("https://news.example/"): s for s in json.loads(out)}
    assert set(stories) == {"a/peru", "a/sudan", "b/peru", "b/olympics"}
    event = stories["a/peru"]["cluster_id"]
    assert event == stories["a/peru"]["id"] and stories["b/peru"]["cluster_id"] == event
    outlets = [
        {"source": "Outlet A", "url": "https://news.example/a/peru"},
        {"source": "Outlet B", "url": "https://news.example/b/peru"},
    ]
    for slug in ("a/peru", "b/peru"):
        assert sorted(stories[slug]["cluster_sources"], key=lambda s: s["source"]) == outlets
    for slug, source in (("a/sudan", "Outlet A"), ("b/olympics", "Outlet B")):
        alone = stories[slug]
        assert alone["cluster_id"] == alone["id"]
        assert alone["cluster_sources"] == [{"source": source, "url": alone["url"]}]

    code, out, _ = run(haberci, "stories", "--cluster", str(event), "--json")
    assert code == 0
    assert sorted(s["url"] for s in json.loads(out)) == [o["url"] for o in outlets]
    code, out, _ = run(haberci, "stories", "--cluster", str(stories["a/sudan"]["id"]), "--json")
    assert [s["url"] for s in json.loads(out)] == ["https://news.example/a/sudan"]
    code, _, err = run(haberci, "stories", "--cluster", "999999")
    assert code == 1 and "no cluster with id 999999" in err


def test_a_stop_during_a_slow_poll_waits_briefly_then_ends_it_quietly(
    database_url: str, feed_server: FeedServer
) -> None:
    from bot.scheduler import STOP_GRACE_S

    url = feed_server.url("/hostile/slow")  # never finishes: a poll is in progress at the stop
    env = {k: v for k, v in os.environ.items() if not k.startswith("HABERCI_")}
    env.update(
        HABERCI_DATABASE_URL=database_url,
        HABERCI_ALLOW_PRIVATE_FEEDS="1",
        HABERCI_LOAD_DEFAULT_FEEDS="0",
    )
    command = [sys.executable, "-m", "bot"]
    opml = '<opml version="2.0"><body><outline text="Slow" xmlUrl="' + url + '"/></body></opml>'
    subprocess.run(
        [*command, "feeds", "import", "/dev/stdin"],
        input=opml.encode(),
        env=env,
        capture_output=True,
        check=True,
    )
    process = subprocess.Popen(
        [*command, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while not feed_server.requests_for("/hostile/slow") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert feed_server.requests_for("/hostile/slow")
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - stopped_at
    finally:
        process.kill()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert STOP_GRACE_S - 0.5 <= took < STOP_GRACE_S + 10, log
    assert "poll interrupted by the stop" in log and "event=stopped" in log
    assert "Traceback" not in log and "raised an exception" not in log
