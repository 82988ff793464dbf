"""The WebSocket stream at /api/v1/ws/: authentication, room events, typing, presence, resume.

Events reach sockets through this process's fan-out (realtime/fanout.py),
already encoded (realtime/log.py): a consumer writes the text as it is.
A consumer has no channel of its own. Its handlers never touch the ORM
directly, so dispatch skips Channels' per-message thread hop
(``aclose_old_connections``); every database call goes through
``database_sync_to_async``, which closes stale connections itself.

Frames go out through the ASGI server's own ``send`` (lair.asgi.KeepServerSend)
and never wait for the client: a write the socket cannot take yet carries on
in a task with the frames after it queued behind it (``push``), so a client
that stops reading holds up nobody else. Idle sockets and presence are looked
after once per process, by the fan-out.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.models import User
from accounts.selectors import shows_presence_of
from lair import jsonparse
from lair.client_ip import client_ip_of_scope
from lair.errors import TokenInvalid
from lair.times import utc_iso
from messaging import selectors
from realtime import log, presence, publish
from realtime.fanout import local_fanout
from realtime.publish import apublish
from rooms.models import Membership

logger = logging.getLogger(__name__)

CLOSE_AUTH_FAILED = 4001
CLOSE_SESSION_ENDED = 4003
CLOSE_IDLE = 4000
CLOSE_TOO_SLOW = 4008
CLOSE_TOO_MANY_SOCKETS = 4029
TYPING_REFRESH_SECONDS = 2.0
SEEN_EVENT_IDS = 10_000
RESUME_BATCH = 500

# Where lair.asgi.KeepServerSend puts the ASGI server's own ``send``.
SERVER_SEND = "lair.server_send"

# Presence tasks that outlive their socket (the offline grace period), and
# closes that wait for a slow client.
_background: set[asyncio.Task] = set()


def _spawn(coro) -> asyncio.Task:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


class _Resumed:
    """Await a coroutine that has already run up to its first suspension.

    ``push`` runs a write by hand (``coro.send(None)``) so that a write the
    server takes at once, nearly all of them, costs no task and no timer. A
    write that has to wait is handed to a task through this, and carries on
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


def _authenticate_token(raw) -> tuple[User, int]:
    from sessions_app.authentication import session_of_access_token

    if not isinstance(raw, str) or not raw:
        raise TokenInvalid("Send {'type': 'auth', 'token': '<access token>'}.")
    _, session = session_of_access_token(raw)
    return session.user, session.pk


def _authenticate_cookie(django_session) -> tuple[User, int] | None:
    """The user and device session of a browser's cookie sign-in, or None when it is not alive."""
    from sessions_app.authentication import session_of_cookie

    session = session_of_cookie(django_session)
    return None if session is None else (session.user, session.pk)


def _member_room_ids(user_id: int) -> list[int]:
    return list(Membership.objects.filter(user_id=user_id).values_list("room_id", flat=True))


def _stream_state(user_id: int) -> tuple[list[int], bool]:
    """The rooms a new socket follows, and whether its user's presence is shown (one hop)."""
    return _member_room_ids(user_id), shows_presence_of(user_id)


def _profile(user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "avatar_url": user.avatar_url,
        "role": user.role,
        "status_text": user.status_text,
    }


def _is_int(value) -> bool:
    # JSON true and 2.0 compare equal to the ints 1 and 2: only a real int is an id.
    return type(value) is int


PING_ID_MAX_CHARS = 64


def _is_short_scalar(value) -> bool:
    """What a ping id may be: it is echoed back, so nothing big or nested."""
    if isinstance(value, str):
        return len(value) <= PING_ID_MAX_CHARS
    return type(value) in (int, float) and abs(value) < 2**53


def _record_last_seen(user_id: int, when) -> bool:
    """Store the last-seen time; True when the user shows their presence to others."""
    User.objects.filter(pk=user_id).update(last_seen=when)
    return shows_presence_of(user_id)


