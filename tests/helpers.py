"""Helpers shared by every test folder."""

from __future__ import annotations

import contextlib
import dataclasses

from rest_framework.test import APIClient


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
