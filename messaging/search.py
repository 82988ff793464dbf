"""Full-text search over messages: SQLite FTS5 or PostgreSQL full-text search.

:func:`search_query` reads a search request's parameters once, with every
rule of what may be searched for; :func:`search_messages` runs it and picks
the backend by database vendor. Both index the message text as it is written (SQLite: FTS5 triggers;
PostgreSQL: a stored generated tsvector with a GIN index), so a message is
searchable as soon as its POST returns, and a deleted message (text emptied)
drops out of the index.

Ranking: results are ranked by relevance (bm25 / ts_rank) among the newest
CANDIDATE_WINDOW matches the caller may read. Ranking every match of a very
common word across millions of messages costs seconds; in a chat, the newest
matches are the ones people look for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import User
from lair.errors import ValidationError
from lair.pagination import query_id
from messaging.selectors import message_dicts
from rooms.models import Room
from rooms.permissions import visible_room

CANDIDATE_WINDOW = 10_000
MAX_TERMS = 16
MAX_QUERY_LENGTH = 200
START, STOP = "\x02", "\x03"
# PostgreSQL's headline parser drops what looks like HTML tags; "<" is hidden
# from it as a private-use character and restored before escaping.
LT_STANDIN = "\ue000"
PG_CONFIG = "english"
TERM = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchFilters:
    room_ids: list[int]
    author_id: int | None = None
    created_before: datetime | None = None
    created_after: datetime | None = None


@dataclass(frozen=True)
class SearchQuery:
    """What a search asks for, read and checked by :func:`search_query`."""

    terms: tuple[str, ...]
    room_id: int | None = None
    # ``from`` named a user: their id, or None with ``unknown_author`` when
    # nobody has that name (then nothing matches; it is not an error).
    author_id: int | None = None
    unknown_author: bool = False
    before: date | datetime | None = None
    after: date | datetime | None = None


def search_terms(query: str) -> tuple[str, ...]:
    """The words of ``query``: 1-MAX_QUERY_LENGTH characters with a word among them, else 400."""
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_LENGTH:
        raise ValidationError(
            "Give 1-200 characters to search for.",
            details={"q": ["Give 1-200 characters to search for."]},
        )
    terms = TERM.findall(query)[:MAX_TERMS]
    if not terms:
        raise ValidationError(
            "The query has no words to search for.", details={"q": ["No words to search."]}
        )
    return tuple(terms)


def _date_param(params: Mapping[str, str], name: str) -> date | datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        # A bare date first: fromisoformat would read "2026-01-02" as midnight.
        value = parse_date(raw) or parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise ValidationError(
            f"'{name}' must be a date (YYYY-MM-DD) or an ISO 8601 time.",
            details={name: ["Invalid date."]},
        )
    if isinstance(value, datetime) and value.tzinfo is None:
        value = timezone.make_aware(value)
    return value


def search_query(viewer: User, params: Mapping[str, str]) -> SearchQuery:
    """Read ``q``, ``room``, ``from``, ``before`` and ``after`` of a search request.

    Refuses (400) a blank, too long or wordless ``q`` and bad dates; a ``room``
    the viewer may not see answers as that room would (404).
    """
    terms = search_terms(params.get("q", ""))
    room_id = query_id(params.get("room"), "room")
    if room_id is not None:
        visible_room(viewer, room_id)
    author_id, unknown_author = None, False
    username = params.get("from", "").strip().lstrip("@").replace("\x00", "")
    if username:
        author_id = User.objects.by_username(username).values_list("pk", flat=True).first()
        unknown_author = author_id is None
    return SearchQuery(
        terms=terms,
        room_id=room_id,
        author_id=author_id,
        unknown_author=unknown_author,
        before=_date_param(params, "before"),
        after=_date_param(params, "after"),
    )


# Filters past either end of the calendar are clamped to it: 9999-12-31 plus a
# day, or 0001-01-01 at +23:59 converted to UTC, overflowed into a 500.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return LATEST if value.year == datetime.max.year else EARLIEST


def day_start(value: date) -> datetime:
    return _in_utc(
        timezone.make_aware(datetime.combine(value, time.min), timezone.get_current_timezone())
    )


def lower_bound(value: date | datetime) -> datetime:
    """``after=<date>``: from the next day on; ``after=<datetime>``: from that instant."""
    if isinstance(value, datetime):
        return _in_utc(value)
    if value == date.max:
        return LATEST
    return day_start(value + timedelta(days=1))


def upper_bound(value: date | datetime) -> datetime:
    """``before=<date>``: up to the start of that day; a datetime: up to that instant."""
    if isinstance(value, datetime):
        return _in_utc(value)
    return day_start(value)


def highlight(snippet: str) -> str:
    """Escape a snippet for HTML, then wrap the matches (between sentinels) in <mark>."""
    snippet = snippet.replace(LT_STANDIN, "<")
    return html.escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")


def _filter_sql(filters: SearchFilters, alias: str) -> tuple[str, list]:
    placeholders = ", ".join(["%s"] * len(filters.room_ids))
    clauses = [f"{alias}.deleted_at IS NULL", f"{alias}.room_id IN ({placeholders})"]
    params: list = list(filters.room_ids)
    if filters.author_id is not None:
        clauses.append(f"{alias}.author_id = %s")
        params.append(filters.author_id)
    # Raw SQL: datetimes go through the backend's adapter (SQLite compares text).
    adapt = connection.ops.adapt_datetimefield_value
    if filters.created_before is not None:
        clauses.append(f"{alias}.created_at < %s")
        params.append(adapt(filters.created_before))
    if filters.created_after is not None:
        clauses.append(f"{alias}.created_at >= %s")
        params.append(adapt(filters.created_after))
    return " AND ".join(clauses), params


def _sqlite_search(terms, filters, limit, offset) -> list[tuple[int, str]]:
    match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    where, params = _filter_sql(filters, "m")
    with connection.cursor() as cursor:
        # The newest CANDIDATE_WINDOW matches start at this rowid.
        cursor.execute(
            "SELECT f.rowid FROM messaging_message_fts f "
            "JOIN messaging_message m ON m.id = f.rowid "
            f"WHERE messaging_message_fts MATCH %s AND {where} "
            "ORDER BY f.rowid DESC LIMIT 1 OFFSET %s",
            [match, *params, CANDIDATE_WINDOW - 1],
        )
        row = cursor.fetchone()
        floor = row[0] if row else 0
        cursor.execute(
            "SELECT f.rowid, snippet(messaging_message_fts, 0, %s, %s, '…', 16) "
            "FROM messaging_message_fts f JOIN messaging_message m ON m.id = f.rowid "
            f"WHERE messaging_message_fts MATCH %s AND f.rowid >= %s AND {where} "
            "ORDER BY bm25(messaging_message_fts), f.rowid DESC LIMIT %s OFFSET %s",
            [START, STOP, match, floor, *params, limit, offset],
        )
        return cursor.fetchall()


def _postgres_search(terms, filters, limit, offset) -> list[tuple[int, str]]:
    text = " ".join(terms)
    where, params = _filter_sql(filters, "m")
    # The tsquery is written inline, not in a CTE: the two-argument
    # plainto_tsquery is immutable, so the planner folds it to a constant and
    # estimates the match count from the tsvector statistics. For a common
    # word it then walks the newest messages backwards and stops after
    # CANDIDATE_WINDOW matches instead of fetching and sorting every match.
    # The candidates carry only id and rank; headlines are made for the page.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, ts_headline(%s::regconfig, replace(m.content, '<', %s), "
            "plainto_tsquery(%s::regconfig, %s), %s) "
            "FROM ("
            "  SELECT c.id, c.rank FROM ("
            "    SELECT m.id, ts_rank(m.search_vector, plainto_tsquery(%s::regconfig, %s)) AS rank"
            "    FROM messaging_message m"
            f"   WHERE m.search_vector @@ plainto_tsquery(%s::regconfig, %s) AND {where}"
            "    ORDER BY m.id DESC LIMIT %s"
            "  ) c ORDER BY c.rank DESC, c.id DESC LIMIT %s OFFSET %s"
            ") r JOIN messaging_message m ON m.id = r.id "
            "ORDER BY r.rank DESC, r.id DESC",
            [
                PG_CONFIG,
                LT_STANDIN,
                PG_CONFIG,
                text,
                # No MaxFragments: fragment mode can cut a leading "<" off.
                f'StartSel="{START}", StopSel="{STOP}", MaxWords=24, MinWords=8',
                PG_CONFIG,
                text,
                PG_CONFIG,
                text,
                *params,
                CANDIDATE_WINDOW,
                limit,
                offset,
            ],
        )
        return cursor.fetchall()


def search_messages(
    *, viewer: User, query: SearchQuery, limit: int = 20, offset: int = 0
) -> tuple[list[dict], bool]:
    """Messages matching ``query`` in rooms ``viewer`` may read, most relevant first.

    Returns ``[{"message", "snippet"}]`` and whether more results follow.
    Snippets are HTML-escaped with the matches wrapped in ``<mark>``.
    """
    if query.unknown_author or offset >= CANDIDATE_WINDOW:
        return [], False
    rooms = Room.objects.readable_by(viewer)
    if query.room_id is not None:
        rooms = rooms.filter(pk=query.room_id)
    filters = SearchFilters(
        room_ids=list(rooms.values_list("id", flat=True)),
        author_id=query.author_id,
        created_before=upper_bound(query.before) if query.before else None,
        created_after=lower_bound(query.after) if query.after else None,
    )
    if not filters.room_ids:
        return [], False
    run = _postgres_search if connection.vendor == "postgresql" else _sqlite_search
    rows = run(query.terms, filters, limit + 1, offset)
    has_more = len(rows) > limit
    rows = rows[:limit]
    messages = {m["id"]: m for m in message_dicts([row[0] for row in rows], viewer.pk)}
    return [
        {"message": messages[message_id], "snippet": highlight(snippet)}
        for message_id, snippet in rows
        if message_id in messages
    ], has_more
