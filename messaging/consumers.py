"""The WebSocket stream at /api/v1/ws/: an adapter between a socket and the services.

It authenticates the socket, parses client frames, calls services and
selectors, and writes frames; the rules live elsewhere:

- realtime/fanout.py delivers events to this process's sockets (one
  channel-layer subscription per process) and owns which rooms a socket
  follows; a consumer is its ``Subscriber``;
- realtime/writer.py writes a socket's frames in order, each event once,
  without waiting for a slow client;
- realtime/presence.py and realtime/typing.py keep presence and typing in
  the cache; messaging/frames.py builds the frames messaging owns.

A consumer has no channel of its own. Its handlers never touch the ORM
directly, so dispatch skips Channels' per-message thread hop
(``aclose_old_connections``); every database call goes through
``database_sync_to_async``, which closes stale connections itself.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from accounts.models import User
from accounts.selectors import shows_presence_of
from lair import jsonparse, metrics
from lair.client_ip import client_ip_of_scope
from lair.errors import TokenInvalid
from messaging import frames, selectors, services
from realtime import limits, log, presence, typing
from realtime.fanout import SubscribeTimeout, local_fanout
from realtime.publish import apublish, encode
from realtime.writer import SocketWriter, text_message
from rooms.selectors import room_ids_of
from sessions_app.authentication import session_of_access_token, session_of_cookie

logger = logging.getLogger(__name__)

CLOSE_IDLE, CLOSE_AUTH_FAILED, CLOSE_SESSION_ENDED = 4000, 4001, 4003
CLOSE_TOO_MANY_SOCKETS, CLOSE_UNAVAILABLE = 4029, 1011
RESUME_BATCH = 500

# Tasks that outlive their socket: the offline grace period, closes that
# wait for a slow client.
_background: set[asyncio.Task] = set()


def _spawn(coro) -> None:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


def _token_sign_in(raw) -> tuple[User, int]:
    if not isinstance(raw, str) or not raw:
        raise TokenInvalid("Send {'type': 'auth', 'token': '<access token>'}.")
    _, session = session_of_access_token(raw)
    return session.user, session.pk


def _cookie_sign_in(django_session) -> tuple[User, int] | None:
    session = session_of_cookie(django_session)
    return None if session is None else (session.user, session.pk)


def _stream_state(user: User) -> tuple[list[int], dict, bool]:
    """A new socket's rooms, its user's public profile and whether presence is shown (one hop)."""
    return room_ids_of(user.pk), frames.public_user(user), shows_presence_of(user.pk)


async def _offline_after_grace(user_id: int, room_ids) -> None:
    seen = await presence.offline_after_grace(user_id)
    if seen is not None:
        await database_sync_to_async(services.record_gone_offline)(
            user_id=user_id, room_ids=room_ids, when=seen
        )


class ChatConsumer(AsyncJsonWebsocketConsumer):
    # No per-socket channel: the process's fan-out delivers (see module doc).
    channel_layer_alias = "lair.no-channel-per-socket"

    async def dispatch(self, message):
        # Channels awaits a thread hop before every handler; ours never touch
        # the ORM directly, so skip it (see the module docstring).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @classmethod
    async def decode_json(cls, text_data):
        return jsonparse.loads(text_data)  # orjson, with the project's depth cap

    @classmethod
    async def encode_json(cls, content):
        return encode(content)

    async def send_json(self, content, close=False):
        # Through the writer, so that our frames keep their place among events.
        self.writer.write(text_message(await self.encode_json(content)))

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json(frames.error(code, message))

    # --- connection lifecycle ------------------------------------------------

    async def connect(self):
        self.user: User | None = None
        self.session_id: int | None = None
        self.fanout, self.counted_ip, self.closing = None, None, False
        self.auth_timer: asyncio.Task | None = None
        self.typing_in: set[int] = set()  # rooms this socket started typing in
        self.status: presence.StatusRelay | None = None
        self.loop = asyncio.get_running_loop()
        self.last_frame_at = self.loop.time()
        self.frame_rate = limits.FrameRate(self.last_frame_at)
        self.writer = SocketWriter.for_scope(self.scope, self.base_send, self.shut)
        # The fan-out calls the writer itself: one call less per delivery, the
        # hottest line of the server (1,000 sockets: 1,000 calls per event).
        self.deliver = self.writer.deliver
        await self.accept()
        metrics.WS_CONNECTIONS.inc()
        if not await self.count_address():
            return
        # A browser (its Origin checked) signed in by cookie: the device session
        # its Django session keeps, checked as a token's is (revoked: 4003).
        if self.scope.get("cookie_auth") and self.scope.get("session") is not None:
            browser = await database_sync_to_async(_cookie_sign_in)(self.scope["session"])
            if browser is not None:
                await self.start(*browser)
                return
        self.auth_timer = asyncio.ensure_future(self.expect_auth())

    async def count_address(self) -> bool:
        if not settings.WS_MAX_SOCKETS_PER_IP:
            return True
        ip = client_ip_of_scope(self.scope)
        if await sync_to_async(presence.admit_address)(ip):
            self.counted_ip = ip
            return True
        await self.close_now(CLOSE_TOO_MANY_SOCKETS, "too many sockets from your address")
        return False

    async def expect_auth(self):
        await asyncio.sleep(settings.WS_AUTH_TIMEOUT_SECONDS)
        if self.user is None:
            await self.close_now(CLOSE_AUTH_FAILED, "authentication timed out")

    async def start(self, user: User, session_id: int | None):
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        open_sockets = await sync_to_async(presence.admit_socket)(user.pk)
        if open_sockets is None:
            return await self.close_now(CLOSE_TOO_MANY_SOCKETS, "too many sockets")
        self.fanout = local_fanout()
        self.user, self.session_id = user, session_id
        self.status = presence.StatusRelay(user.pk, self.relay_status)
        room_ids, profile, shows_presence = await database_sync_to_async(_stream_state)(user)
        self.typist = frames.typist(profile)
        try:
            await self.fanout.register(self, user.pk, room_ids)
        except SubscribeTimeout:
            logger.error("refused a WebSocket: this process is not subscribed to events")
            await self.close_now(CLOSE_UNAVAILABLE, "try again later")
            return
        await self.send_json(frames.ready(profile, room_ids))
        self.writer.release()
        if open_sockets == 1 and shows_presence:  # came online (else: nobody is told)
            await database_sync_to_async(services.announce_presence)(
                user_id=user.pk, room_ids=self.rooms(), status=presence.ONLINE, shown=True
            )

    async def disconnect(self, code):
        metrics.WS_CONNECTIONS.dec()
        self.closing = True
        self.writer.stop()
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        rooms = self.rooms()
        if self.fanout is not None:
            self.fanout.unregister(self)
        if self.counted_ip is not None:
            ip, self.counted_ip = self.counted_ip, None
            await sync_to_async(presence.address_socket_closed)(ip)
        if self.user is None:
            return
        self.status.cancel()
        for room_id in sorted(self.typing_in):
            await self.typing_stopped(room_id)
        if await sync_to_async(presence.socket_closed)(self.user.pk) == 0:
            _spawn(_offline_after_grace(self.user.pk, rooms))

    def rooms(self) -> frozenset[int]:
        return frozenset() if self.fanout is None else self.fanout.rooms_of(self)

    # --- frames from the client ----------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        self.last_frame_at = self.loop.time()
        if self.user is not None:
            rate = self.frame_rate.counted(self.last_frame_at)
            if rate == limits.OVER:
                cap = settings.WS_MAX_FRAMES_PER_SECOND
                await self.send_error(
                    "rate_limited", f"At most {cap} frames a second; frames dropped."
                )
            if rate != limits.OK:
                return
        if text_data is None:
            return await self.refuse("unsupported_frame", "Send JSON text frames.")
        if len(text_data) > settings.WS_MAX_FRAME_BYTES:
            limit = settings.WS_MAX_FRAME_BYTES
            return await self.refuse("payload_too_large", f"Frames are at most {limit} bytes.")
        try:
            frame = await self.decode_json(text_data)
        except jsonparse.JSONError:
            message = "The frame is not valid JSON (or is nested too deeply)."
            return await self.refuse("parse_error", message)
        await self.receive_json(frame)

    async def receive_json(self, frame):
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.refuse("validation_error", "A frame is an object with a 'type'.")
        if self.user is None:
            if frame["type"] != "auth":
                return await self.refuse("validation_error", "authenticate first")
            return await self.authenticate(frame.get("token"))
        handler = self.FRAME_HANDLERS.get(frame["type"])
        if handler is None:
            return await self.send_error("unknown_type", f"Unknown frame type {frame['type']!r}.")
        problem = frames.shape_error(frame)
        if problem is not None:
            return await self.send_error("validation_error", problem)
        await handler(self, frame)

    async def refuse(self, code: str, message: str) -> None:
        """A bad frame: an error frame once signed in; before that, close (4001).

        A stranger gets one chance, a valid auth frame, so that garbage cannot
        hold a socket open for the auth window.
        """
        if self.user is not None:
            return await self.send_error(code, message)
        await self.close_now(CLOSE_AUTH_FAILED, "authenticate first")

    async def authenticate(self, token):
        try:
            user, session_id = await database_sync_to_async(_token_sign_in)(token)
        except TokenInvalid:
            return await self.close_now(CLOSE_AUTH_FAILED, "invalid token")
        await self.start(user, session_id)

    async def on_auth(self, frame):
        await self.send_error("already_authenticated", "This socket is already authenticated.")

    async def on_ping(self, frame):
        await self.send_json(frames.pong(frame))

    async def on_typing(self, frame):
        room_id = frame["room_id"]
        if not self.fanout.follows(self, room_id):
            return await self.send_error("not_found", "You are not a member of that room.")
        if frame.get("state", "start") == "stop":
            return await self.typing_stopped(room_id)
        self.typing_in.add(room_id)
        if await sync_to_async(typing.start)(self.user.pk, room_id):
            await apublish(frames.typing(room_id, self.typist, "start"))
            relay_stop = functools.partial(apublish, frames.typing(room_id, self.typist, "stop"))
            typing.watch_expiry(self.user.pk, room_id, relay_stop)

    async def typing_stopped(self, room_id: int) -> None:
        self.typing_in.discard(room_id)
        if await sync_to_async(typing.stop)(self.user.pk, room_id):
            await apublish(frames.typing(room_id, self.typist, "stop"))

    async def on_presence(self, frame):
        await self.status.asked(frame["status"])

    async def relay_status(self, status: str) -> None:
        # The setting is read again: the user may have hidden it since connecting.
        await database_sync_to_async(services.announce_presence)(
            user_id=self.user.pk, room_ids=self.rooms(), status=status
        )

    async def on_resume(self, frame):
        self.writer.hold()  # live events wait until the replay is out
        try:
            last = None
            if await database_sync_to_async(log.can_resume_from)(frame["after"]):
                last = await self.writer.replay(self.missed_events, frame["after"], RESUME_BATCH)
            await self.send_json(frames.RESYNC_REQUIRED if last is None else frames.resumed(last))
        finally:
            self.writer.release()

    async def missed_events(self, after: int, limit: int) -> list:
        return await database_sync_to_async(selectors.missed_events)(
            self.user.pk, after, room_ids=sorted(self.rooms()), limit=limit
        )

    FRAME_HANDLERS = {
        "auth": on_auth,
        "ping": on_ping,
        "typing": on_typing,
        "presence": on_presence,
        "resume": on_resume,
    }

    # --- the fan-out's Subscriber ----------------------------------------------

    def deliver(self, message: dict, event_id: int | None) -> None:
        self.writer.deliver(message, event_id)  # replaced by the writer's own in connect()

    def left_room(self, room_id: int) -> None:
        self.typing_in.discard(room_id)

    def end_session(self, session_id: int | None, reason: str | None) -> None:
        if session_id is None or session_id == self.session_id:
            self.shut(CLOSE_SESSION_ENDED, reason or "session ended")

    def idle_timeout(self) -> None:
        self.shut(CLOSE_IDLE, "idle timeout")

    def shut(self, code: int, reason: str) -> None:
        """Stop writing to this socket and close it; the close waits in a task."""
        if self.closing:
            return
        self.closing = True
        self.writer.stop()
        if self.fanout is not None:
            self.fanout.unregister(self)
        _spawn(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self.close(code, reason)
        except Exception as exc:
            logger.info("could not close a socket: %s: %s", type(exc).__name__, exc)

    async def close_now(self, code: int, reason: str) -> None:
        self.closing = True
        self.writer.stop()
        await self.close(code, reason)
