"""Helpers shared by every test folder: API calls as a person would make them.

Plain functions, imported by the tests that use them; fixtures live in the
conftest files. Clients made by ``client_for`` skip the login round trip
(auth has its own tests); the ``sign_in`` family goes through it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re

from rest_framework.test import APIClient

from tests.factories import PASSWORD

API = "/api/v1"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
MESSAGE_KEYS = {
    "id",
    "room_id",
    "author",
    "content",
    "html",
    "created_at",
    "edited_at",
    "deleted",
    "parent_id",
    "reply_count",
    "reactions",
    "mentions",
}
ERROR_CODES = {400: "validation_error", 403: "permission_denied", 404: "not_found", 409: "conflict"}


def assert_error(response, status: int, code: str) -> dict:
    """The answer is ``status`` with exactly the envelope {"error": {code, message, details}}.

    Returns the inner ``error`` object.
    """
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, body
    assert error["code"] == code, body
    assert isinstance(error["message"], str), body
    assert error["message"], body
    assert isinstance(error["details"], dict), body
    return error


def client_for(user) -> APIClient:
    """An API client acting as ``user`` without a login round trip (auth is tested apart)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


as_user = client_for

# The address a test browser signs in from (audit entries record it).
BROWSER_IP = "198.51.100.9"


def browser_of(user):
    """A browser with a session cookie of ``user`` (the admin, cookie sockets): no login form."""
    from django.test import Client

    browser = Client(REMOTE_ADDR=BROWSER_IP)
    browser.force_login(user)
    return browser


def assert_status(response, status: int) -> None:
    """``status``; an error status must also carry the envelope with its code."""
    if status >= 400:
        assert_error(response, status, ERROR_CODES[status])
    else:
        assert response.status_code == status, response.content


# Signing in over the API (the auth tests and anything that needs real tokens).


