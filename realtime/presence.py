"""Presence: who is online, kept in the cache so that every server process agrees.

Each open socket counts once in ``presence:sockets:<user id>``; the count has
a time-to-live that each server process refreshes for the users it holds
sockets of (realtime/fanout.py, all of them in one round trip), so a
crashed process cannot keep a user online forever. ``away`` is what the
client says; ``offline`` is no socket.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed

logger = logging.getLogger(__name__)

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


def shared_cache():
    """The process's one cache client, for the other real-time state (realtime/typing.py)."""
    return _cache()


def _forget_client(*, setting, **kwargs):
    """Settings changed (tests): close the old client's connections and start over."""
    global _client
    if setting == "CACHES" and _client is not None:
        for pool in getattr(getattr(_client, "_cache", None), "_pools", {}).values():
            pool.disconnect()
        _client = None


setting_changed.connect(_forget_client)
STATUS_TTL = 7 * 24 * 3600


def sockets_ttl() -> int:
    """How long a socket count lives unless refreshed (PRESENCE_SOCKETS_TTL_SECONDS)."""
    return max(1, math.ceil(settings.PRESENCE_SOCKETS_TTL_SECONDS))


def _sockets_key(user_id: int) -> str:
    return f"presence:sockets:{user_id}"


def _status_key(user_id: int) -> str:
    return f"presence:status:{user_id}"


def _count_up(key: str) -> int:
    """Add one to a socket count that lives sockets_ttl(); returns the new count."""
    ttl = sockets_ttl()
    if _cache().add(key, 1, ttl):
        return 1
    try:
        count = _cache().incr(key)
    except ValueError:  # expired between add and incr
        _cache().set(key, 1, ttl)
        return 1
    _cache().touch(key, ttl)
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
    return sockets_ttl() / 4


def _keep_alive(keys) -> None:
    client, ttl = _cache(), sockets_ttl()
    if isinstance(client, RedisCache):
        # Django's cache touches one key per call: a round trip per user, every
        # refresh, for every user with a socket here. A pipeline does them all
        # in one; Django has no public many-key touch (get_many plus set_many
        # would race with the counts' incr and decr).
        redis = client._cache.get_client(write=True)
        with redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.expire(client.make_and_validate_key(key), ttl)
            pipe.execute()
    else:
        for key in keys:
            client.touch(key, ttl)


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
    """Record the user as gone; returns their last-seen time (stored by the caller)."""
    _cache().set(_status_key(user_id), OFFLINE, STATUS_TTL)
    return datetime.now(UTC)


async def offline_after_grace(user_id: int) -> datetime | None:
    """After the user's last socket closed: their last-seen time once they are gone.

    A reload or a network blip closes a socket and opens another within
    seconds: waiting PRESENCE_GRACE_SECONDS first spares the user's rooms an
    offline and online pair. None when a socket of theirs opened meanwhile,
    in any process (the count is in the cache).
    """
    await asyncio.sleep(settings.PRESENCE_GRACE_SECONDS)
    if await sync_to_async(open_sockets)(user_id):
        return None
    return await sync_to_async(mark_offline)(user_id)


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


class StatusRelay:
    """One socket's online/away changes: the latest one, at most once per interval.

    A client flipping between online and away would flood its rooms: a
    change is relayed at most once per WS_PRESENCE_INTERVAL_SECONDS per
    socket and per user (claim_relay, across processes); what is asked for
    meanwhile is kept, and only the latest state goes out after the wait,
    if it is still a change. ``relay(status)`` tells the rooms.
    """

    def __init__(self, user_id: int, relay):
        self.user_id, self.relay = user_id, relay
        self.shown = self.wanted = ONLINE
        self.relayed_at: float | None = None
        self.later: asyncio.Task | None = None

    async def asked(self, status: str) -> None:
        self.wanted = status
        if self.later is not None:
            return  # a relay is waiting for the interval: it takes the latest state
        if self.relayed_at is not None:
            loop = asyncio.get_running_loop()
            wait = self.relayed_at + settings.WS_PRESENCE_INTERVAL_SECONDS - loop.time()
            if wait > 0:
                self.later = asyncio.ensure_future(self._relay_after(wait))
                return
        await self._relay()

    async def _relay_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self.later = None
        await self._relay()

    async def _relay(self) -> None:
        status = self.wanted
        if status == self.shown:
            return
        interval = settings.WS_PRESENCE_INTERVAL_SECONDS
        if not await sync_to_async(claim_relay)(f"presence:{self.user_id}", interval):
            # Another socket of the user relayed a change just now: try again
            # after the interval, with whatever state is the latest then.
            if self.later is None:
                self.later = asyncio.ensure_future(self._relay_after(interval))
            return
        self.shown, self.relayed_at = status, asyncio.get_running_loop().time()
        await sync_to_async(set_status)(self.user_id, status)
        await self.relay(status)

    def cancel(self) -> None:
        if self.later is not None:
            self.later.cancel()


