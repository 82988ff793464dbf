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
within WS_REORDER_WAIT_SECONDS (its publisher died after committing, the
channel layer dropped it, Redis restarted) the fan-out reads the gap from
the event log and delivers it first: the log has every committed event.
A late copy of an event already delivered is dropped.

The fan-out owns which rooms each socket follows and which user it is;
a socket is a ``Subscriber`` (the consumer implements it) and its writes
go through its own realtime.writer.SocketWriter: one shared message per
event, written without waiting for a slow client. The log order itself is
realtime.ordering.LogOrder. Large fan-outs yield to the loop every
WS_FANOUT_YIELD_EVERY sockets so that HTTP responses and other rooms are
not held up.

The fan-out also does, once per process, what each socket would otherwise
do on its own timer: it refreshes the presence of every user with a socket
here (and the socket counts of their addresses) in one cache round trip
each, and closes sockets silent past
WS_IDLE_TIMEOUT_SECONDS. It publishes this process's connection totals
(realtime.presence.publish_totals) when a socket registers or leaves and on
each refresh, so that GET /admin/stats counts every process's sockets.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from typing import Protocol

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections

from realtime import log, presence
from realtime.ordering import LogOrder
from realtime.publish import EVENTS_GROUP
from realtime.writer import text_message

logger = logging.getLogger(__name__)

# channels-redis forgets group members after a day; renew well before.
GROUP_RENEW_SECONDS = 3600
# Events read from the log per query when filling a gap.
GAP_BATCH = 500
# Wait before reading the log again when it could not be read, and before
# subscribing again when the channel layer refused.
GAP_RETRY_SECONDS = 2.0
SUBSCRIBE_RETRY_SECONDS = 1.0


class SubscribeTimeout(Exception):
    """This process could not join the channel layer in time: the socket cannot be served."""


class Subscriber(Protocol):
    """A socket as the fan-out sees it (messaging.consumers.ChatConsumer is one)."""

    # The event loop's time of its client's last frame (the idle sweep reads it).
    last_frame_at: float
    # The client address its socket counts against (WS_MAX_SOCKETS_PER_IP), if any.
    counted_ip: str | None

    def deliver(self, message: dict, event_id: int | None) -> None:
        """Write ``message`` (shared by every socket: never changed) without waiting."""

    def left_room(self, room_id: int) -> None:
        """The fan-out stopped delivering ``room_id`` to this socket."""

    def end_session(self, session_id: int | None, reason: str | None) -> None:
        """Close if the socket belongs to ``session_id`` (None: every session)."""

    def idle_timeout(self) -> None:
        """Close: the client has been silent past WS_IDLE_TIMEOUT_SECONDS."""