def sign_in(client: APIClient, username: str, password: str = PASSWORD, **extra) -> dict:
    """Log in over the API and return the JSON answer (user, access, refresh, session)."""
    response = client.post(
        f"{API}/auth/login", {"username": username, "password": password, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def client_with(access: str) -> APIClient:
    """A fresh client that sends ``Authorization: Bearer <access>``."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def sign_in_device(username: str, password: str = PASSWORD, **extra) -> tuple[APIClient, dict]:
    """Sign in on another device (its own client): ``(client with Bearer header, answer)``."""
    client = APIClient()
    answer = sign_in(client, username, password, **extra)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer['access']}")
    return client, answer


def token_for(user) -> tuple[str, int]:
    """A fresh access token for ``user`` and its device session id, without an HTTP login."""
    from sessions_app.services import open_session

    opened = open_session(user=user, device_name="test")
    return opened.tokens.access, opened.session.pk


def assert_access_works(access: str) -> dict:
    """The access token authenticates a request; returns its session (GET /sessions/current)."""
    response = client_with(access).get(f"{API}/sessions/current")
    assert response.status_code == 200, response.content
    return response.json()


def assert_access_rejected(access: str) -> None:
    """The access token is refused with 401 token_invalid."""
    assert_error(client_with(access).get(f"{API}/sessions/current"), 401, "token_invalid")


def refresh_tokens(refresh: str):
    """POST /auth/refresh with ``refresh`` from a fresh client; returns the response."""
    return APIClient().post(f"{API}/auth/refresh", {"refresh": refresh}, format="json")


def assert_refresh_rejected(refresh: str) -> None:
    """The refresh token is refused with 401 token_invalid (a refused token rotates nothing)."""
    assert_error(refresh_tokens(refresh), 401, "token_invalid")


# Rooms and memberships, made through the real endpoints.


def _room_id(room) -> int:
    """A room id from a Room, a room answer (dict) or an id."""
    if isinstance(room, int):
        return room
    if isinstance(room, dict):
        return room["id"]
    return room.pk


def create_room(owner, *, type: str = "public", name: str = "general") -> int:
    """POST /rooms as ``owner`` (asserting 201); returns the new room's id."""
    response = client_for(owner).post(f"{API}/rooms", {"name": name, "type": type}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def join(user, room) -> None:
    """``user`` joins a public room (201, or 200 when already a member)."""
    response = client_for(user).post(f"{API}/rooms/{_room_id(room)}/members", {}, format="json")
    assert response.status_code in (200, 201), response.content


def add_member(admin, room, user) -> None:
    """A room admin adds ``user`` to the room (201, or 200 when already a member)."""
    response = client_for(admin).post(
        f"{API}/rooms/{_room_id(room)}/members", {"user_id": user.pk}, format="json"
    )
    assert response.status_code in (200, 201), response.content


def set_role(admin, room, user, role: str) -> None:
    """A room admin gives ``user`` the room role ``role``."""
    response = client_for(admin).patch(
        f"{API}/rooms/{_room_id(room)}/members/{user.pk}", {"role": role}, format="json"
    )
    assert response.status_code == 200, response.content


def archive(admin, room) -> None:
    """A room admin archives the room (it becomes read-only)."""
    response = client_for(admin).patch(
        f"{API}/rooms/{_room_id(room)}", {"archived": True}, format="json"
    )
    assert response.status_code == 200, response.content


def my_rooms(user) -> dict[int, dict]:
    """GET /rooms as ``user``: their room list items by room id."""
    response = client_for(user).get(f"{API}/rooms")
    assert response.status_code == 200, response.content
    return {room["id"]: room for room in response.json()["results"]}


def member_roles(room) -> dict[int, str]:
    """The room's members as the members endpoint shows them: ``{user id: role}``."""
    owner = room.memberships.order_by("id").first()
    response = client_for(owner.user).get(f"{API}/rooms/{room.pk}/members?limit=100")
    assert response.status_code == 200, response.content
    return {item["user"]["id"]: item["role"] for item in response.json()["results"]}


# Messages, posted and read over the API.


def post_message(user, room, content: str = "hello", /, **extra):
    """POST a message to ``room`` as ``user``; returns the response, whatever its status."""
    return client_for(user).post(
        f"{API}/rooms/{_room_id(room)}/messages", {"content": content, **extra}, format="json"
    )


def posted(user, room, content: str = "hello", /, **extra) -> dict:
    """Post over the API and return the created message (asserting 201)."""
    response = post_message(user, room, content, **extra)
    assert response.status_code == 201, response.content
    return response.json()


def get_message(user, message_id: int) -> dict:
    """GET /messages/{id} as ``user`` (asserting 200)."""
    response = client_for(user).get(f"{API}/messages/{message_id}")
    assert response.status_code == 200, response.content
    return response.json()


def history(user, room, **params) -> dict:
    """A page of the room's history as ``user`` (asserting 200)."""
    response = client_for(user).get(f"{API}/rooms/{_room_id(room)}/messages", params)
    assert response.status_code == 200, response.content
    return response.json()


def search(user, **params):
    """GET /messages/search as ``user``; returns the response."""
    return client_for(user).get(f"{API}/messages/search", params)


def found_ids(user, **params) -> list[int]:
    """Ids of the messages a search answers (asserting 200), in the answer's order."""
    response = search(user, **params)
    assert response.status_code == 200, response.content
    return [result["message"]["id"] for result in response.json()["results"]]


# Caches and server processes.


def clear_cache() -> None:
    """Empty this test process's cache; on Redis, only the keys under its own prefix.

    RedisCache.clear() is FLUSHDB: under xdist it would wipe the other
    workers' rate-limit windows and presence counters mid-test.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def disconnect_redis_caches() -> None:
    """Close the Redis connections of this thread's cache instances.

    Django's Redis cache never closes its pools; a test that swaps CACHES
    would drop them open (a ResourceWarning, an error under -W error).
    """
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        for pool in getattr(getattr(cache, "_cache", None), "_pools", {}).values():
            pool.disconnect()


def make_run_server_line(port: int, root) -> str:
    """The server line of `make run` (without its migrate step) for this port, for `sh -c`.

    Tests that need the exact server `make run` starts (its flags are security
    controls: no proxy headers, the frame limit) run this line, not a copy of it.
    """
    import subprocess
    import sys
    from pathlib import Path

    printed = subprocess.run(
        ["make", "-s", "-n", "run", f"VENV={Path(sys.prefix)}", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    (line,) = [row for row in printed.replace("\\\n", " ").splitlines() if "uvicorn" in row]
    return line


@contextlib.contextmanager
def server_process(command, *, env: dict, log, cwd):
    """Run a server (a shell line, or an argument list) in its own session; stop it all after.

    A shell line's server is the shell's child: ending only the shell would
    leave the server running and holding the test database.
    """
    import os
    import signal
    import subprocess

    process = subprocess.Popen(
        command,
        shell=isinstance(command, str),
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


# --- Events published at the boundary (the capture_events fixture) ------------


@dataclasses.dataclass
class PublishedFrame:
    """A message published to every server process: its frame decoded, with its routing.

    ``kind`` is the channel-layer type (room.event, user.event, room.ephemeral,
    rooms.ephemeral, everyone.event, sockets.close); ``previous`` is the event
    before a durable one in the log, which the fan-out delivers first.
    """

    kind: str
    frame: dict
    room_id: int | None = None
    user_id: int | None = None
    room_ids: list[int] | None = None
    event_id: int | None = None
    previous: int | None = None

    @property
    def type(self) -> str | None:
        return self.frame.get("type")


def published_frame(message: dict) -> PublishedFrame:
    """Decode one channel-layer message as realtime.publish / realtime.log sent it."""
    import orjson

    text = message.get("text")
    return PublishedFrame(
        kind=message["type"],
        frame=orjson.loads(text) if text else {k: v for k, v in message.items() if k != "type"},
        room_id=message.get("room_id"),
        user_id=message.get("user_id"),
        room_ids=message.get("room_ids"),
        event_id=message.get("event_id"),
        previous=message.get("previous"),
    )


@contextlib.contextmanager
def recording_published_frames(frames: list):
    """Append to ``frames`` what is sent to the server processes' group, then send it on.

    Watches the channel layer (Channels' object, not ours): every frame still
    reaches the sockets.
    """
    from channels.layers import get_channel_layer

    from realtime.publish import EVENTS_GROUP

    layer = get_channel_layer()
    send = layer.group_send

    async def recording_send(group, message):
        if group == EVENTS_GROUP:
            frames.append(published_frame(message))
        await send(group, message)

    layer.group_send = recording_send
    try:
        yield frames
    finally:
        del layer.group_send
