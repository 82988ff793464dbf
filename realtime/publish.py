"""Transport of real-time messages to the server processes, for every app.

Every message goes to one channel-layer group, EVENTS_GROUP, which has one
member per server process (realtime/fanout.py); each process hands it to
its own sockets. A room of 1,000 members therefore costs one channel-layer
message per process, not 1,000. Messages carry their routing (room_id,
user_id) and the frame text, encoded once by the publisher.

Every app reaches sockets through here (durable room events through
realtime/log.py); a frame is encoded once, for every socket. Sends happen
after the transaction commits: nothing is broadcast that was not stored.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from lair import metrics

logger = logging.getLogger(__name__)

EVENTS_GROUP = "lair.events"
PUBLISH_TIMEOUT_SECONDS = 5.0

# The ASGI server's event loop, where the sockets (and the in-memory channel
# layer's queues) live. Views run in worker threads; their messages are
# handed to this loop instead of a throwaway loop per publish, which would
# neither wake the in-memory layer's waiters safely nor reuse Redis
# connections.
_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    global _server_loop
    _server_loop = loop


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def publish_now(message: dict) -> None:
    """Send ``message`` to every server process from synchronous code.

    A channel-layer outage is logged, not raised: the database is the source
    of truth, and a client that missed a frame resumes from the event log.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    metrics.event_published(message)
    loop = _server_loop
    try:
        if loop is not None and loop.is_running() and not _running_on(loop):
            future = asyncio.run_coroutine_threadsafe(layer.group_send(EVENTS_GROUP, message), loop)
            future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
        else:
            async_to_sync(layer.group_send)(EVENTS_GROUP, message)
    except Exception:
        logger.exception("could not publish %s", message.get("type"))


async def apublish(message: dict) -> None:
    """Send ``message`` to every server process from async code (the consumer)."""
    layer = get_channel_layer()
    if layer is not None:
        metrics.event_published(message)
        await layer.group_send(EVENTS_GROUP, message)


def publish(message: dict) -> None:
    """Send ``message`` to every server process once the current transaction commits."""
    transaction.on_commit(lambda: publish_now(message), robust=True)


def close_user_sockets(user_id: int, *, session_id: int | None = None, reason: str) -> None:
    """Close the user's open sockets (only those of ``session_id`` when given), on commit."""
    publish(
        {"type": "sockets.close", "user_id": user_id, "session_id": session_id, "reason": reason}
    )


def encode(frame: dict) -> str:
    return orjson.dumps(frame).decode()


def to_user(user_id: int, frame: dict) -> None:
    """An ephemeral frame (notification, invitation) to the user's sockets, after commit."""
    publish({"type": "user.event", "user_id": user_id, "text": encode(frame)})


def room_ephemeral(room_id: int, frame: dict) -> dict:
    """The message for an ephemeral frame (typing, presence) to a room's sockets."""
    return {"type": "room.ephemeral", "room_id": room_id, "text": encode(frame)}


def rooms_ephemeral(room_ids, frame: dict) -> dict:
    """The message for an ephemeral frame to the sockets of several rooms, each once.

    A presence change concerns every room of the user; one message naming
    them all lets each process write it once per socket, not once per room
    the socket shares with the user.
    """
    return {"type": "rooms.ephemeral", "room_ids": sorted(room_ids), "text": encode(frame)}


def to_everyone(frame: dict) -> None:
    """An ephemeral frame to every connected socket (operator broadcasts)."""
    publish({"type": "everyone.event", "text": encode(frame)})