def admit_socket(user_id: int) -> int | None:
    """Count a signed-in socket: the user's open sockets, or None over WS_MAX_SOCKETS_PER_USER.

    A refused socket is uncounted at once: it holds no place.
    """
    count = socket_opened(user_id)
    cap = settings.WS_MAX_SOCKETS_PER_USER
    if cap and count > cap:
        socket_closed(user_id)
        return None
    return count


def admit_address(ip: str) -> bool:
    """Count a socket against its client address; False (uncounted) over WS_MAX_SOCKETS_PER_IP.

    Counted before authentication: the cap is what bounds sockets that
    never authenticate.
    """
    count = address_socket_opened(ip)
    if count <= settings.WS_MAX_SOCKETS_PER_IP:
        return True
    address_socket_closed(ip)
    logger.warning("refused a WebSocket: %d open from %s", count - 1, ip)
    return False


@dataclass(frozen=True)
class ConnectionTotals:
    users: int
    sockets: int


# Connection totals across processes. Each server process (each fan-out)
# publishes what it holds, its users' ids and its socket count, under a slot
# key that lives sockets_ttl() and that its keep-alive refreshes: a process
# that dies drops out within the TTL. A process takes the lowest free slot
# (the cache's atomic add), so the live slots stay packed at the bottom and
# a reader finds them all in a page or two of get_many, whatever the number
# of users. Ids rather than a count: a user with sockets in two processes
# is one connected user.
SLOTS_PAGE = 32


def _slot_key(slot: int) -> str:
    return f"presence:process:{slot}"


def publish_totals(owner: str, slot: int | None, user_ids, sockets: int, *, fresh: bool) -> int:
    """Publish one process's connections under its slot; returns the slot (taken if need be).

    ``fresh``: the caller published under ``slot`` less than sockets_ttl()
    ago, so the slot is still its own and one write does. Otherwise the
    slot may have expired and been taken by another process: it is checked
    and, if lost, a free one is claimed.
    """
    value = {"owner": owner, "users": sorted(user_ids), "sockets": sockets}
    ttl, client = sockets_ttl(), _cache()
    if slot is not None:
        if not fresh:
            held = client.get(_slot_key(slot))
            if held is not None and held.get("owner") != owner:
                slot = None
        if slot is not None:
            client.set(_slot_key(slot), value, ttl)
            return slot
    slot = 0
    while not client.add(_slot_key(slot), value, ttl):
        slot += 1
    return slot


def connection_totals() -> ConnectionTotals:
    """How many users are connected and how many sockets are open, in every process.

    One get_many per page of SLOTS_PAGE slots, until a page without a live
    one: one round trip for up to 32 server processes.
    """
    users: set[int] = set()
    sockets = 0
    start = 0
    while True:
        keys = [_slot_key(slot) for slot in range(start, start + SLOTS_PAGE)]
        found = _cache().get_many(keys)
        for value in found.values():
            users.update(value["users"])
            sockets += value["sockets"]
        if not found:
            return ConnectionTotals(users=len(users), sockets=sockets)
        start += SLOTS_PAGE


# Stale presence (the background worker, operators/housekeeping.py). A server
# process that dies takes its grace-period tasks with it: its users' counts
# and slot expire, but their status still says online, their last-seen time
# is never stored and their rooms are never told they left.


def connected_user_ids() -> set[int]:
    """The ids of the users with a socket in some live server process (their slots)."""
    users: set[int] = set()
    start = 0
    while True:
        found = _cache().get_many([_slot_key(slot) for slot in range(start, start + SLOTS_PAGE)])
        for value in found.values():
            users.update(value["users"])
        if not found:
            return users
        start += SLOTS_PAGE


def shown_connected_without_sockets(user_ids) -> list[int]:
    """Those of ``user_ids`` whose status says online or away while no socket of theirs is
    counted in any process: two cache round trips."""
    user_ids = list(user_ids)
    counts = _cache().get_many([_sockets_key(uid) for uid in user_ids])
    statuses = _cache().get_many([_status_key(uid) for uid in user_ids])
    return [
        uid
        for uid in user_ids
        if not counts.get(_sockets_key(uid)) and statuses.get(_status_key(uid)) in (ONLINE, AWAY)
    ]
