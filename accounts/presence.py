"""Presence: who is online, kept in the cache so that every server process agrees.

Each open socket counts once in ``presence:sockets:<user id>``; the count has
a time-to-live that open sockets refresh, so a crashed process cannot keep a
user online forever. ``away`` is what the client says; ``offline`` is no socket.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.cache import cache

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
SOCKETS_TTL = 120  # seconds; open sockets refresh it every heartbeat
STATUS_TTL = 7 * 24 * 3600


def _sockets_key(user_id: int) -> str:
    return f"presence:sockets:{user_id}"


def _status_key(user_id: int) -> str:
    return f"presence:status:{user_id}"


def _seen_key(user_id: int) -> str:
    return f"presence:seen:{user_id}"


def socket_opened(user_id: int) -> bool:
    """Count a new socket; True when it is the user's first (they came online)."""
    key = _sockets_key(user_id)
    if cache.add(key, 1, SOCKETS_TTL):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, SOCKETS_TTL)
            count = 1
        cache.touch(key, SOCKETS_TTL)
    if count == 1:
        cache.set(_status_key(user_id), ONLINE, STATUS_TTL)
    return count == 1


def socket_alive(user_id: int) -> None:
    cache.touch(_sockets_key(user_id), SOCKETS_TTL)


def socket_closed(user_id: int) -> int:
    """Uncount a socket; returns how many the user still has open."""
    key = _sockets_key(user_id)
    try:
        count = cache.decr(key)
    except ValueError:
        return 0
    if count <= 0:
        cache.delete(key)
        return 0
    return count


def open_sockets(user_id: int) -> int:
    return cache.get(_sockets_key(user_id)) or 0


def set_status(user_id: int, status: str) -> None:
    cache.set(_status_key(user_id), status, STATUS_TTL)


def mark_offline(user_id: int) -> datetime:
    """Record the user as gone; returns their last-seen time."""
    now = datetime.now(UTC)
    cache.set(_status_key(user_id), OFFLINE, STATUS_TTL)
    cache.set(_seen_key(user_id), now.timestamp(), STATUS_TTL)
    return now


def presence_of(user_id: int) -> str:
    if not open_sockets(user_id):
        return OFFLINE
    return cache.get(_status_key(user_id)) or ONLINE


def presence_many(user_ids) -> dict[int, str]:
    """Presence of several users in two cache round trips."""
    user_ids = list(user_ids)
    counts = cache.get_many([_sockets_key(uid) for uid in user_ids])
    statuses = cache.get_many([_status_key(uid) for uid in user_ids])
    result = {}
    for uid in user_ids:
        if not counts.get(_sockets_key(uid)):
            result[uid] = OFFLINE
        else:
            result[uid] = statuses.get(_status_key(uid)) or ONLINE
    return result


def last_seen_of(user_id: int) -> datetime | None:
    stamp = cache.get(_seen_key(user_id))
    return datetime.fromtimestamp(stamp, UTC) if stamp else None