class ChatConsumer(AsyncWebsocketConsumer):
    # No per-socket channel: the process's fan-out delivers (see module doc).
    channel_layer_alias = "lair.no-channel-per-socket"

    async def dispatch(self, message):
        # Channels awaits a thread hop before every handler; ours never touch
        # the ORM directly, so skip it (see the module docstring).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connection lifecycle ------------------------------------------------

    async def connect(self):
        self.user: User | None = None
        self.session_id: int | None = None
        self.shows_presence = True
        self.rooms: set[int] = set()
        self.fanout = None
        # Deliveries that arrive between subscribing and the ready frame wait here.
        self.held: list[tuple[int | None, str]] | None = []
        self.seen: OrderedDict[int, None] = OrderedDict()
        # Typing: the expiry timer per room, when a start was last relayed, and
        # the rooms told "start" and not yet "stop" (only those get a stop).
        self.typing_tasks: dict[int, asyncio.Task] = {}
        self.typing_sent: dict[int, float] = {}
        self.typing_shown: set[int] = set()
        self.loop = asyncio.get_running_loop()
        self.last_frame_at = self.loop.time()
        # Client frames in the current one-second window (WS_MAX_FRAMES_PER_SECOND).
        self.frame_window, self.frame_count = self.last_frame_at, 0
        # Presence: what this socket last relayed and when, the latest state
        # asked for, and the relay waiting for WS_PRESENCE_INTERVAL_SECONDS.
        self.presence_shown, self.presence_wanted = presence.ONLINE, presence.ONLINE
        self.presence_relayed_at: float | None = None
        self.presence_later: asyncio.Task | None = None
        # The client address this socket counts against (WS_MAX_SOCKETS_PER_IP).
        self.counted_ip: str | None = None
        self.tasks: list[asyncio.Task] = []
        # Writes: the server's own send; frames waiting behind a blocked
        # write (None while writes go straight through) and the task that
        # writes them; set once the socket is being closed.
        self.server_send = self.scope.get(SERVER_SEND) or self.base_send
        self.backlog: deque[dict] | None = None
        self.writer: asyncio.Task | None = None
        self.closing = False
        await self.accept()
        if not await self.count_address():
            return
        # A browser (its Origin checked) signed in by cookie: the device session
        # its Django session keeps, checked as a token's is; revoking it closes
        # this socket (4003).
        django_session = self.scope.get("session") if self.scope.get("cookie_auth") else None
        if django_session is not None:
            browser = await database_sync_to_async(_authenticate_cookie)(django_session)
            if browser is not None:
                user, session_id = browser
                await self.start(user, session_id=session_id)
                return
        self.tasks.append(asyncio.ensure_future(self.expect_auth()))

    async def count_address(self) -> bool:
        """Count this socket against its client address; False (and closed) over the cap.

        Counted before authentication: the cap is what bounds sockets that
        never authenticate.
        """
        cap = settings.WS_MAX_SOCKETS_PER_IP
        if not cap:
            return True
        ip = client_ip_of_scope(self.scope)
        count = await sync_to_async(presence.address_socket_opened)(ip)
        if count <= cap:
            self.counted_ip = ip
            return True
        await sync_to_async(presence.address_socket_closed)(ip)  # a refused one holds no place
        logger.warning("refused a WebSocket: %d open from %s", count - 1, ip)
        self.closing = True
        await self.close(CLOSE_TOO_MANY_SOCKETS, "too many sockets from your address")
        return False

    async def expect_auth(self):
        await asyncio.sleep(settings.WS_AUTH_TIMEOUT_SECONDS)
        if self.user is None:
            await self.close(CLOSE_AUTH_FAILED, "authentication timed out")

    async def start(self, user: User, session_id: int | None):
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        open_sockets = await sync_to_async(presence.socket_opened)(user.pk)
        cap = settings.WS_MAX_SOCKETS_PER_USER
        if cap and open_sockets > cap:
            await sync_to_async(presence.socket_closed)(user.pk)
            self.closing = True
            await self.close(CLOSE_TOO_MANY_SOCKETS, "too many sockets")
            return
        came_online = open_sockets == 1
        self.user, self.session_id = user, session_id
        room_ids, self.shows_presence = await database_sync_to_async(_stream_state)(user.pk)
        self.rooms = set(room_ids)
        self.fanout = local_fanout()
        await self.fanout.register(self, user.pk, room_ids)
        self.send_frame({"type": "ready", "user": _profile(user), "rooms": sorted(room_ids)})
        self.release_held()
        if came_online and self.shows_presence:
            await self.broadcast_presence(presence.ONLINE, None)

    async def disconnect(self, code):
        self.closing, self.backlog = True, None
        tasks = [*self.tasks, *self.typing_tasks.values(), self.writer, self.presence_later]
        for task in tasks:
            if task is not None:
                task.cancel()
        if self.fanout is not None:
            self.fanout.unregister(self)
        if self.counted_ip is not None:
            ip, self.counted_ip = self.counted_ip, None
            await sync_to_async(presence.address_socket_closed)(ip)
        if self.user is None:
            return
        for room_id in sorted(self.typing_shown):
            await self.send_typing(room_id, "stop")
        remaining = await sync_to_async(presence.socket_closed)(self.user.pk)
        if remaining == 0:
            _spawn(self.go_offline_later(self.user.pk, set(self.rooms)))

    async def go_offline_later(self, user_id: int, room_ids: set[int]):
        await asyncio.sleep(settings.PRESENCE_GRACE_SECONDS)
        if await sync_to_async(presence.open_sockets)(user_id):
            return  # came back within the grace period
        seen = await sync_to_async(presence.mark_offline)(user_id)
        shown = await database_sync_to_async(_record_last_seen)(user_id, seen)
        if not shown:
            return  # show_presence off: others never saw them come, nor see them go
        frame = {
            "type": "presence",
            "user_id": user_id,
            "status": presence.OFFLINE,
            "last_seen": utc_iso(seen),
        }
        await apublish(publish.rooms_ephemeral(room_ids, frame))

    # --- frames from the client ----------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        self.last_frame_at = self.loop.time()
        if self.user is not None and self.over_frame_rate():
            return
        if text_data is None:
            await self.refuse("unsupported_frame", "Send JSON text frames.")
            return
        if len(text_data) > settings.WS_MAX_FRAME_BYTES:
            await self.refuse(
                "payload_too_large", f"Frames are at most {settings.WS_MAX_FRAME_BYTES} bytes."
            )
            return
        try:
            frame = jsonparse.loads(text_data)
        except jsonparse.JSONError:
            await self.refuse(
                "parse_error", "The frame is not valid JSON (or is nested too deeply)."
            )
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.refuse("validation_error", "A frame is an object with a 'type'.")
            return
        kind = frame["type"]
        if self.user is None:
            if kind != "auth":
                await self.refuse("validation_error", "authenticate first")
                return
            await self.authenticate(frame.get("token"))
            return
        handler = self.FRAME_HANDLERS.get(kind)
        if handler is None:
            self.send_error("unknown_type", f"Unknown frame type {kind!r}.")
            return
        await handler(self, frame)

    def over_frame_rate(self) -> bool:
        """True for a frame past WS_MAX_FRAMES_PER_SECOND in this one-second window.

        The first one gets a rate_limited error; the rest are dropped without
        an answer, so that flooding cannot make the server send as much back.
        """
        cap = settings.WS_MAX_FRAMES_PER_SECOND
        if not cap:
            return False
        now = self.last_frame_at
        if now - self.frame_window >= 1.0:
            self.frame_window, self.frame_count = now, 0
        self.frame_count += 1
        if self.frame_count <= cap:
            return False
        if self.frame_count == cap + 1:
            self.send_error("rate_limited", f"At most {cap} frames a second; frames dropped.")
        return True

    async def refuse(self, code: str, message: str) -> None:
        """A bad frame: an error frame once signed in; before that the socket closes (4001).

        An unauthenticated client gets one chance, a valid auth frame, so a
        stranger cannot hold a socket open for the auth window with garbage.
        """
        if self.user is not None:
            self.send_error(code, message)
            return
        self.closing = True
        await self.close(CLOSE_AUTH_FAILED, "authenticate first")

    async def authenticate(self, token):
        try:
            user, session_id = await database_sync_to_async(_authenticate_token)(token)
        except TokenInvalid:
            self.closing = True
            await self.close(CLOSE_AUTH_FAILED, "invalid token")
            return
        await self.start(user, session_id=session_id)

    async def on_auth(self, frame):
        self.send_error("already_authenticated", "This socket is already authenticated.")

    async def on_ping(self, frame):
        pong = {"type": "pong"}
        if "id" in frame:
            ping_id = frame["id"]
            if not _is_short_scalar(ping_id):
                self.send_error("validation_error", "'id' is a number or a string of <= 64 chars.")
                return
            pong["id"] = ping_id
        self.send_frame(pong)

    async def on_typing(self, frame):
        room_id, state = frame.get("room_id"), frame.get("state", "start")
        if not _is_int(room_id):
            self.send_error("validation_error", "room_id is the id of one of your rooms.")
            return
        if not isinstance(state, str) or state not in ("start", "stop"):
            self.send_error("validation_error", "state is 'start' or 'stop'.")
            return
        if room_id not in self.rooms:
            self.send_error("not_found", "You are not a member of that room.")
            return
        existing = self.typing_tasks.pop(room_id, None)
        if existing is not None:
            existing.cancel()
        if state == "stop":
            if room_id in self.typing_shown:
                self.typing_shown.discard(room_id)
                await self.send_typing(room_id, "stop")
            return
        self.typing_tasks[room_id] = asyncio.ensure_future(self.typing_expires(room_id))
        now = self.loop.time()
        # Clients refresh while typing: relay at most one start per interval,
        # whatever stops came between (start/stop/start... would flood the room).
        last = self.typing_sent.get(room_id)
        if last is None or now - last >= TYPING_REFRESH_SECONDS:
            self.typing_sent[room_id] = now
            # And at most one per interval for the user, however many sockets they have.
            claim = f"typing:{self.user.pk}:{room_id}"
            if await sync_to_async(presence.claim_relay)(claim, TYPING_REFRESH_SECONDS):
                self.typing_shown.add(room_id)
                await self.send_typing(room_id, "start")

    async def typing_expires(self, room_id: int):
        await asyncio.sleep(settings.TYPING_TIMEOUT_SECONDS)
        self.typing_tasks.pop(room_id, None)
        if room_id in self.typing_shown:
            self.typing_shown.discard(room_id)
            await self.send_typing(room_id, "stop")

    async def send_typing(self, room_id: int, state: str):
        user = self.user
        frame = {
            "type": "typing",
            "room_id": room_id,
            "user": {"id": user.pk, "username": user.username, "display_name": user.display_name},
            "state": state,
        }
        await apublish(publish.room_ephemeral(room_id, frame))

    async def on_presence(self, frame):
        status = frame.get("status")
        if not isinstance(status, str) or status not in (presence.ONLINE, presence.AWAY):
            self.send_error("validation_error", "status is 'online' or 'away'.")
            return
        self.presence_wanted = status
        if self.presence_later is not None:
            return  # a relay is waiting for the interval: it takes the latest state
        relayed_at = self.presence_relayed_at
        if relayed_at is not None:
            wait = relayed_at + settings.WS_PRESENCE_INTERVAL_SECONDS - self.loop.time()
            if wait > 0:
                self.presence_later = asyncio.ensure_future(self.relay_presence_later(wait))
                return
        await self.relay_presence()

    async def relay_presence_later(self, wait: float):
        await asyncio.sleep(wait)
        self.presence_later = None
        await self.relay_presence()

    async def relay_presence(self):
        """Relay the latest state the client asked for, if it is a change."""
        status = self.presence_wanted
        if status == self.presence_shown:
            return
        interval = settings.WS_PRESENCE_INTERVAL_SECONDS
        claim = f"presence:{self.user.pk}"
        if not await sync_to_async(presence.claim_relay)(claim, interval):
            # Another socket of the user relayed a change just now: try again
            # after the interval, with whatever state is the latest then.
            if self.presence_later is None:
                self.presence_later = asyncio.ensure_future(self.relay_presence_later(interval))
            return
        self.presence_shown, self.presence_relayed_at = status, self.loop.time()
        await sync_to_async(presence.set_status)(self.user.pk, status)
        # Read again: the user may have hidden (or shown) their presence since connecting.
        self.shows_presence = await database_sync_to_async(shows_presence_of)(self.user.pk)
        if self.shows_presence:
            await self.broadcast_presence(status, None)

    async def broadcast_presence(self, status: str, last_seen):
        frame = {
            "type": "presence",
            "user_id": self.user.pk,
            "status": status,
            "last_seen": last_seen,
        }
        await apublish(publish.rooms_ephemeral(self.rooms, frame))

    async def on_resume(self, frame):
        after = frame.get("after")
        if not _is_int(after) or after < 0:
            self.send_error("validation_error", "'after' is the last event_id you saw.")
            return
        # Live events wait until the replay is out (see deliver).
        self.held = []
        try:
            if await database_sync_to_async(log.can_resume_from)(after):
                await self.replay(after)
            else:
                self.send_frame({"type": "resync_required"})
        finally:
            self.release_held()

    async def replay(self, after: int):
        last, sent = after, 0
        while True:
            batch = await database_sync_to_async(selectors.missed_events)(
                self.user.pk, last, room_ids=sorted(self.rooms), limit=RESUME_BATCH
            )
            for event_id, _room_id, payload in batch:
                last = event_id
                if self.remember(event_id):
                    self.push(
                        {"type": "websocket.send", "text": log.with_event_id(event_id, payload)}
                    )
                    sent += 1
                    if self.writer is not None:
                        # The client reads slower than the replay: keep its pace
                        # rather than fill the backlog (and be closed for it).
                        await asyncio.wait([self.writer])
                        if self.closing:
                            return
            if len(batch) < RESUME_BATCH:
                break
            if sent >= settings.WS_RESUME_MAX_EVENTS:
                self.send_frame({"type": "resync_required"})
                return
        self.send_frame({"type": "resumed", "last_event_id": last})

    FRAME_HANDLERS = {
        "auth": on_auth,
        "ping": on_ping,
        "typing": on_typing,
        "presence": on_presence,
        "resume": on_resume,
    }

    # --- deliveries from the fan-out ------------------------------------------

    def remember(self, event_id: int) -> bool:
        """True the first time an event id is seen by this socket (live and replay overlap)."""
        if event_id in self.seen:
            return False
        self.seen[event_id] = None
        if len(self.seen) > SEEN_EVENT_IDS:
            self.seen.popitem(last=False)
        return True

    def deliver(self, text: str, event_id: int | None = None) -> None:
        """Write a frame from the fan-out.

        Held back until the ready frame is out, and during a resume replay, so
        that live events never overtake the replay: a client that drops
        mid-replay and resumes from the highest id it saw misses nothing.
        """
        if self.held is not None:
            self.held.append((event_id, text))
        elif event_id is None or self.remember(event_id):
            self.push({"type": "websocket.send", "text": text})

    def release_held(self) -> None:
        """Write what arrived while held back, minus what the replay already sent."""
        held, self.held = self.held or [], None
        for event_id, text in held:
            self.deliver(text, event_id)

    def push(self, frame: dict) -> None:
        """Write ``frame`` (a ``websocket.send`` message) without waiting for the client.

        The server takes nearly every write at once: it is done before this
        returns. A write it cannot take yet (the client stopped reading and
        the buffers are full) carries on in a task, and the frames after it
        queue behind it, in order. A socket that stays blocked for
        WS_SEND_TIMEOUT_SECONDS, or falls WS_SEND_BACKLOG frames behind, is
        closed with 4008; its client reconnects and resumes.
        """
        backlog = self.backlog
        if backlog is not None:
            if len(backlog) >= settings.WS_SEND_BACKLOG:
                self.shut(CLOSE_TOO_SLOW, "too far behind")
            else:
                backlog.append(frame)
            return
        if self.closing:
            return
        try:
            write = self.server_send(frame)
            # Run the write up to its end, or up to where it has to wait.
            blocked = _Resumed(write, write.send(None)) if asyncio.iscoroutine(write) else write
        except StopIteration:
            return  # written
        except Exception:  # the client went away mid-write; disconnect cleans up
            logger.debug("could not write to a closing socket", exc_info=True)
            return
        self.backlog = deque()
        self.writer = asyncio.ensure_future(self.write_backlog(blocked))

    async def write_backlog(self, blocked):
        """Finish the blocked write, then the frames queued behind it."""
        timeout = settings.WS_SEND_TIMEOUT_SECONDS
        try:
            async with asyncio.timeout(timeout):
                await blocked
            while self.backlog:
                async with asyncio.timeout(timeout):
                    await self.server_send(self.backlog.popleft())
        except TimeoutError:
            self.shut(CLOSE_TOO_SLOW, "too slow")
            return
        except Exception:
            logger.debug("could not write to a closing socket", exc_info=True)
        self.backlog, self.writer = None, None

    def shut(self, code: int, reason: str) -> None:
        """Stop writing to this socket and close it; the close waits in a task."""
        if self.closing:
            return
        self.closing, self.backlog = True, None
        if self.fanout is not None:
            self.fanout.unregister(self)
        writer, self.writer = self.writer, None
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()
        _spawn(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self.close(code, reason)
        except Exception:
            logger.debug("could not close a closing socket", exc_info=True)

    def idle_timeout(self) -> None:
        self.shut(CLOSE_IDLE, "idle timeout")

    def leave_room(self, room_id: int):
        self.rooms.discard(room_id)
        self.typing_shown.discard(room_id)
        task = self.typing_tasks.pop(room_id, None)
        if task is not None:
            task.cancel()
        if self.fanout is not None:
            self.fanout.unfollow(self, room_id)

    def end_session(self, session_id: int | None, reason: str | None) -> None:
        if session_id is None or session_id == self.session_id:
            self.shut(CLOSE_SESSION_ENDED, reason or "session ended")

    # --- helpers ---------------------------------------------------------------

    def send_frame(self, frame: dict) -> None:
        self.push({"type": "websocket.send", "text": publish.encode(frame)})

    def send_error(self, code: str, message: str) -> None:
        self.send_frame({"type": "error", "code": code, "message": message})
