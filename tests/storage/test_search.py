"""Full-text search over stories, on SQLite (FTS5) and PostgreSQL (tsvector): words and their
inflections are found, Turkish letters fold, titles rank first, input is never syntax, and the
index follows every insert, update and delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from feeds.models import Story, TagMatch
from storage import db
from storage import feeds as feed_store
from storage import stories as story_store
from storage.search import MAX_WORDS, SEARCH_SCHEMA_NAMES, reindex_search, search_stories

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def story(
    key: str,
    title: str,
    summary: str = "",
    *,
    hours_ago: int = 1,
    about_turkey: bool | None = None,
    topics: tuple[TagMatch, ...] = (),
) -> Story:
    return Story(
        guid_key=key,
        url=f"https://e.com/{key}",
        title=title,
        summary=summary,
        content_hash=key,
        published_at=NOW - timedelta(hours=hours_ago),
        language=None,
        author=None,
        topics=topics,
        about_turkey=about_turkey,
    )


def store(
    sessions: sessionmaker[Session],
    stories: Sequence[Story],
    *,
    url: str = "https://e.com/rss",
    backlog_before: datetime | None = None,
) -> int:
    """Add a feed with these stories; returns the feed's id."""
    with sessions.begin() as session:
        feed = feed_store.find_feed_by_url(session, url) or feed_store.add_feed(
            session, feed_store.NewFeed(url=url, poll_interval_min=15), NOW
        )
        story_store.upsert_stories(session, feed.id, stories, NOW, backlog_before)
        return feed.id


def keys(sessions: sessionmaker[Session], query: str, **options: Any) -> list[str]:
    """The guid keys of the stories found, best first."""
    with sessions() as session:
        return [found.guid_key for found in search_stories(session, query, **options)]


