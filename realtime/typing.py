"""Who is typing where, kept in the cache so that every server process agrees.

A user types in a room on any number of sockets, in any number of
processes; their room sees one ``start`` and one ``stop``:

- a ``start`` is relayed at most once per TYPING_REFRESH_SECONDS for the
  user and room (clients repeat it while typing), and marks them shown
  until TYPING_TIMEOUT_SECONDS after the latest start;
- a ``stop`` (asked for, the socket closed, or the timeout passed) is
  relayed only when a start was, and only once: whoever deletes the mark
  relays it.

The functions answer what to relay; the caller builds the frame
(messaging/frames.py) and publishes it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings

from realtime import presence


def _shown_key(user_id: int, room_id: int) -> str:
    # The value is when typing stops unless another start comes.
    return f"typing:shown:{user_id}:{room_id}"


def _mark_ttl() -> int:
    # Outlives the timeout a little, so that the expiry check finds the mark;
    # a process that crashed leaves nothing behind for long.
    return math.ceil(settings.TYPING_TIMEOUT_SECONDS) + 5


def start(user_id: int, room_id: int) -> bool:
    """A start from the user: True when a ``start`` is to be relayed now."""
    cache = presence.shared_cache()
    key, until = _shown_key(user_id, room_id), time.time() + settings.TYPING_TIMEOUT_SECONDS
    relayed = presence.claim_relay(f"typing:{user_id}:{room_id}", settings.TYPING_REFRESH_SECONDS)
    if relayed:
        cache.set(key, until, _mark_ttl())
    elif cache.get(key) is not None:
        # Shown already (by any socket of theirs): typing goes on.
        cache.set(key, until, _mark_ttl())
    return relayed


def stop(user_id: int, room_id: int) -> bool:
    """The user stopped: True when a ``stop`` is to be relayed (a start was, and no stop yet)."""
    return bool(presence.shared_cache().delete(_shown_key(user_id, room_id)))


def _expiry(user_id: int, room_id: int) -> float | None:
    """0: relay the ``stop`` now; > 0: look again in that many seconds; None: nothing to do."""
    cache = presence.shared_cache()
    key = _shown_key(user_id, room_id)
    until = cache.get(key)
    if until is None:
        return None
    wait = until - time.time()
    if wait > 0:
        return wait
    return 0.0 if cache.delete(key) else None


# The expiry watch of each user and room in this process: one, however
# many starts are relayed while the user types (a new start extends the mark).
_watches: dict[tuple[int, int], asyncio.Task] = {}


def watch_expiry(user_id: int, room_id: int, relay_stop: Callable[[], Awaitable[None]]) -> None:
    """Relay the ``stop`` once the user's latest start is TYPING_TIMEOUT_SECONDS old.

    Runs in this process, not in the socket that relayed the start: the
    room is told even when that socket closed meanwhile.
    """
    key = (user_id, room_id)
    watch = _watches.get(key)
    if watch is not None and not watch.done() and watch.get_loop() is asyncio.get_running_loop():
        return
    _watches[key] = task = asyncio.ensure_future(_stop_when_idle(user_id, room_id, relay_stop))
    task.add_done_callback(
        lambda done: _watches.pop(key, None) if _watches.get(key) is done else None
    )


async def _stop_when_idle(
    user_id: int, room_id: int, relay_stop: Callable[[], Awaitable[None]]
) -> None:
    wait = settings.TYPING_TIMEOUT_SECONDS
    while wait:
        await asyncio.sleep(wait)
        wait = await sync_to_async(_expiry)(user_id, room_id)
        if wait is None:
            return
    await relay_stop()
