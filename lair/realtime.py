"""Transport of real-time messages to sockets, for every app.

Group names live here so that low-level apps (sessions, accounts) can reach
a user's open sockets without depending on messaging, where the room events
and the consumer live. Sends happen after the transaction commits: nothing
is broadcast that was not stored.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVERYONE_GROUP = "everyone"
PUBLISH_TIMEOUT_SECONDS = 5.0

# The ASGI server's event loop, where the sockets (and the in-memory channel
# layer's queues) live. Views run in worker threads; their events are handed
# to this loop instead of a throwaway loop per publish, which would neither
# wake the in-memory layer's waiters safely nor reuse Redis connections.
_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    global _server_loop
    _server_loop = loop


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_to_group_now(group: str, message: dict) -> None:
    """Send to a channel-layer group from synchronous code; a layer outage is logged, not raised.

    The database is the source of truth: a client that missed a frame
    resumes from the event log.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    try:
        if loop is not None and loop.is_running() and not _running_on(loop):
            future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
            future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("could not send %s to group %s", message.get("type"), group)


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def send_to_group(group: str, message: dict) -> None:
    """Send ``message`` to ``group`` once the current transaction commits."""
    transaction.on_commit(lambda: send_to_group_now(group, message))


def close_user_sockets(user_id: int, *, session_id: int | None = None, reason: str) -> None:
    """Close the user's open sockets (only those of ``session_id`` when given), on commit."""
    send_to_group(
        user_group(user_id),
        {"type": "sockets.close", "session_id": session_id, "reason": reason},
    )