def assert_index_intact(engine: Engine) -> None:
    """On SQLite, FTS5's own check that the index is exactly what its content gives."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO stories_fts(stories_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_english_words_find_their_inflections(sessions: sessionmaker[Session]) -> None:
    store(sessions, [story("ru", "Sanctions on Russia"), story("pets", "Cats and dogs")])
    assert keys(sessions, "sanction") == ["ru"]
    assert keys(sessions, "Sanctions") == ["ru"]
    assert keys(sessions, "russia") == ["ru"]
    assert keys(sessions, "cat") == ["pets"]


def test_turkish_words_find_their_suffixed_forms(sessions: sessionmaker[Session]) -> None:
    store(
        sessions,
        [
            story("tr", "ABD'den Türkiye'ye yaptırımlar", "Washington kararını açıkladı."),
            story("other", "Ekonomide yeni dönem", "Merkez Bankası faiz kararını verdi."),
        ],
    )
    for query in ("yaptırım", "yaptırımlar", "abd", "Türkiye", "Washington"):
        assert keys(sessions, query) == ["tr"], query
    assert sorted(keys(sessions, "karar")) == ["other", "tr"]  # kararını, in both summaries


FOLDING = [
    ("TURKIYE", "tr"),
    ("türkiye", "tr"),
    ("TÜRKİYE", "tr"),
    ("turkiye", "tr"),
    ("istanbul", "ist"),
    ("İSTANBUL", "ist"),
    ("ISTANBUL", "ist"),
    ("i\u0307stanbul", "ist"),  # "İstanbul".lower() outside Turkish rules
    ("yogun", "ist"),
    ("kızılay", "kiz"),
    ("kizilay", "kiz"),
    ("KIZILAY", "kiz"),
    ("ışık", "isik"),
    ("isik", "isik"),
    ("IŞIK", "isik"),
    ("Işıklar", "isik"),
]


@pytest.mark.parametrize(("query", "expected"), FOLDING)
def test_case_and_turkish_letters_fold(
    sessions: sessionmaker[Session], query: str, expected: str
) -> None:
    store(
        sessions,
        [
            story("tr", "ABD'den Türkiye'ye yaptırımlar"),
            story("ist", "İstanbul'da yoğun kar"),
            story("kiz", "Deprem bölgesine yardım", "KIZILAY ekipleri bölgede."),
            story("isik", "Işıklar söndü", "Kentte ışık festivali iptal edildi."),
        ],
    )
    assert keys(sessions, query) == [expected]


def test_a_title_match_ranks_above_a_summary_only_match(sessions: sessionmaker[Session]) -> None:
    store(
        sessions,
        [
            story("title", "Deprem bölgesine yardım", "Ekipler sahada çalışıyor.", hours_ago=5),
            story("summary", "Ekipler sahada çalışıyor", "Deprem bölgesine yardım ulaştı."),
        ],
    )
    assert keys(sessions, "deprem") == ["title", "summary"]
    assert keys(sessions, "ekip") == ["summary", "title"]


def test_more_matches_rank_higher(sessions: sessionmaker[Session]) -> None:
    store(
        sessions,
        [
            story("once", "Enflasyon rakamları açıklandı", "Merkez bankası yarın toplanıyor."),
            story(
                "twice",
                "Enflasyon rakamları açıklandı",
                "Enflasyon beklentinin üzerinde çıktı.",
                hours_ago=5,
            ),
            story("both", "Deprem yardımı yola çıktı", "Tırlar yola çıktı.", hours_ago=9),
            story("split", "Deprem bölgesinde son durum", "Yardım tırları yolda."),
        ],
    )
    assert keys(sessions, "enflasyon") == ["twice", "once"]
    # Both words in the title beat one in the title and the other in the summary.
    assert keys(sessions, "deprem yardım") == ["both", "split"]


def test_every_word_must_match(sessions: sessionmaker[Session]) -> None:
    store(
        sessions,
        [story("ru", "Sanctions on Russia"), story("ir", "Sanctions on Iran", hours_ago=2)],
    )
    assert keys(sessions, "sanction") == ["ru", "ir"]  # equal matches: newer first
    assert keys(sessions, "sanction russia") == ["ru"]
    assert keys(sessions, "iran sanctions") == ["ir"]
    assert keys(sessions, "sanction china") == []


HOSTILE = [
    ('"sanction', ["ru", "ir"]),
    ('sanction"', ["ru", "ir"]),
    ('"sanction russia"', ["ru"]),  # words, not a phrase
    ('sanc"tion', []),  # the words "sanc" and "tion"
    ("sanction*", ["ru", "ir"]),
    ("*sanction", ["ru", "ir"]),
    ("-russia sanction", ["ru"]),  # "-" does not negate
    ("sanction -iran", ["ir"]),
    ("russia:", ["ru"]),
    ("title:russia", []),  # the word "title", not a column filter
    ("{title summary}: iran", []),
    ("NEAR(sanction russia)", []),  # "near" is a word no story has
    ("NEAR(sanction russia, 5", []),
    ("sanction AND russia", []),  # "and" is a word these stories lack
    ("sanction OR iran", []),
    ("NOT russia", []),
    ("AND OR NOT", ["words"]),
    ("russia^", ["ru"]),
    ("'; DROP TABLE stories; --", []),
    ("russia' OR '1'='1", []),
    ("%russia%", ["ru"]),
    ("russia\\", ["ru"]),
    ("iran);", ["ir"]),
    ("sanctions & !iran | :*", ["ir"]),  # tsquery operators are separators too
    ("<-> russia", ["ru"]),
]


@pytest.mark.parametrize(("query", "expected"), HOSTILE)
def test_input_is_words_never_syntax(
    engine: Engine, sessions: sessionmaker[Session], query: str, expected: list[str]
) -> None:
    store(
        sessions,
        [
            story("ru", "Sanctions on Russia"),
            story("ir", "Sanctions on Iran", hours_ago=2),
            story("words", "Now or never, and not later", hours_ago=3),
        ],
    )
    assert keys(sessions, query) == expected
    with sessions() as session:
        assert story_store.count_stories(session) == 3
    assert_index_intact(engine)


@pytest.mark.parametrize("query", ["", "   ", '"', "*", "'", "-", "()", '"*"', "_ —", "''; --"])
def test_a_query_without_words_is_refused(sessions: sessionmaker[Session], query: str) -> None:
    with sessions() as session, pytest.raises(ValueError, match="at least one word"):
        search_stories(session, query)


def test_too_many_words_and_a_bad_limit_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        with pytest.raises(ValueError, match=f"at most {MAX_WORDS} words"):
            search_stories(session, " ".join(f"w{n}" for n in range(MAX_WORDS + 1)))
        with pytest.raises(ValueError, match="limit"):
            search_stories(session, "word", limit=0)
        # Repeated words count once.
        assert search_stories(session, " ".join(["word"] * (MAX_WORDS + 1))) == []


def test_an_updated_story_is_found_by_its_new_text_only(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    first = story("a", "Seçim sonuçları açıklandı", "Sandıklar açıldı.")
    feed_id = store(sessions, [first])
    assert keys(sessions, "seçim") == ["a"]
    edited = replace(first, title="Deprem sonrası ilk gün", content_hash="edited")
    with sessions.begin() as session:
        counts = story_store.upsert_stories(session, feed_id, [edited], NOW, None)
    assert counts.updated == 1
    assert keys(sessions, "deprem") == ["a"]
    assert keys(sessions, "seçim") == []
    assert keys(sessions, "sandık") == ["a"]  # the unchanged summary is still indexed
    assert_index_intact(engine)


def test_stories_of_a_removed_feed_vanish(engine: Engine, sessions: sessionmaker[Session]) -> None:
    gone = store(sessions, [story("ru", "Sanctions on Russia")], url="https://a.example/rss")
    store(sessions, [story("ir", "Sanctions on Iran")], url="https://b.example/rss")
    assert sorted(keys(sessions, "sanction")) == ["ir", "ru"]
    with sessions.begin() as session:
        feed_store.remove_feed(session, gone)
    assert keys(sessions, "sanction") == ["ir"]
    assert keys(sessions, "russia") == []
    assert_index_intact(engine)


def test_stories_judged_not_about_turkey_are_left_out(sessions: sessionmaker[Session]) -> None:
    store(
        sessions,
        [
            story("focused", "Ankara summit opens"),  # Turkey-focused feed: about_turkey NULL
            story("yes", "Istanbul summit opens", about_turkey=True, hours_ago=2),
            story("no", "Berlin summit opens", about_turkey=False, hours_ago=3),
        ],
    )
    assert keys(sessions, "summit") == ["focused", "yes"]
    assert keys(sessions, "berlin") == []


def test_since_limit_and_backlog(sessions: sessionmaker[Session]) -> None:
    store(
        sessions,
        [
            story(f"h{hours}", f"Election result {hours}", hours_ago=hours)
            for hours in (1, 5, 30, 50)
        ],
        backlog_before=NOW - timedelta(hours=40),
    )
    assert keys(sessions, "election") == ["h1", "h5", "h30", "h50"]
    assert keys(sessions, "election", since=NOW - timedelta(hours=24)) == ["h1", "h5"]
    assert keys(sessions, "election", limit=3) == ["h1", "h5", "h30"]
    assert keys(sessions, "election", include_backlog=False) == ["h1", "h5", "h30"]
    assert keys(sessions, "election 50") == ["h50"]


def test_found_stories_are_the_records_list_stories_gives(
    sessions: sessionmaker[Session],
) -> None:
    store(
        sessions,
        [
            story("inf", "Inflation hits a new high", topics=(TagMatch("economy", "inflation"),)),
            story("other", "Football derby tonight", hours_ago=2),
        ],
    )
    with sessions() as session:
        found = search_stories(session, "inflation")
        listed = story_store.list_stories(session)
    assert found == [record for record in listed if record.guid_key == "inf"]
    assert found[0].topics == ("economy",)
    assert found[0].feed_url == "https://e.com/rss"


def test_reindex_rebuilds_the_index(engine: Engine, sessions: sessionmaker[Session]) -> None:
    store(sessions, [story("kiz", "Kızılay yardım gönderdi")])
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO stories_fts(stories_fts) VALUES ('delete-all')")
        assert keys(sessions, "kizilay") == []
    with sessions.begin() as session:
        reindex_search(session)
    assert keys(sessions, "kizilay") == ["kiz"]
    assert_index_intact(engine)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_search_uses_the_index(
    engine: Engine, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.search as search

    monkeypatch.setattr(search, "SEARCH_FIRST_SPAN", 1)
    store(
        sessions,
        [story("ru", "Sanctions on Russia", hours_ago=3), story("a", "Ankara"), story("b", "Bern")],
    )
    executed: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if "@@" in statement:
            executed.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert keys(sessions, "sanction russia") == ["ru"]
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    # The newest story, then (nothing matched, and the next range reaches the first story)
    # all the older ones.
    assert len(executed) == 2
    plans = []
    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in executed:
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars()
            plans.append("\n".join(plan))
    assert all("ix_stories_fts" in plan for plan in plans), plans
    # The index reads the range of blocks itself.
    assert "Index Cond: (((id / 1000) >= " in plans[0], plans[0]
    # The prefixes were looked up as the stored words they stand for, not left to the index.
    assert all(":*" not in str(parameters) for _, parameters in executed), executed


def _lexemes(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.exec_driver_sql("SELECT lexeme FROM search_lexemes").scalars())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_vocabulary_follows_the_stories(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """The stored lexemes are kept by the database as stories arrive and change, and a rebuild
    gives them back; a prefix finds every word it begins, whichever story brought the word."""
    store(sessions, [story("ir", "Iranian talks resume"), story("tr", "Türkiye'de seçim")])
    assert {"iranian", "talks", "turkiye", "secim"} <= _lexemes(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE stories SET title = 'Iranians vote' WHERE guid_key = 'ir'"
        )
    assert {"iranians", "vote"} <= _lexemes(engine)
    assert keys(sessions, "iran") == ["ir"]
    assert keys(sessions, "vot") == ["ir"]
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM search_lexemes")
    assert keys(sessions, "iran") == []  # nothing says what "iran" stands for
    with sessions.begin() as session:
        reindex_search(session)
    assert {"iranians", "vote", "turkiye"} <= _lexemes(engine)
    assert keys(sessions, "iran") == ["ir"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_hyphenated_words_are_found_by_their_parts(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    from storage.search import _pg_tsquery

    store(sessions, [story("summit", "Trump-Xi summit ends"), story("tr", "Trumpet concert")])
    assert "trump-xi" in _lexemes(engine)
    with sessions() as session:
        tsquery = _pg_tsquery(session, ["trump"])
    assert tsquery is not None and "trump-xi" not in tsquery and "trumpet" in tsquery
    assert sorted(keys(sessions, "trump")) == ["summit", "tr"]
    assert keys(sessions, "xi") == ["summit"]
    assert keys(sessions, "trump-xi") == ["summit"]  # the words "trump" and "xi"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_prefix_of_too_many_words_stays_a_prefix(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.search as search

    store(sessions, [story("a", "Ankara agrees"), story("b", "Athens answers", hours_ago=2)])
    monkeypatch.setattr(search, "PREFIX_EXPANSION_LIMIT", 1)
    assert keys(sessions, "a") == ["a", "b"]
    assert keys(sessions, "an") == ["a", "b"]
    assert keys(sessions, "ank") == ["a"]


def _search_objects(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE name LIKE 'stories_fts%'"
        else:
            query = (
                "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_stories_fts'"
                " UNION SELECT tablename FROM pg_tables WHERE tablename = 'search_lexemes'"
            )
        return set(connection.execute(text(query)).scalars())


def test_upgrade_indexes_stories_stored_before_it(database_url: str) -> None:
    engine = db.create_db_engine(database_url)
    try:
        db.upgrade(engine, "0005")
        sessions = db.make_session_factory(engine)
        store(sessions, [story("old", "İstanbul'da yaptırımlar konuşuldu", "Kızılay hazır.")])
        assert _search_objects(engine) == set()
        db.upgrade(engine)
        for query in ("istanbul", "yaptırım", "kizilay"):
            assert keys(sessions, query) == ["old"], query
        assert_index_intact(engine)
    finally:
        engine.dispose()


def test_downgrade_drops_the_search_index(engine: Engine) -> None:
    expected = (
        {"stories_fts_ai", "stories_fts_ad", "stories_fts_au"}
        | (SEARCH_SCHEMA_NAMES - {"ix_stories_fts", "search_lexemes"})
        if engine.dialect.name == "sqlite"
        else {"ix_stories_fts", "search_lexemes"}
    )
    assert _search_objects(engine) == expected
    command.downgrade(db._alembic_config(engine), "0005")
    assert _search_objects(engine) == set()
    sessions = db.make_session_factory(engine)
    store(sessions, [story("later", "Stored while search was gone")])
    db.upgrade(engine)
    assert keys(sessions, "stored search") == ["later"]


def test_on_a_large_store_the_newest_matches_are_ranked_whichever_path_finds_them(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the windows shrunk, a store of 60 stories takes every path a large one does on
    PostgreSQL (the newest stories, a range as wide as the share of matches says, a range
    growing after none matched, all the older ones at once): each query gives the newest
    SEARCH_WINDOW matches, ranked, exactly as ranking them all would."""
    import storage.search as search

    monkeypatch.setattr(search, "SEARCH_WINDOW", 4)
    monkeypatch.setattr(search, "SEARCH_FIRST_SPAN", 10)
    monkeypatch.setattr(search, "SEARCH_EMPTY_GROWTH", 2)
    monkeypatch.setattr(search, "SEARCH_RANGE_LIMIT", 30)
    monkeypatch.setattr(search, "SEARCH_BLOCK", 7)  # ranges begin and end inside blocks
    stories = []
    for i in range(60):  # story i is stored i-th: higher ids are newer
        words = ["Ankara"]
        if i % 3 == 0:
            words.append("inflation")  # three among the newest ten: a short range more
        if i in (2, 5, 17, 40):
            words.append("earthquake")  # none recent: growing ranges, then all the rest
        if i % 7 == 0:
            words.append("inflation inflation")  # ranks higher
        if i % 4 == 0:
            words.append("rates")  # two among the newest ten: a range of 20
        if i in (5, 10, 45, 58, 59):
            words.append("flood")  # the range holds one, all the rest the other
        stories.append(story(f"s{i:02d}", " ".join(words), hours_ago=100 - i))
    store(sessions, stories)
    newest_first = [f"s{i:02d}" for i in reversed(range(60))]

    def expected(word: str, limit: int) -> list[str]:
        matching = [k for k in newest_first if word in stories[int(k[1:])].title.lower()][:4]
        with monkeypatch.context() as unlimited:
            unlimited.setattr(search, "SEARCH_WINDOW", 1000)
            ranked = keys(sessions, word, limit=1000)
        return [key for key in ranked if key in matching][:limit]

    for word in ("inflation", "earthquake", "ankara", "rates", "flood"):
        found = keys(sessions, word, limit=3)
        assert found == expected(word, 3), word
        assert len(found) == 3
    assert sorted(keys(sessions, "earthquake", limit=10)) == ["s02", "s05", "s17", "s40"]


