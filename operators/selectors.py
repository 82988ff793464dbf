"""What operators read: site-wide figures, each in a bounded number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from lair.errors import NotFound, ValidationError
from lair.models import AuditEntry
from messaging.models import Message
from realtime import presence
from rooms.models import Membership, Room
from sessions_app.models import DeviceSession


def site_stats() -> dict:
    """The figures of GET /admin/stats: one aggregate query per table, plus the cache
    for who is connected (no loop over rooms or users)."""
    now = timezone.now()
    day_ago = now - timedelta(hours=24)
    # Active: signed in, or used a device session (touched at most every
    # SESSION_TOUCH_INTERVAL), or left their last socket, in the last 24 hours.
    # API sign-ins never write last_login: the sessions say who was here.
    used_a_session = Exists(
        DeviceSession.objects.filter(user_id=OuterRef("pk"), last_seen_at__gte=day_ago)
    )
    active = Q(last_login__gte=day_ago) | Q(last_seen__gte=day_ago) | Q(used_a_session)
    users = User.objects.aggregate(
        total=Count("pk", filter=Q(is_active=True)),
        active_24h=Count("pk", filter=Q(is_active=True) & active),
        suspended=Count("pk", filter=Q(is_suspended=True, is_active=True)),
    )
    rooms = Room.objects.aggregate(
        total=Count("pk"),
        public=Count("pk", filter=Q(type=Room.Type.PUBLIC)),
        private=Count("pk", filter=Q(type=Room.Type.PRIVATE)),
        direct=Count("pk", filter=Q(type=Room.Type.DIRECT)),
        archived=Count("pk", filter=Q(archived_at__isnull=False)),
    )
    messages = Message.objects.aggregate(
        total=Count("pk"), last_24h=Count("pk", filter=Q(created_at__gte=day_ago))
    )
    connected = presence.connection_totals()
    return {
        "users": {**users, "online": connected.users},
        "rooms": rooms,
        "messages": messages,
        "sessions": {"active": DeviceSession.objects.active().count()},
        "websocket": {"connections": connected.sockets},
    }


# --- the admin API's lists: every filter checked here, one query per page -------

SEARCH_QUERY_MAX_CHARS = 254  # the longest email; no username or name is longer


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details={field: [message]})


def _check_choice(value: str | None, choices, *, field: str) -> None:
    if value is not None and value not in choices:
        raise _invalid(field, f"Must be one of: {', '.join(choices)}.")


def users_for_operators(*, query: str = "", role: str | None = None, is_suspended=None):
    """Every account, deactivated ones too, for GET /admin/users; newest first.

    ``query`` matches part of the username, email or display name. Each user
    carries ``active_sessions``, counted in the same query.
    """
    _check_choice(role, User.Role.values, field="role")
    users = _with_active_sessions(User.objects.select_related("settings"))
    query = query[:SEARCH_QUERY_MAX_CHARS].strip()
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(display_name__icontains=query)
        )
    if role is not None:
        users = users.filter(role=role)
    if is_suspended is not None:
        users = users.filter(is_suspended=is_suspended)
    return users.order_by("-date_joined", "-pk")


def _with_active_sessions(users):
    now = timezone.now()
    active = DeviceSession.objects.filter(
        user=OuterRef("pk"), revoked_at__isnull=True, expires_at__gt=now
    )
    # A subquery, not Count over a join: the count of one user's sessions
    # cannot multiply with any other join of the list.
    return users.annotate(
        active_sessions=Coalesce(
            Subquery(
                active.order_by().values("user").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        )
    )


def user_for_operators(user_id: int) -> User:
    """One account as GET /admin/users/{id} shows it (deactivated too), or NotFound."""
    user = users_for_operators().filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


def rooms_for_operators(*, query: str = "", type: str | None = None, archived=None):
    """Every room, private and direct ones too, for GET /admin/rooms; newest first.

    Each room carries ``member_count`` and ``message_count`` (messages not
    deleted), counted by subqueries in the same query; no message content.
    """
    _check_choice(type, Room.Type.values, field="type")
    rooms = Room.objects.select_related("created_by").annotate(
        member_count=_count_of(Membership.objects.filter(room=OuterRef("pk")), "room"),
        message_count=_count_of(
            Message.objects.filter(room=OuterRef("pk"), deleted_at__isnull=True), "room"
        ),
    )
    query = query[:SEARCH_QUERY_MAX_CHARS].strip()
    if query:
        rooms = rooms.filter(Q(name__icontains=query) | Q(topic__icontains=query))
    if type is not None:
        rooms = rooms.filter(type=type)
    if archived is not None:
        rooms = rooms.filter(archived_at__isnull=not archived)
    return rooms.order_by("-created_at", "-pk")


def _count_of(rows, column: str):
    counted = rows.order_by().values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def room_for_operators(room_id: int) -> Room:
    """One room as GET /admin/rooms/{id} shows it, or NotFound."""
    room = rooms_for_operators().filter(pk=room_id).first()
    if room is None:
        raise NotFound("Room not found.")
    return room


def audit_entries(
    *,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since=None,
    until=None,
):
    """The audit log for GET /admin/audit-log, newest first, with each entry's actor.

    ``since`` and ``until`` bound ``at`` (both inclusive).
    """
    if since is not None and until is not None and since > until:
        raise _invalid("since", "Must not be after 'until'.")
    entries = AuditEntry.objects.select_related("actor")
    if action is not None:
        entries = entries.filter(action=action)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if target_type is not None:
        entries = entries.filter(target_type=target_type)
    if target_id is not None:
        entries = entries.filter(target_id=target_id)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lte=until)
    return entries.order_by("-at", "-pk")


def daily_activity(*, days: int = 30) -> list[dict]:
    """Messages posted and distinct authors, per UTC day, for the last ``days`` days.

    One GROUP BY query whatever the volume; days without a message are zeros.
    "Active users" of a day are the users who posted that day: the one
    activity the database keeps per day (sign-ins keep only the last one).
    Returns ``[{"day": date, "messages": n, "active_users": n}]``, oldest first,
    ending today.
    """
    today = timezone.now().astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    rows = (
        Message.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(messages=Count("pk"), active_users=Count("author", distinct=True))
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {})
        series.append(
            {
                "day": day,
                "messages": row.get("messages", 0),
                "active_users": row.get("active_users", 0),
            }
        )
    return series
