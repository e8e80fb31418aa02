"""Query functions for same-event clusters: the window to cluster against, assignments, and
each cluster's sources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Integer, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.records import ClusterCandidate, ClusterSource, Placement
from storage.stories import _chunks
from storage.tables import CLUSTERS, STORIES, ClusterRow, FeedRow, StoryRow

_CANDIDATE_COLUMNS = (
    StoryRow.id,
    StoryRow.feed_id,
    StoryRow.published_at,
    StoryRow.title,
    StoryRow.summary,
    StoryRow.language,
    StoryRow.cluster_id,
)
_S = STORIES.c

# The statements of a clustering batch, built once: building a statement and finding its
# compiled form again costs SQLAlchemy more than running it, and every poll that stores new
# stories runs these.
_WINDOW = (
    select(*_CANDIDATE_COLUMNS)
    .where(StoryRow.published_at >= bindparam("since"), StoryRow.cluster_id.is_not(None))
    .order_by(StoryRow.published_at, StoryRow.id)
)
_STORED_SINCE = (
    select(*_CANDIDATE_COLUMNS)
    .where(
        StoryRow.published_at >= bindparam("since"),
        StoryRow.id > bindparam("after_id"),
        StoryRow.cluster_id.is_not(None),
    )
    .order_by(StoryRow.id)
)
_CANDIDATES = select(*_CANDIDATE_COLUMNS).where(
    StoryRow.id.in_(bindparam("story_ids", expanding=True))
)
_SET_CLUSTER = (
    update(STORIES).where(_S.id == bindparam("story")).values(cluster_id=bindparam("cluster"))
)
_CLUSTER_STATS = (
    select(
        _S.cluster_id,
        func.count(),
        func.count(func.distinct(_S.feed_id)),
        func.min(_S.published_at),
        func.max(_S.published_at),
        func.min(_S.id),
    )
    .where(_S.cluster_id.in_(bindparam("cluster_ids", expanding=True)))
    .group_by(_S.cluster_id)
)
_DELETE_CLUSTERS = delete(CLUSTERS).where(
    CLUSTERS.c.id.in_(bindparam("cluster_ids", expanding=True))
)
_STORED_REPRESENTATIVES = (
    select(CLUSTERS.c.id, CLUSTERS.c.representative_id)
    .join(STORIES, _S.id == CLUSTERS.c.representative_id)
    .where(
        CLUSTERS.c.id.in_(bindparam("cluster_ids", expanding=True)),
        _S.cluster_id == CLUSTERS.c.id,
    )
)


def clustered_since(session: Session, since: datetime, after_id: int = 0) -> list[ClusterCandidate]:
    """Clustered stories published at or after ``since`` with an id above ``after_id`` (the
    window to restore after a restart, or what other processes stored meanwhile), by
    publication time. The cost follows the window, not the table: the first read goes through
    the published-at index, a top-up through the primary key from ``after_id`` on (ordering
    by id is what steers SQLite to it), so it reads only the stories stored since."""
    connection = session.connection()  # Core rows: no ORM work per row
    if after_id <= 0:
        return [ClusterCandidate(*row) for row in connection.execute(_WINDOW, {"since": since})]
    found = [
        ClusterCandidate(*row)
        for row in connection.execute(_STORED_SINCE, {"since": since, "after_id": after_id})
    ]
    found.sort(key=lambda story: story.published_at)  # stable: by id within one time
    return found


def candidates(session: Session, story_ids: Sequence[int]) -> list[ClusterCandidate]:
    """The given stories as clustering sees them."""
    found: list[ClusterCandidate] = []
    connection = session.connection()
    for chunk in _chunks(story_ids):
        rows = connection.execute(_CANDIDATES, {"story_ids": list(chunk)})
        found.extend(ClusterCandidate(*row) for row in rows)
    return found


def unclustered(
    session: Session, *, since: datetime | None, after_id: int, limit: int
) -> list[ClusterCandidate]:
    """Stories not placed in a cluster yet (stored before clustering existed), by id."""
    query = (
        select(*_CANDIDATE_COLUMNS)
        .where(StoryRow.id > after_id, StoryRow.cluster_id.is_(None))
        .order_by(StoryRow.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(StoryRow.published_at >= since)
    return [ClusterCandidate(*row) for row in session.execute(query)]


def store_placements(session: Session, placements: Sequence[Placement]) -> None:
    """Set each placed story's cluster, then create or refresh the clusters concerned (with
    the representative of each cluster's last placement).

    Two statements whatever the number of stories: an UPDATE of the stories and, per cluster,
    an INSERT of the cluster's row computed from its stories that updates the row already
    stored (the counts and time span as ``refresh_clusters`` computes them)."""
    if not placements:
        return
    connection = session.connection()
    connection.execute(
        _SET_CLUSTER, [{"story": p.story_id, "cluster": p.cluster_id} for p in placements]
    )
    representatives = {p.cluster_id: p.representative_id for p in placements}
    connection.execute(
        _place_clusters(connection.dialect.name),
        [
            {"cluster": cluster_id, "representative": representatives[cluster_id]}
            for cluster_id in sorted(representatives)
        ],
    )


_STAT_NAMES = (
    "representative_id",
    "story_count",
    "source_count",
    "first_published_at",
    "last_published_at",
)


def refresh_clusters(
    session: Session, cluster_ids: Sequence[int], representatives: Mapping[int, int] | None = None
) -> None:
    """Bring cluster rows in line with their stories: counts, time span and representative
    (the given one, else the stored one while it is still a member, else the first story).
    A cluster row is created when missing and deleted when no story is left in it.

    Per chunk of clusters: one aggregate over their stories, one upsert of the rows, and a
    look-up of the stored representatives only for clusters not given one."""
    connection = session.connection()
    chosen = dict(representatives or {})
    for chunk in _chunks(sorted(set(cluster_ids))):
        rows: list[dict[str, Any]] = []
        first_ids: dict[int, int] = {}
        for cluster_id, count, sources, first, last, first_id in connection.execute(
            _CLUSTER_STATS, {"cluster_ids": list(chunk)}
        ):
            rows.append(
                {
                    "id": cluster_id,
                    "representative_id": chosen.get(cluster_id),
                    "story_count": count,
                    "source_count": sources,
                    "first_published_at": first,
                    "last_published_at": last,
                }
            )
            first_ids[cluster_id] = first_id
        unchosen = [row for row in rows if row["representative_id"] is None]
        if unchosen:
            kept = _stored_representatives(session, [row["id"] for row in unchosen])
            for row in unchosen:
                row["representative_id"] = kept.get(row["id"], first_ids[row["id"]])
        empty = set(chunk) - set(first_ids)
        if empty:
            connection.execute(_DELETE_CLUSTERS, {"cluster_ids": sorted(empty)})
        if rows:
            connection.execute(_upsert_clusters(connection.dialect.name), rows)


def _stored_representatives(session: Session, cluster_ids: Sequence[int]) -> dict[int, int]:
    """Each given cluster's stored representative, where it is still a member of the cluster."""
    rows = session.connection().execute(_STORED_REPRESENTATIVES, {"cluster_ids": list(cluster_ids)})
    return {cluster_id: representative for cluster_id, representative in rows}


