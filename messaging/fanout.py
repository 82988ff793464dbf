"""Process-local fan-out: one channel-layer subscription per server process.

Each process subscribes once to lair.realtime.EVENTS_GROUP and keeps, in
memory, which of its own sockets follow which room and belong to which
user. An event arrives once per process and is written straight to the
local sockets concerned, its text encoded once by the publisher. Stock
Channels instead sends one channel-layer message per socket and hops to a
thread before each handler, which caps delivery near 2-3k frames/s here
(docs/PERFORMANCE.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from channels.layers import get_channel_layer

from lair.realtime import EVENTS_GROUP

if TYPE_CHECKING:
    from messaging.consumers import ChatConsumer

logger = logging.getLogger(__name__)

# channels-redis forgets group members after a day; renew well before.
GROUP_RENEW_SECONDS = 3600


class Fanout:
    def __init__(self):
        self.rooms: dict[int, set[ChatConsumer]] = defaultdict(set)
        self.users: dict[int, set[ChatConsumer]] = defaultdict(set)
        self.sockets: set[ChatConsumer] = set()
        self.listener: asyncio.Task | None = None
        self.subscribed = asyncio.Event()

    # --- registry -------------------------------------------------------------

    async def register(self, consumer: ChatConsumer, user_id: int, room_ids) -> None:
        """Start delivering to ``consumer``; returns once this process is subscribed."""
        if self.listener is None or self.listener.done():
            self.subscribed.clear()
            self.listener = asyncio.ensure_future(self.listen())
        await self.subscribed.wait()
        self.sockets.add(consumer)
        self.users[user_id].add(consumer)
        for room_id in room_ids:
            self.rooms[room_id].add(consumer)

    def unregister(self, consumer: ChatConsumer) -> None:
        self.sockets.discard(consumer)
        for registry in (self.users, self.rooms):
            for key in [k for k, members in registry.items() if consumer in members]:
                registry[key].discard(consumer)
                if not registry[key]:
                    del registry[key]

    def follow(self, consumer: ChatConsumer, room_id: int) -> None:
        self.rooms[room_id].add(consumer)

    def unfollow(self, consumer: ChatConsumer, room_id: int) -> None:
        members = self.rooms.get(room_id)
        if members is not None:
            members.discard(consumer)
            if not members:
                del self.rooms[room_id]

    # --- the subscription -----------------------------------------------------

    async def listen(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel("fanout.")
        await layer.group_add(EVENTS_GROUP, channel)
        self.subscribed.set()
        renew_at = asyncio.get_running_loop().time() + GROUP_RENEW_SECONDS
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # channels-redis can turn our cancellation into another
                    # error: the process is shutting down, not Redis failing.
                    raise asyncio.CancelledError from None
                # Redis restarting: back off, then rejoin; clients resume.
                logger.exception("fan-out subscription failed; rejoining")
                await asyncio.sleep(1)
                await self._rejoin(layer, channel)
                continue
            try:
                await self.dispatch(message)
            except Exception:
                logger.exception("fan-out of %s failed", message.get("type"))
            now = asyncio.get_running_loop().time()
            if now >= renew_at:
                await layer.group_add(EVENTS_GROUP, channel)
                renew_at = now + GROUP_RENEW_SECONDS

    async def _rejoin(self, layer, channel) -> None:
        try:
            await layer.group_add(EVENTS_GROUP, channel)
        except Exception:
            logger.exception("could not rejoin %s", EVENTS_GROUP)

    # --- delivery ----------------------------------------------------------------

    async def dispatch(self, message: dict) -> None:
        kind = message["type"]
        if kind == "room.event":
            await self.room_event(message)
        elif kind == "room.ephemeral":
            for consumer in list(self.rooms.get(message["room_id"], ())):
                await consumer.deliver(message["text"])
        elif kind == "user.event":
            for consumer in list(self.users.get(message["user_id"], ())):
                await consumer.deliver(message["text"])
        elif kind == "everyone.event":
            for consumer in list(self.sockets):
                await consumer.deliver(message["text"])
        elif kind == "sockets.close":
            for consumer in list(self.users.get(message["user_id"], ())):
                await consumer.end_session(message.get("session_id"), message.get("reason"))

    async def room_event(self, message: dict) -> None:
        room_id, event_id, text = message["room_id"], message["event_id"], message["text"]
        joining = message.get("subscribe_user")
        if joining is not None:
            for consumer in list(self.users.get(joining, ())):
                consumer.rooms.add(room_id)
                self.follow(consumer, room_id)
        for consumer in list(self.rooms.get(room_id, ())):
            await consumer.deliver_event(event_id, text)
        leaving = message.get("unsubscribe_user")
        if leaving is not None:
            for consumer in list(self.users.get(leaving, ())):
                consumer.leave_room(room_id)
        if message.get("room_gone"):
            for consumer in list(self.rooms.get(room_id, ())):
                consumer.leave_room(room_id)


_fanouts: dict[asyncio.AbstractEventLoop, Fanout] = {}


def local_fanout() -> Fanout:
    """The fan-out of this process's event loop."""
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None:
        for stale in [other for other in _fanouts if other.is_closed()]:
            del _fanouts[stale]
        fanout = _fanouts[loop] = Fanout()
    return fanout
