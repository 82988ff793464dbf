"""WebSocket tests: the real ASGI application through Channels' WebsocketCommunicator.

Tests are synchronous; the sockets live on an event loop in a background
thread, as they do in the server, and REST calls run on the test's thread
like a view in a worker thread. The database is transactional so that
changes commit and their events are broadcast (on_commit), as in production.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections

from lair.asgi import application
from realtime import publish
from tests.helpers import API, client_for, join, token_for

WS_PATH = f"{API}/ws/"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Socket tests that use the database get committed rows: transactional.

    Events are broadcast on commit and the server loop reads through its own
    connection, so a test here inside one rolled-back transaction would wait
    for frames that never come. The people fixtures (tests/conftest.py) only
    ask for ``db``.
    """
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        if "db" in item.fixturenames and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True))


class ServerLoop:
    """An event loop in a thread of its own: where the server's sockets live."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout=10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self):
        async def drain():
            # Presence timers of closed sockets, then the loop's executors.
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            # The consumers' database thread keeps a connection: close it.
            await sync_to_async(connections.close_all)()
            await self.loop.shutdown_default_executor()

        try:
            self.run(drain(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def server_loop():
    # A fresh channel-layer instance per server loop: channels-redis refuses
    # receive() from a second event loop on one instance.
    channel_layers.backends.clear()
    loop = ServerLoop()
    publish.bind_server_loop(loop.loop)
    yield loop
    publish.bind_server_loop(None)
    loop.stop()


class Socket:
    """A WebSocket client driven from synchronous test code."""

    def __init__(self, loop: ServerLoop, headers=None, app=None):
        self.loop = loop
        self.communicator = WebsocketCommunicator(
            app or application, WS_PATH, headers=headers or []
        )
        self.connected = False

    def connect(self):
        self.connected, _ = self.loop.run(self.communicator.connect())
        return self.connected

    def send(self, frame):
        text = frame if isinstance(frame, str) else json.dumps(frame)
        self.loop.run(self.communicator.send_to(text_data=text))

    def send_bytes(self, data: bytes):
        self.loop.run(self.communicator.send_to(bytes_data=data))

    def receive_any(self, timeout=2.0) -> dict:
        return json.loads(self.loop.run(self.communicator.receive_from(timeout), timeout + 5))

    def receive(self, timeout=2.0, skip=("presence",)) -> dict:
        """The next frame, passing over presence changes (they come and go with sockets)."""
        while True:
            frame = self.receive_any(timeout)
            if frame["type"] not in skip:
                return frame

    def receive_output(self, timeout=2.0) -> dict:
        return self.loop.run(self.communicator.receive_output(timeout), timeout + 5)

    def nothing_received(self, timeout=0.3, skip=("presence",)) -> bool:
        """True when no frame but presence changes arrives within ``timeout``."""
        while not self.loop.run(self.communicator.receive_nothing(timeout), timeout + 5):
            if self.receive_any()["type"] not in skip:
                return False
        return True

    def receive_until(self, kind: str, timeout=3.0, limit=50) -> dict:
        for _ in range(limit):
            frame = self.receive_any(timeout)
            if frame["type"] == kind:
                return frame
        raise AssertionError(f"no {kind} frame")

    def closed_with(self, timeout=2.0) -> int:
        output = self.receive_output(timeout)
        while output["type"] == "websocket.send":
            output = self.receive_output(timeout)
        assert output["type"] == "websocket.close", output
        return output.get("code")

    def disconnect(self):
        if self.connected:
            self.loop.run(self.communicator.disconnect())
            self.connected = False


@pytest.fixture
def sockets(server_loop):
    """Open sockets; every one is disconnected at the end of the test."""
    opened: list[Socket] = []

    def open_socket(headers=None, app=None) -> Socket:
        socket = Socket(server_loop, headers, app)
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        socket.disconnect()


@pytest.fixture
def connect_as(sockets):
    """Open a socket authenticated with a fresh access token; returns (socket, ready)."""

    def connect(user, app=None):
        access, session_id = token_for(user)
        socket = sockets(app=app)
        assert socket.connect()
        socket.send({"type": "auth", "token": access})
        ready = socket.receive()
        assert ready["type"] == "ready", ready
        socket.session_id = session_id
        return socket, ready

    return connect


@pytest.fixture
def room(alice, bob):
    """A public room owned by alice with bob as a member (the room's answer: a dict)."""
    response = client_for(alice).post(f"{API}/rooms", {"name": "general"}, format="json")
    assert response.status_code == 201, response.content
    room = response.json()
    join(bob, room["id"])
    return room