@cache
def _place_clusters(dialect: str) -> Insert:
    """Per cluster (parameters ``cluster`` and ``representative``): its row from an aggregate
    over its stories, inserted or updating the stored row. A cluster no story is in (possible
    only if its stories were deleted meanwhile, and then the deletion refreshes it) gets no
    row."""
    stats = (
        select(
            _S.cluster_id,
            bindparam("representative", type_=Integer),
            func.count(),
            func.count(func.distinct(_S.feed_id)),
            func.min(_S.published_at),
            func.max(_S.published_at),
        )
        .where(_S.cluster_id == bindparam("cluster", type_=Integer))
        .group_by(_S.cluster_id)
    )
    statement: Any = _dialect_insert(dialect).from_select(("id", *_STAT_NAMES), stats)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[CLUSTERS.c.id],
        set_={name: statement.excluded[name] for name in _STAT_NAMES},
    )


def _dialect_insert(dialect: str) -> Any:
    """The INSERT construct of the dialect (for its ON CONFLICT clause)."""
    if dialect == "postgresql":
        return postgresql.insert(CLUSTERS)
    if dialect == "sqlite":
        return sqlite.insert(CLUSTERS)
    raise RuntimeError(f"unsupported database dialect {dialect!r}")


@cache
def _upsert_clusters(dialect: str) -> Insert:
    """An INSERT of cluster rows that updates the row of a cluster already stored."""
    statement = _dialect_insert(dialect)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[CLUSTERS.c.id],
        set_={name: statement.excluded[name] for name in _STAT_NAMES},
    )


def cluster_sources(session: Session, cluster_ids: Sequence[int]) -> dict[int, list[ClusterSource]]:
    """Each cluster's outlets, one link per feed (the feed's first report), the cluster's
    representative first and then by time."""
    found: dict[int, list[ClusterSource]] = {}
    stories = StoryRow
    for chunk in _chunks(list(dict.fromkeys(cluster_ids))):
        rows = session.execute(
            select(
                stories.cluster_id,
                stories.id,
                stories.feed_id,
                func.coalesce(FeedRow.title, FeedRow.url),
                stories.url,
                stories.published_at,
                CLUSTERS.c.representative_id,
            )
            .join(FeedRow, FeedRow.id == stories.feed_id)
            .join(CLUSTERS, CLUSTERS.c.id == stories.cluster_id)
            .where(stories.cluster_id.in_(chunk))
            .order_by(stories.cluster_id, stories.published_at, stories.id)
        )
        seen: set[tuple[int, int]] = set()
        for cluster_id, story_id, feed_id, source, url, _published, rep in rows:
            sources = found.setdefault(cluster_id, [])
            source_entry = ClusterSource(story_id, feed_id, source, url)
            if story_id == rep:
                # The representative speaks for its feed, and comes first.
                sources[:] = [s for s in sources if s.feed_id != feed_id]
                sources.insert(0, source_entry)
                seen.add((cluster_id, feed_id))
            elif (cluster_id, feed_id) not in seen:
                seen.add((cluster_id, feed_id))
                sources.append(source_entry)
    return found


def cluster_exists(session: Session, cluster_id: int) -> bool:
    return session.get(ClusterRow, cluster_id) is not None


def busy_clusters(session: Session, since: datetime, min_sources: int) -> list[int]:
    """Clusters that began at or after ``since`` and are already covered by at least
    ``min_sources`` outlets, newest first (candidates for a breaking alert)."""
    rows = session.execute(
        select(CLUSTERS.c.id)
        .where(
            CLUSTERS.c.last_published_at >= since,
            CLUSTERS.c.first_published_at >= since,
            CLUSTERS.c.source_count >= min_sources,
        )
        .order_by(CLUSTERS.c.last_published_at.desc())
    )
    return [cluster_id for (cluster_id,) in rows]
