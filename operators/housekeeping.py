"""The periodic clean-up of the background worker (manage.py run_worker) and of cleanup.

One pass ends and deletes device sessions that are over, prunes the event log
past its retention and clears presence that a dead server process left
behind. Each part calls the owning app's service; this module only strings
them together, counts and times them.

Every part deletes or rewrites by condition (expired before now, older than
the retention, shown online with no socket), so a pass run twice, or by two
workers at once, does the work once and no harm the second time. The lock
(:func:`worker_lock`) only spares the database the duplicate work.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from messaging import services as messaging_services
from realtime import presence
from realtime.log import prune_event_log, retention
from realtime.models import Event
from rooms.selectors import room_ids_of
from sessions_app import services as session_services

# Revoked sessions are kept this long: they explain sign-outs on the sessions page.
REVOKED_SESSIONS_KEPT_DAYS = 30

# Users last seen connected, and since when each is no longer (None: still is).
WATCHED_KEY = "operators:housekeeping:watched"
WATCHED_TTL = 7 * 24 * 3600

LOCK_KEY = "operators:housekeeping:lock"


@dataclass(frozen=True)
class PassResult:
    """What one pass removed (or, dry, would remove)."""

    sessions_deleted: int
    sockets_closed: int
    events_pruned: int
    presence_cleared: int
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"sessions_deleted={self.sessions_deleted} sockets_closed={self.sockets_closed} "
            f"events_pruned={self.events_pruned} presence_cleared={self.presence_cleared} "
            f"in {self.seconds * 1000:.1f} ms"
        )


def end_sessions(*, dry_run: bool = False) -> session_services.EndedSessions:
    """Delete expired sessions (closing their sockets) and long-revoked ones."""
    if dry_run:
        return session_services.count_ended_sessions(
            revoked_older_than_days=REVOKED_SESSIONS_KEPT_DAYS
        )
    return session_services.delete_ended_sessions_counted(
        revoked_older_than_days=REVOKED_SESSIONS_KEPT_DAYS
    )


def prune_events(*, dry_run: bool = False) -> int:
    """Delete the events past the log's retention (EVENT_LOG_RETENTION_DAYS)."""
    if dry_run:
        return Event.objects.filter(created_at__lt=timezone.now() - retention()).count()
    return prune_event_log()


def _stale(watched: dict[int, float | None], connected: set[int], now: float) -> list[int]:
    """Users no longer connected for longer than the grace period, whose status says online."""
    grace = settings.PRESENCE_GRACE_SECONDS
    gone = [uid for uid, since in watched.items() if since is not None and now - since >= grace]
    return presence.shown_connected_without_sockets(gone)


def clear_stale_presence(*, dry_run: bool = False) -> int:
    """Tell the rooms of users left shown online by a dead server process that they left.

    A live process marks a user offline itself once their last socket
    closed and the grace period ran out (PRESENCE_GRACE_SECONDS). One that
    died cannot: its counts expire, but the status stays. The pass remembers
    who was connected (the live processes' slots); a user no longer there for
    longer than the grace period, with no socket counted anywhere and a
    status still online or away, is marked offline, their last-seen time is
    stored and their rooms are told, as the dead process would have done.
    Watching from when a user is first seen gone (not from when last seen
    there) never cuts a grace period short. Needs the shared cache (Redis):
    on a per-process cache the worker sees no server's presence.
    """
    now = time.time()
    connected = presence.connected_user_ids()
    watched: dict[int, float | None] = dict(cache.get(WATCHED_KEY) or {})
    for uid in connected:
        watched[uid] = None
    for uid, since in watched.items():
        if uid not in connected and since is None:
            watched[uid] = now
    stale = _stale(watched, connected, now)
    if dry_run:
        return len(stale)
    for uid in stale:
        when = presence.mark_offline(uid)
        messaging_services.record_gone_offline(user_id=uid, room_ids=room_ids_of(uid), when=when)
    grace = settings.PRESENCE_GRACE_SECONDS
    watched = {
        uid: since
        for uid, since in watched.items()
        if since is None or (now - since < grace and uid not in stale)
    }
    cache.set(WATCHED_KEY, watched, WATCHED_TTL)
    return len(stale)


def run_pass(*, dry_run: bool = False, step=None) -> PassResult:
    """One pass of the worker: sessions, event log, presence; ``step(name)`` after each."""
    started = time.perf_counter()
    sessions = end_sessions(dry_run=dry_run)
    if step:
        step("sessions")
    events = prune_events(dry_run=dry_run)
    if step:
        step("event log")
    cleared = clear_stale_presence(dry_run=dry_run)
    if step:
        step("presence")
    return PassResult(
        sessions_deleted=sessions.deleted,
        sockets_closed=sessions.expired_open,
        events_pruned=events,
        presence_cleared=cleared,
        seconds=time.perf_counter() - started,
    )


@contextmanager
def worker_lock(ttl: float):
    """Hold the one housekeeping lock of every worker sharing this cache, or yield False.

    The cache's atomic add takes it; it expires after ``ttl`` seconds, so a
    worker killed mid-pass never blocks the others for longer. Released only
    by its holder (a token), so a pass that outlived its lock does not free
    another worker's. On a per-process cache (LocMem) every worker has its
    own lock: run one worker there, or rely on the passes being idempotent.
    """
    token = uuid.uuid4().hex
    held = cache.add(LOCK_KEY, token, max(1, int(ttl + 0.999)))
    try:
        yield held
    finally:
        if held and cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)
