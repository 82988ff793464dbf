"""Process-local fan-out: one channel-layer subscription per server process.

Each process subscribes once to realtime.publish.EVENTS_GROUP and keeps, in
memory, which of its own sockets follow which room and belong to which
user. An event arrives once per process and is written straight to the
local sockets concerned, its text encoded once by the publisher. Stock
Channels instead sends one channel-layer message per socket and hops to a
thread before each handler, which caps delivery near 2-3k frames/s here
(docs/PERFORMANCE.md).

Durable events are delivered in event-log order. Publishers race after
their commits (threads, processes), so an event can arrive before its
predecessor: it names that predecessor (``previous``), and the fan-out holds
it until the predecessor is delivered. When the predecessor does not come
within REORDER_WAIT_SECONDS (its publisher died after committing, the
channel layer dropped it, Redis restarted) the fan-out reads the gap from
the event log and delivers it first: the log has every committed event.
A late copy of an event already delivered is dropped.

A frame is written to each socket with one call of the ASGI server's own
``send`` and one shared message per event (ChatConsumer.push), which never
waits for a slow client. Large fan-outs yield to the loop every
YIELD_EVERY sockets so that HTTP responses and other rooms are not held up.

The fan-out also does, once per process, what each socket would otherwise
do on its own timer: it refreshes the presence of every user with a socket
here (and the socket counts of their addresses) in one cache round trip
each, and closes sockets silent past
WS_IDLE_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections

from realtime import log, presence
from realtime.publish import EVENTS_GROUP

if TYPE_CHECKING:
    from messaging.consumers import ChatConsumer

logger = logging.getLogger(__name__)

# channels-redis forgets group members after a day; renew well before.
GROUP_RENEW_SECONDS = 3600
# How long an event waits for its predecessor before the gap is read from the log.
REORDER_WAIT_SECONDS = 0.5
# Events read from the log per query when filling a gap.
GAP_BATCH = 500
# Wait before reading the log again when it could not be read.
GAP_RETRY_SECONDS = 2.0
# Sockets written between two yields to the event loop in a large fan-out.
YIELD_EVERY = 200


class Fanout:
    def __init__(self):
        self.rooms: dict[int, set[ChatConsumer]] = defaultdict(set)
        self.users: dict[int, set[ChatConsumer]] = defaultdict(set)
        self.sockets: set[ChatConsumer] = set()
        # The reverse of users and rooms, so that a closing socket costs O(its rooms).
        self.user_of: dict[ChatConsumer, int] = {}
        self.followed: dict[ChatConsumer, set[int]] = {}
        self.listener: asyncio.Task | None = None
        self.subscribed = asyncio.Event()
        # Once per process instead of a timer per socket.
        self.presence_keeper: asyncio.Task | None = None
        self.idle_sweeper: asyncio.Task | None = None
        self.tail_watcher: asyncio.Task | None = None
        # Log order: the last durable event delivered, and the ones that
        # arrived before their predecessor, by the id of that predecessor.
        self.delivered_upto: int | None = None
        self.waiting: dict[int, dict] = {}
        self.gap_timer: asyncio.TimerHandle | None = None
        self.gap_fill: asyncio.Task | None = None
        self.fill_again = False
        self.order_lock = asyncio.Lock()

    # --- registry -------------------------------------------------------------

    async def register(self, consumer: ChatConsumer, user_id: int, room_ids) -> None:
        """Start delivering to ``consumer``; returns once this process is subscribed."""
        if self.listener is None or self.listener.done():
            self.subscribed.clear()
            self.listener = asyncio.ensure_future(self.listen())
        if self.presence_keeper is None or self.presence_keeper.done():
            self.presence_keeper = asyncio.ensure_future(self.keep_presence())
        if self.idle_sweeper is None or self.idle_sweeper.done():
            self.idle_sweeper = asyncio.ensure_future(self.sweep_idle())
        if self.tail_watcher is None or self.tail_watcher.done():
            self.tail_watcher = asyncio.ensure_future(self.watch_tail())
        await self.subscribed.wait()
        self.sockets.add(consumer)
        self.user_of[consumer] = user_id
        self.users[user_id].add(consumer)
        for room_id in room_ids:
            self.follow(consumer, room_id)

    def unregister(self, consumer: ChatConsumer) -> None:
        """Stop delivering to ``consumer``: the cost of its own rooms, not of all."""
        self.sockets.discard(consumer)
        for room_id in list(self.followed.get(consumer, ())):
            self.unfollow(consumer, room_id)
        self.followed.pop(consumer, None)
        user_id = self.user_of.pop(consumer, None)
        members = self.users.get(user_id)
        if members is not None:
            members.discard(consumer)
            if not members:
                del self.users[user_id]

    def follow(self, consumer: ChatConsumer, room_id: int) -> None:
        self.rooms[room_id].add(consumer)
        self.followed.setdefault(consumer, set()).add(room_id)

    def unfollow(self, consumer: ChatConsumer, room_id: int) -> None:
        members = self.rooms.get(room_id)
        if members is not None:
            members.discard(consumer)
            if not members:
                del self.rooms[room_id]
        rooms = self.followed.get(consumer)
        if rooms is not None:
            rooms.discard(room_id)

    # --- housekeeping, once per process ------------------------------------------

    async def keep_presence(self) -> None:
        """Refresh the presence of every user with a socket here, in one cache call."""
        while True:
            await asyncio.sleep(presence.refresh_seconds())
            user_ids = list(self.users)
            if not user_ids:
                continue
            try:
                await sync_to_async(presence.sockets_alive)(user_ids)
            except Exception:  # the cache is down: try again next time
                logger.exception("could not refresh the presence of %d users", len(user_ids))
            # The per-address counts too (WS_MAX_SOCKETS_PER_IP); sockets still
            # authenticating are not here, but they last less than the TTL.
            ips = {c.counted_ip for c in self.sockets if c.counted_ip is not None}
            if ips:
                try:
                    await sync_to_async(presence.addresses_alive)(ips)
                except Exception:
                    logger.exception(
                        "could not refresh the socket counts of %d addresses", len(ips)
                    )

    async def sweep_idle(self) -> None:
        """Close sockets silent for longer than WS_IDLE_TIMEOUT_SECONDS."""
        loop = asyncio.get_running_loop()
        while True:
            timeout = settings.WS_IDLE_TIMEOUT_SECONDS
            await asyncio.sleep(max(0.5, min(15.0, timeout / 3)))
            silent_since = loop.time() - timeout
            for consumer in [c for c in self.sockets if c.last_frame_at < silent_since]:
                consumer.idle_timeout()

    async def watch_tail(self) -> None:
        """Deliver events whose broadcast never came and that no later event revealed.

        A gap shows when the next event arrives; when none does (the last
        messages before a quiet spell were posted while Redis restarted), an
        event still undelivered one check after it was seen in the log was lost.
        """
        seen_in_log = None
        while True:
            await asyncio.sleep(settings.EVENT_TAIL_CHECK_SECONDS)
            if not self.sockets or self.delivered_upto is None:
                continue
            if seen_in_log is not None and self.delivered_upto < seen_in_log:
                logger.warning("events up to %s were not broadcast; read from the log", seen_in_log)
                self.fill_gap_soon(0)
            try:
                seen_in_log = await database_sync_to_async(log.latest_event_id)()
            except Exception:
                logger.exception("could not read the event log")

    # --- the subscription -----------------------------------------------------

    async def listen(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel("fanout.")
        await layer.group_add(EVENTS_GROUP, channel)
        # Events committed before now are not awaited live by any socket here
        # (they come from history or resume): the log order starts past them.
        if self.delivered_upto is None:  # a restarted listener keeps its place
            try:
                self.delivered_upto = await database_sync_to_async(log.latest_event_id)()
            except Exception:
                logger.exception("could not read the event log; ordering starts at the next event")
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
                # Events published meanwhile are in the log, not in the layer.
                self.fill_gap_soon(0)
                continue
            try:
                await self.dispatch(message)
            except Exception:
                logger.exception("fan-out of %s failed", message.get("type"))
            now = asyncio.get_running_loop().time()
            if now >= renew_at:
                await self._rejoin(layer, channel)
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
            await self.write(self.rooms.get(message["room_id"], ()), message["text"])
        elif kind == "rooms.ephemeral":
            rooms = self.rooms
            sockets = set().union(*(rooms.get(room_id, ()) for room_id in message["room_ids"]))
            await self.write(sockets, message["text"])
        elif kind == "user.event":
            await self.write(self.users.get(message["user_id"], ()), message["text"])
        elif kind == "everyone.event":
            await self.write(self.sockets, message["text"])
        elif kind == "sockets.close":
            for consumer in list(self.users.get(message["user_id"], ())):
                consumer.end_session(message.get("session_id"), message.get("reason"))

    async def write(self, consumers, text: str, event_id: int | None = None) -> None:
        """Write ``text`` to ``consumers``: one message for all, a yield every YIELD_EVERY.

        With an ``event_id``, a socket that has the event already (resume
        and live overlap) is passed over.
        """
        frame = {"type": "websocket.send", "text": text}
        written = 0
        for consumer in list(consumers):
            if consumer.held is not None:  # before its ready frame, or replaying
                consumer.held.append((event_id, text))
            elif event_id is not None and not consumer.remember(event_id):
                continue
            else:
                consumer.push(frame)
            written += 1
            if written % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    async def room_event(self, message: dict) -> None:
        async with self.order_lock:
            event_id, previous = message["event_id"], message.get("previous")
            upto = self.delivered_upto
            if upto is not None and event_id <= upto:
                # Delivered already from the log (gap filling), or committed
                # before this process subscribed: no socket here awaits it live.
                return
            if upto is not None and previous is not None and previous > upto:
                self.waiting[previous] = message
                self.fill_gap_soon(REORDER_WAIT_SECONDS)
                return
            await self.deliver_in_order(message)

    async def deliver_in_order(self, message: dict) -> None:
        """Deliver ``message``, then every held event it was the predecessor of."""
        while message is not None:
            await self.deliver_room_event(message)
            self.delivered_upto = message["event_id"]
            message = self.waiting.pop(self.delivered_upto, None)
        if not self.waiting and self.gap_timer is not None:
            self.gap_timer.cancel()
            self.gap_timer = None

    def fill_gap_soon(self, delay: float) -> None:
        if self.gap_timer is None:
            loop = asyncio.get_running_loop()
            self.gap_timer = loop.call_later(delay, self._start_gap_fill)

    def _start_gap_fill(self) -> None:
        self.gap_timer = None
        if self.gap_fill is None or self.gap_fill.done():
            self.gap_fill = asyncio.ensure_future(self.fill_gap())
        else:
            self.fill_again = True  # a gap that opened while the running fill reads

    async def fill_gap(self) -> None:
        """Deliver, from the event log, what is missing before the held events.

        The log is read without holding the order lock (live events go on
        meanwhile) and in a thread of its own, not the sockets' shared
        database thread. Nothing is ever skipped: if the log cannot be read,
        the held events wait and the read is tried again.
        """
        while True:
            self.fill_again = False
            if self.delivered_upto is None:
                return
            after = self.delivered_upto
            # Without held events (after a rejoin, the tail check): whatever
            # the log has past ours. With them, up to the newest held one:
            # their predecessors all committed before they did.
            upto = max((m["event_id"] for m in self.waiting.values()), default=None)
            try:
                batch = await sync_to_async(_read_gap, thread_sensitive=False)(after, upto)
            except Exception:
                logger.exception("could not read the event log after %s; retrying", after)
                self.fill_gap_soon(GAP_RETRY_SECONDS)
                return
            async with self.order_lock:
                for logged in batch:
                    if logged["event_id"] > self.delivered_upto:
                        await self.deliver_in_order(logged)
                if len(batch) == GAP_BATCH:
                    continue  # more of the gap to read
                # Every held event was in the log, so it went out above. One
                # that was not (pruned meanwhile) goes out now, in id order.
                held = sorted(self.waiting.values(), key=lambda m: m["event_id"])
                self.waiting.clear()
                for message in held:
                    if message["event_id"] > self.delivered_upto:
                        await self.deliver_room_event(message)
                        self.delivered_upto = message["event_id"]
            if not self.fill_again:
                return

    async def deliver_room_event(self, message: dict) -> None:
        room_id, event_id, text = message["room_id"], message["event_id"], message["text"]
        joining = message.get("subscribe_user")
        if joining is not None:
            for consumer in list(self.users.get(joining, ())):
                consumer.rooms.add(room_id)
                self.follow(consumer, room_id)
        await self.write(self.rooms.get(room_id, ()), text, event_id)
        leaving = message.get("unsubscribe_user")
        if leaving is not None:
            for consumer in list(self.users.get(leaving, ())):
                consumer.leave_room(room_id)
        if message.get("room_gone"):
            for consumer in list(self.rooms.get(room_id, ())):
                consumer.leave_room(room_id)


def _read_gap(after: int, upto: int | None) -> list[dict]:
    """The log past ``after``, read in a pool thread that keeps no connection open."""
    try:
        return log.logged_messages(after, upto, limit=GAP_BATCH)
    finally:
        connections.close_all()  # this thread's only; gaps are rare


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