class Fanout:
    def __init__(self):
        self.rooms: dict[int, set[Subscriber]] = defaultdict(set)
        self.users: dict[int, set[Subscriber]] = defaultdict(set)
        self.sockets: set[Subscriber] = set()
        # The reverse of users and rooms, so that a closing socket costs O(its rooms).
        self.user_of: dict[Subscriber, int] = {}
        self.followed: dict[Subscriber, set[int]] = {}
        self.listener: asyncio.Task | None = None
        self.subscribed = asyncio.Event()
        # Once per process instead of a timer per socket.
        self.presence_keeper: asyncio.Task | None = None
        self.idle_sweeper: asyncio.Task | None = None
        self.tail_watcher: asyncio.Task | None = None
        self.order = LogOrder()
        self.gap_timer: asyncio.TimerHandle | None = None
        self.gap_fill: asyncio.Task | None = None
        self.fill_again = False
        self.order_lock = asyncio.Lock()
        # This process's connection totals in the cache (presence.publish_totals).
        self.totals_owner = uuid.uuid4().hex
        self.totals_slot: int | None = None
        self.totals_at: float | None = None
        self.totals_task: asyncio.Task | None = None
        self.totals_stale = False

    @property
    def delivered_upto(self) -> int | None:
        return self.order.delivered_upto

    # --- registry -------------------------------------------------------------

    async def register(self, socket: Subscriber, user_id: int, room_ids) -> None:
        """Start delivering to ``socket``; returns once this process is subscribed.

        Raises SubscribeTimeout when the channel layer cannot be joined within
        WS_SUBSCRIBE_TIMEOUT_SECONDS (the listener keeps trying meanwhile).
        """
        if self.listener is None or self.listener.done():
            self.subscribed.clear()
            self.listener = asyncio.ensure_future(self.listen())
        if self.presence_keeper is None or self.presence_keeper.done():
            self.presence_keeper = asyncio.ensure_future(self.keep_presence())
        if self.idle_sweeper is None or self.idle_sweeper.done():
            self.idle_sweeper = asyncio.ensure_future(self.sweep_idle())
        if self.tail_watcher is None or self.tail_watcher.done():
            self.tail_watcher = asyncio.ensure_future(self.watch_tail())
        try:
            async with asyncio.timeout(settings.WS_SUBSCRIBE_TIMEOUT_SECONDS):
                await self.subscribed.wait()
        except TimeoutError:
            raise SubscribeTimeout from None
        self.sockets.add(socket)
        self.user_of[socket] = user_id
        self.users[user_id].add(socket)
        for room_id in room_ids:
            self.follow(socket, room_id)
        # Awaited: once the socket is ready, the stats count it.
        await self.publish_totals()

    def unregister(self, socket: Subscriber) -> None:
        """Stop delivering to ``socket``: the cost of its own rooms, not of all."""
        self.sockets.discard(socket)
        for room_id in list(self.followed.get(socket, ())):
            self.unfollow(socket, room_id)
        self.followed.pop(socket, None)
        user_id = self.user_of.pop(socket, None)
        members = self.users.get(user_id)
        if members is not None:
            members.discard(socket)
            if not members:
                del self.users[user_id]
        self.publish_totals_soon()

    def rooms_of(self, socket: Subscriber) -> frozenset[int]:
        """The rooms ``socket`` receives now (joins and departures included)."""
        return frozenset(self.followed.get(socket, ()))

    def follows(self, socket: Subscriber, room_id: int) -> bool:
        return room_id in self.followed.get(socket, ())

    def follow(self, socket: Subscriber, room_id: int) -> None:
        self.rooms[room_id].add(socket)
        self.followed.setdefault(socket, set()).add(room_id)

    def unfollow(self, socket: Subscriber, room_id: int) -> None:
        members = self.rooms.get(room_id)
        if members is not None:
            members.discard(socket)
            if not members:
                del self.rooms[room_id]
        rooms = self.followed.get(socket)
        if rooms is not None:
            rooms.discard(room_id)

    # --- housekeeping, once per process ------------------------------------------

    def publish_totals_soon(self) -> asyncio.Task:
        """Publish the connection totals; writes asked for meanwhile share one more write.

        A burst of sockets opening or closing costs a write or two, not one
        each: the running write is followed by one with the latest totals.
        """
        if self.totals_task is None or self.totals_task.done():
            self.totals_stale = False
            self.totals_task = asyncio.ensure_future(self._write_totals())
        else:
            self.totals_stale = True
        return self.totals_task

    async def publish_totals(self) -> None:
        """Publish the connection totals and return once they include every socket here."""
        await asyncio.shield(self.publish_totals_soon())

    async def _write_totals(self) -> None:
        try:
            await self._write_latest_totals()
        except Exception:  # the cache is down: the stats lag until the next refresh
            logger.exception("could not publish the connection totals")

    async def _write_latest_totals(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.totals_stale = False
            now = loop.time()
            fresh = self.totals_at is not None and now - self.totals_at < presence.sockets_ttl() / 2
            self.totals_slot = await sync_to_async(presence.publish_totals)(
                self.totals_owner,
                self.totals_slot,
                list(self.users),
                len(self.sockets),
                fresh=fresh,
            )
            self.totals_at = now
            if not self.totals_stale:
                return

    async def keep_presence(self) -> None:
        """Refresh the presence of every user with a socket here, in one cache call."""
        while True:
            await asyncio.sleep(presence.refresh_seconds())
            await self.publish_totals()
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
            for socket in [c for c in self.sockets if c.last_frame_at < silent_since]:
                socket.idle_timeout()

    async def watch_tail(self) -> None:
        """Deliver events whose broadcast never came and that no later event revealed.

        A gap shows when the next event arrives; when none does (the last
        messages before a quiet spell were posted while Redis restarted), an
        event still undelivered one check after it was seen in the log was lost.
        """
        seen_in_log = None
        while True:
            await asyncio.sleep(settings.EVENT_TAIL_CHECK_SECONDS)
            if not self.sockets or self.order.delivered_upto is None:
                continue
            if seen_in_log is not None and self.order.delivered_upto < seen_in_log:
                logger.warning("events up to %s were not broadcast; read from the log", seen_in_log)
                self.fill_gap_soon(0)
            try:
                seen_in_log = await database_sync_to_async(log.latest_event_id)()
            except Exception:
                logger.exception("could not read the event log")

    # --- the subscription -----------------------------------------------------

    async def subscribe(self, layer) -> str:
        """Join EVENTS_GROUP, trying again until the channel layer answers."""
        while True:
            try:
                channel = await layer.new_channel("fanout.")
                await layer.group_add(EVENTS_GROUP, channel)
                return channel
            except Exception:
                # Sockets signing in meanwhile give up after
                # WS_SUBSCRIBE_TIMEOUT_SECONDS (register); later ones get the
                # subscription once it works.
                logger.exception("could not join %s; trying again", EVENTS_GROUP)
                await asyncio.sleep(SUBSCRIBE_RETRY_SECONDS)

    async def listen(self) -> None:
        layer = get_channel_layer()
        channel = await self.subscribe(layer)
        # Events committed before now are not awaited live by any socket here
        # (they come from history or resume): the log order starts past them.
        if self.order.delivered_upto is None:  # a restarted listener keeps its place
            try:
                latest = await database_sync_to_async(log.latest_event_id)()
                self.order.delivered_upto = latest
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
            for socket in list(self.users.get(message["user_id"], ())):
                socket.end_session(message.get("session_id"), message.get("reason"))

    async def write(self, sockets, text: str, event_id: int | None = None) -> None:
        """Write ``text`` to ``sockets``: one message for all, a yield every WS_FANOUT_YIELD_EVERY.

        Synchronous per socket on purpose: no task, no thread hop per
        delivery (tests/realtime/test_fast_path.py pins it). With an
        ``event_id``, a socket that has the event already (resume and live
        overlap) passes over it.
        """
        message = text_message(text)
        every = settings.WS_FANOUT_YIELD_EVERY
        for written, socket in enumerate(list(sockets), 1):
            socket.deliver(message, event_id)
            if written % every == 0:
                await asyncio.sleep(0)

    async def room_event(self, message: dict) -> None:
        async with self.order_lock:
            ready = self.order.arrived(message)
            if self.order.waiting:
                self.fill_gap_soon(settings.WS_REORDER_WAIT_SECONDS)
            await self.deliver_in_order(ready)

    async def deliver_in_order(self, messages: list[dict]) -> None:
        """Deliver ``messages``, in log order already; the gap timer goes once nothing waits."""
        for message in messages:
            await self.deliver_room_event(message)
        if messages and not self.order.waiting and self.gap_timer is not None:
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
        """Deliver, from the event log, what is missing before the waiting events.

        The log is read without holding the order lock (live events go on
        meanwhile) and in a thread of its own, not the sockets' shared
        database thread. Nothing is ever skipped: if the log cannot be read,
        the waiting events wait and the read is tried again.
        """
        while True:
            self.fill_again = False
            after = self.order.delivered_upto
            if after is None:
                return
            # Without waiting events (after a rejoin, the tail check): whatever
            # the log has past ours. With them, up to the newest waiting one:
            # their predecessors all committed before they did.
            upto = self.order.gap_upto()
            try:
                batch = await sync_to_async(_read_gap, thread_sensitive=False)(after, upto)
            except Exception:
                logger.exception("could not read the event log after %s; retrying", after)
                self.fill_gap_soon(GAP_RETRY_SECONDS)
                return
            async with self.order_lock:
                for logged in batch:
                    await self.deliver_in_order(self.order.from_log(logged))
                if len(batch) == GAP_BATCH:
                    continue  # more of the gap to read
                # Every waiting event was in the log, so it went out above. One
                # that was not (pruned meanwhile) goes out now, in id order.
                await self.deliver_in_order(self.order.flush())
            if not self.fill_again:
                return

    async def deliver_room_event(self, message: dict) -> None:
        room_id, event_id, text = message["room_id"], message["event_id"], message["text"]
        joining = message.get("subscribe_user")
        if joining is not None:
            for socket in list(self.users.get(joining, ())):
                self.follow(socket, room_id)
        await self.write(self.rooms.get(room_id, ()), text, event_id)
        leaving = message.get("unsubscribe_user")
        leavers = list(self.users.get(leaving, ())) if leaving is not None else []
        if message.get("room_gone"):
            leavers.extend(self.rooms.get(room_id, ()))
        for socket in leavers:
            self.unfollow(socket, room_id)
            socket.left_room(room_id)


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
