"""One socket's writes: in order, each event once, never waiting for the client.

Frames go out through the ASGI server's own ``send`` (the scope key
SERVER_SEND below, filled by lair.asgi.KeepServerSend).
The server takes nearly every write at once, so a write is run by hand up to
its end (``coro.send(None)``): no task, no timer, no thread hop per frame,
which is what keeps fan-out near 10k deliveries/s (docs/PERFORMANCE.md). A
write the server cannot take yet (the client stopped reading and the
buffers are full) carries on in a task, and the frames after it queue
behind it, in order; a client that stops reading holds up nobody else.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

from django.conf import settings

from lair import metrics
from realtime import log

logger = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 4008
# Where lair.asgi.KeepServerSend puts the ASGI server's own ``send`` in a
# WebSocket's scope. Defined here, beside its one reader, and not in
# lair/asgi.py: that module loads the whole application (lair.routing, the
# consumer), so importing it from the consumer would be a cycle.
SERVER_SEND = "lair.server_send"
# Event ids a socket remembers, so that live delivery and a resume replay
# that overlap send each event once.
SEEN_EVENT_IDS = 10_000


def text_message(text: str) -> dict:
    """The ASGI message that writes ``text``: built once per event, shared by every socket."""
    return {"type": "websocket.send", "text": text}


class _Resumed:
    """Await a coroutine that has already run up to its first suspension.

    A write that has to wait is handed to a task through this, and carries on
    exactly as if that task had started it: what the coroutine yielded goes
    to the task, what the task sends or throws goes back to the coroutine.
    """

    __slots__ = ("coro", "yielded")

    def __init__(self, coro, yielded):
        self.coro, self.yielded = coro, yielded

    def __await__(self):
        coro, yielded = self.coro, self.yielded
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # cancelled: the coroutine decides
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


class SocketWriter:
    """The write side of one socket.

    ``shut(code, reason)`` is the socket's own close: called when the client
    falls too far behind, or when a write fails.
    """

    def __init__(self, send: Callable[[dict], Awaitable], shut: Callable[[int, str], None]):
        self.send, self.shut = send, shut
        # Deliveries that arrive before the ready frame, or during a resume
        # replay, wait here (None: they go straight out).
        self.held: list[tuple[dict, int | None]] | None = []
        self.seen: OrderedDict[int, None] = OrderedDict()
        # Frames waiting behind a blocked write (None while writes go straight
        # through), and the task that writes them.
        self.backlog: deque[dict] | None = None
        self.task: asyncio.Task | None = None
        self.stopped = False

    @classmethod
    def for_scope(cls, scope: dict, fallback_send, shut: Callable[[int, str], None]):
        """The writer of the socket of ``scope``: the server's own send when the scope has it."""
        return cls(scope.get(SERVER_SEND) or fallback_send, shut)

    def remember(self, event_id: int) -> bool:
        """True the first time an event id is seen by this socket (live and replay overlap)."""
        if event_id in self.seen:
            return False
        self.seen[event_id] = None
        if len(self.seen) > SEEN_EVENT_IDS:
            self.seen.popitem(last=False)
        return True

    def deliver(self, message: dict, event_id: int | None = None) -> None:
        """Write ``message`` from the fan-out, unless held back or already sent.

        Held back until the ready frame is out, and during a resume replay, so
        that live events never overtake the replay: a client that drops
        mid-replay and resumes from the highest id it saw misses nothing.
        """
        if self.held is not None:
            self.held.append((message, event_id))
            return
        if event_id is not None:  # remember(), inlined: once per socket and event
            seen = self.seen
            if event_id in seen:
                return
            seen[event_id] = None
            if len(seen) > SEEN_EVENT_IDS:
                seen.popitem(last=False)
        self.write(message)

    def hold(self) -> None:
        self.held = []

    def release(self) -> None:
        """Write what arrived while held back, minus what a replay already sent."""
        held, self.held = self.held or [], None
        for message, event_id in held:
            self.deliver(message, event_id)

    def write(self, message: dict) -> None:
        """Write ``message`` (a ``websocket.send``) without waiting for the client.

        A socket that stays blocked for WS_SEND_TIMEOUT_SECONDS, or falls
        WS_SEND_BACKLOG frames behind, is closed with 4008; its client
        reconnects and resumes.
        """
        backlog = self.backlog
        if backlog is not None:
            if len(backlog) >= settings.WS_SEND_BACKLOG:
                self.fail(CLOSE_TOO_SLOW, "too far behind")
            else:
                backlog.append(message)
            return
        if self.stopped:
            return
        metrics.WS_FRAMES_SENT.inc()
        try:
            write = self.send(message)
            # Run the write up to its end, or up to where it has to wait.
            blocked = _Resumed(write, write.send(None)) if asyncio.iscoroutine(write) else write
        except StopIteration:
            return  # written
        except Exception as exc:
            self.write_failed(exc)
            return
        self.backlog = deque()
        self.task = asyncio.ensure_future(self.write_backlog(blocked))

    async def write_backlog(self, blocked) -> None:
        """Finish the blocked write, then the frames queued behind it."""
        timeout = settings.WS_SEND_TIMEOUT_SECONDS
        try:
            async with asyncio.timeout(timeout):
                await blocked
            while self.backlog:
                async with asyncio.timeout(timeout):
                    await self.send(self.backlog.popleft())
        except TimeoutError:
            self.fail(CLOSE_TOO_SLOW, "too slow")
            return
        except Exception as exc:
            self.write_failed(exc)
            return
        self.backlog, self.task = None, None

    async def caught_up(self) -> None:
        """Return once nothing waits behind a blocked write (a replay keeps the client's pace)."""
        if self.task is not None:
            await asyncio.wait([self.task])

    async def replay(self, read_after, after: int, batch_size: int) -> int | None:
        """Write the logged events after ``after`` in log order, at the client's pace.

        ``read_after(after, limit)`` reads ``(event_id, room_id, payload)``
        rows of the socket's rooms. Returns the last event id replayed, or
        None past WS_RESUME_MAX_EVENTS (the client refetches instead) or once
        the socket stopped.
        """
        last, sent = after, 0
        while True:
            batch = await read_after(last, batch_size)
            for event_id, _room_id, payload in batch:
                last = event_id
                if self.remember(event_id):
                    self.write(text_message(log.with_event_id(event_id, payload)))
                    sent += 1
                    # A client that reads slower than the replay sets its pace,
                    # rather than fill the backlog (and be closed for it).
                    await self.caught_up()
                    if self.stopped:
                        return None
            if len(batch) < batch_size:
                return last
            if sent >= settings.WS_RESUME_MAX_EVENTS:
                return None

    def write_failed(self, exc: Exception) -> None:
        # Usually the client went away mid-write and disconnect follows; said
        # once, so that a server that cannot write at all shows in the log.
        logger.info("stopped writing to a socket: %s: %s", type(exc).__name__, exc)
        self.fail(1011, "write failed")

    def fail(self, code: int, reason: str) -> None:
        if not self.stopped:
            self.stop()
            self.shut(code, reason)

    def stop(self) -> None:
        """Write nothing more; a blocked write is given up."""
        self.stopped, self.backlog, self.held = True, None, None
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