@pytest.mark.parametrize(
    ("found", "searched", "newest", "span", "expected"),
    [
        (40, 2_000, 1_000_000, 2_000, 6_000),  # 2% matched: 60 more need 3,000, twice over
        (4, 2_000, 1_000_000, 2_000, 96_000),  # 0.2%: a wide range, still cheaper than all
        (2, 2_000, 1_000_000, 2_000, None),  # 0.1%: about 1,000 in all, all of them at once
        (0, 2_000, 1_000_000, 2_000, 16_000),  # none yet: eight times as far back, once
        (0, 18_000, 1_000_000, 16_000, None),  # none there either: the words are rare
        (20, 60_000, 10_000_000, 58_000, None),  # 480,000 further back: past the range limit
        (20, 60_000, 1_000_000, 58_000, None),  # but first: about 333 in all, all at once
    ],
)
def test_each_search_reaches_as_far_back_as_the_matches_so_far_say(
    found: int, searched: int, newest: int, span: int, expected: int | None
) -> None:
    from storage.search import _next_span

    assert _next_span(found, searched, newest, span) == expected


def test_one_story_per_cluster_when_asked(sessions: sessionmaker[Session]) -> None:
    from storage import clusters as cluster_store
    from storage.records import Placement

    store(
        sessions,
        [
            story("a", "Iran talks resume in Geneva", hours_ago=3),
            story("b", "Iran and US resume talks", hours_ago=2),
            story("c", "Iran earthquake", hours_ago=1),
        ],
    )
    with sessions() as session:
        ids = {s.guid_key: s.id for s in story_store.list_stories(session)}
    with sessions.begin() as session:
        cluster_store.store_placements(
            session,
            [
                Placement(ids["a"], ids["a"], ids["a"], True),
                Placement(ids["b"], ids["a"], ids["a"], False),
            ],
        )
    ranked = keys(sessions, "iran talks")
    assert sorted(ranked) == ["a", "b"]
    assert keys(sessions, "iran talks", one_per_cluster=True) == ranked[:1]  # the better one
    every = keys(sessions, "iran")
    assert len(every) == 3
    once = keys(sessions, "iran", one_per_cluster=True)
    assert once == [key for key in every if key in ("c", _first_clustered(every))]
    assert keys(sessions, "iran", one_per_cluster=True, limit=1) == every[:1]


def _first_clustered(ranked: list[str]) -> str:
    """The better ranked of the clustered stories a and b."""
    return next(key for key in ranked if key in ("a", "b"))
