"""Presence: who is online, kept in the cache so that every server process agrees.

Each open socket counts once in ``presence:sockets:<user id>``; the count has
a time-to-live that each server process refreshes for the users it holds
sockets of (realtime/fanout.py, all of them in one round trip), so a
crashed process cannot keep a user online forever. ``away`` is what the
client says; ``offline`` is no socket.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed

ONLINE, AWAY, OFFLINE = "online", "away", "offline"

# One cache client for the whole process. Django's ``cache`` is per async
# context: every socket would open its own Redis pool (thousands of
# connections for thousands of sockets).
_client = None


def _cache():
    global _client
    if _client is None:
        _client = caches.create_connection("default")
    return _client


def _forget_client(*, setting, **kwargs):
    """Settings changed (tests): close the old client's connections and start over."""
    global _client
    if setting == "CACHES" and _client is not None:
        for pool in getattr(getattr(_client, "_cache", None), "_pools", {}).values():
            pool.disconnect()
        _client = None


setting_changed.connect(_forget_client)
SOCKETS_TTL = 120  # seconds; refreshed every SOCKETS_TTL / 4 while a socket is open
STATUS_TTL = 7 * 24 * 3600


def _sockets_key(user_id: int) -> str:
    return f"presence:sockets:{user_id}"


def _status_key(user_id: int) -> str:
    return f"presence:status:{user_id}"


def _seen_key(user_id: int) -> str:
    return f"presence:seen:{user_id}"


def _count_up(key: str) -> int:
    """Add one to a socket count that lives SOCKETS_TTL; returns the new count."""
    if _cache().add(key, 1, SOCKETS_TTL):
        return 1
    try:
        count = _cache().incr(key)
    except ValueError:  # expired between add and incr
        _cache().set(key, 1, SOCKETS_TTL)
        return 1
    _cache().touch(key, SOCKETS_TTL)
    return count


def _count_down(key: str) -> int:
    """Take one off a socket count; returns what is left (the key goes at zero)."""
    try:
        count = _cache().decr(key)
    except ValueError:
        return 0
    if count <= 0:
        _cache().delete(key)
        return 0
    return count


def socket_opened(user_id: int) -> int:
    """Count a new socket; returns the user's open sockets (1: they came online)."""
    count = _count_up(_sockets_key(user_id))
    if count == 1:
        _cache().set(_status_key(user_id), ONLINE, STATUS_TTL)
    return count


def refresh_seconds() -> float:
    """How often a server process refreshes the counts of its users."""
    return SOCKETS_TTL / 4


def _keep_alive(keys) -> None:
    client = _cache()
    if isinstance(client, RedisCache):
        # Django's cache touches one key per call; a pipeline does them all.
        redis = client._cache.get_client(write=True)
        with redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.expire(client.make_and_validate_key(key), SOCKETS_TTL)
            pipe.execute()
    else:
        for key in keys:
            client.touch(key, SOCKETS_TTL)


def sockets_alive(user_ids) -> None:
    """Refresh the socket counts of these users: one round trip on Redis."""
    _keep_alive([_sockets_key(uid) for uid in user_ids])


# Sockets per client address, counted like a user's (WS_MAX_SOCKETS_PER_IP):
# in the cache, so that every server process adds to the same count.


def _address_key(ip: str) -> str:
    return f"presence:address:{ip}"


def claim_relay(key: str, seconds: float) -> bool:
    """True for the first caller of ``key`` within ``seconds``, across every process.

    Per-socket throttles bound one socket; a user with 20 sockets would relay
    20 times as much. A relay of typing or presence is claimed per user here
    first (the cache's atomic add: one round trip per relay, none per delivery).
    """
    return _cache().add(f"presence:relay:{key}", 1, max(1, math.ceil(seconds)))


def address_socket_opened(ip: str) -> int:
    """Count a new socket from ``ip``; returns how many that address has open."""
    return _count_up(_address_key(ip))


def address_socket_closed(ip: str) -> int:
    """Uncount a socket from ``ip``; returns how many it still has open."""
    return _count_down(_address_key(ip))


def addresses_alive(ips) -> None:
    """Refresh the socket counts of these addresses: one round trip on Redis."""
    _keep_alive([_address_key(ip) for ip in ips])


def socket_closed(user_id: int) -> int:
    """Uncount a socket; returns how many the user still has open."""
    return _count_down(_sockets_key(user_id))


def open_sockets(user_id: int) -> int:
    return _cache().get(_sockets_key(user_id)) or 0


def set_status(user_id: int, status: str) -> None:
    _cache().set(_status_key(user_id), status, STATUS_TTL)


def mark_offline(user_id: int) -> datetime:
    """Record the user as gone; returns their last-seen time."""
    now = datetime.now(UTC)
    _cache().set(_status_key(user_id), OFFLINE, STATUS_TTL)
    _cache().set(_seen_key(user_id), now.timestamp(), STATUS_TTL)
    return now


def presence_of(user_id: int) -> str:
    if not open_sockets(user_id):
        return OFFLINE
    return _cache().get(_status_key(user_id)) or ONLINE


def presence_many(user_ids) -> dict[int, str]:
    """Presence of several users in two cache round trips."""
    user_ids = list(user_ids)
    counts = _cache().get_many([_sockets_key(uid) for uid in user_ids])
    statuses = _cache().get_many([_status_key(uid) for uid in user_ids])
    result = {}
    for uid in user_ids:
        if not counts.get(_sockets_key(uid)):
            result[uid] = OFFLINE
        else:
            result[uid] = statuses.get(_status_key(uid)) or ONLINE
    return result


def last_seen_of(user_id: int) -> datetime | None:
    stamp = _cache().get(_seen_key(user_id))
    return datetime.fromtimestamp(stamp, UTC) if stamp else None
