"""When the server cannot write to a socket, or cannot subscribe to events: said, and closed."""

from __future__ import annotations

import logging
import time

import pytest

from lair.asgi import application
from tests.helpers import posted as post
from tests.helpers import token_for

pytestmark = pytest.mark.django_db(transaction=True)

CLOSE_UNAVAILABLE = 1011


class BrokenWrites:
    """The whole application, with a server ``send`` that fails frames once broken."""

    def __init__(self):
        self.broken = False

    async def __call__(self, scope, receive, send):
        async def send_or_fail(message):
            if self.broken and message["type"] == "websocket.send":
                raise OSError("connection reset by peer")
            await send(message)

        return await application(scope, receive, send_or_fail)


def test_a_socket_whose_writes_fail_is_closed_and_the_log_says_so(
    connect_as, alice, bob, room, caplog
):
    caplog.set_level(logging.INFO, logger="realtime.writer")
    app = BrokenWrites()
    broken, _ = connect_as(alice, app=app)
    reader, _ = connect_as(bob)
    app.broken = True
    post(bob, room["id"], "m0")
    assert reader.receive()["message"]["content"] == "m0"
    assert broken.closed_with() == CLOSE_UNAVAILABLE
    assert any("OSError: connection reset by peer" in r.getMessage() for r in caplog.records)
    # The others go on.
    post(bob, room["id"], "m1")
    assert reader.receive()["message"]["content"] == "m1"


def test_a_process_that_cannot_subscribe_refuses_sockets_instead_of_hanging(sockets, bob, settings):
    settings.WS_SUBSCRIBE_TIMEOUT_SECONDS = 0.5
    # A channel layer that refuses every connection (nothing listens on port 1).
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    socket = sockets()
    assert socket.connect()
    started = time.monotonic()
    socket.send({"type": "auth", "token": token_for(bob)[0]})
    assert socket.closed_with(timeout=5) == CLOSE_UNAVAILABLE
    assert time.monotonic() - started < 5
