"""How frames reach sockets: a client that stops reading holds up nobody else.

A Gate stands for such a client: while it is shut, the server's ``send`` for
that socket waits, as uvicorn's does once the socket's buffers are full.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from lair.asgi import KeepServerSend, application
from realtime.fanout import Fanout
from realtime.writer import SERVER_SEND
from tests.helpers import posted as post

pytestmark = pytest.mark.django_db(transaction=True)

CLOSE_TOO_SLOW = 4008


class Gate:
    """The whole application, with a send that waits while the gate is shut."""

    def __init__(self, server_loop):
        self.server_loop = server_loop
        self.open = asyncio.Event()
        self.open.set()

    async def __call__(self, scope, receive, send):
        async def gated_send(message):
            await self.open.wait()
            await send(message)

        return await application(scope, receive, gated_send)

    def shut(self):
        self.server_loop.run(self._set(False))

    def reopen(self):
        self.server_loop.run(self._set(True))

    async def _set(self, is_open: bool):
        if is_open:
            self.open.set()
        else:
            self.open.clear()


def contents(socket, count: int) -> list[str]:
    return [socket.receive(timeout=3)["message"]["content"] for _ in range(count)]


@pytest.fixture
def gate(server_loop):
    return Gate(server_loop)


def test_a_client_that_stops_reading_holds_up_nobody_and_catches_up_in_order(
    connect_as, alice, bob, room, gate
):
    slow, _ = connect_as(alice, app=gate)
    reader, _ = connect_as(bob)
    gate.shut()
    for n in range(3):
        post(bob, room["id"], f"m{n}")
    assert contents(reader, 3) == ["m0", "m1", "m2"]
    gate.reopen()
    assert contents(slow, 3) == ["m0", "m1", "m2"]
    # Writes go straight through again.
    post(bob, room["id"], "m3")
    assert contents(slow, 1) == ["m3"]
    assert contents(reader, 1) == ["m3"]


def test_a_client_too_far_behind_is_closed_to_resume(connect_as, alice, bob, room, gate, settings):
    settings.WS_SEND_BACKLOG = 2
    slow, _ = connect_as(alice, app=gate)
    reader, _ = connect_as(bob)
    gate.shut()
    for n in range(4):
        post(bob, room["id"], f"m{n}")
    assert contents(reader, 4) == ["m0", "m1", "m2", "m3"]
    gate.reopen()
    assert slow.closed_with(timeout=3) == CLOSE_TOO_SLOW


def test_a_write_blocked_too_long_closes_the_socket(connect_as, alice, bob, room, gate, settings):
    settings.WS_SEND_TIMEOUT_SECONDS = 0.3
    slow, _ = connect_as(alice, app=gate)
    reader, _ = connect_as(bob)
    gate.shut()
    post(bob, room["id"], "m0")
    assert contents(reader, 1) == ["m0"]
    time.sleep(0.8)
    post(bob, room["id"], "m1")
    assert contents(reader, 1) == ["m1"]
    gate.reopen()
    assert slow.closed_with(timeout=3) == CLOSE_TOO_SLOW


def test_a_replay_keeps_the_pace_of_a_slow_client(connect_as, alice, bob, room, gate, settings):
    from realtime import log as events

    settings.WS_SEND_BACKLOG = 2
    after = events.latest_event_id()
    for n in range(6):
        post(bob, room["id"], f"m{n}")
    slow, _ = connect_as(alice, app=gate)
    gate.shut()
    slow.send({"type": "resume", "after": after})
    time.sleep(0.3)
    gate.reopen()
    assert contents(slow, 6) == [f"m{n}" for n in range(6)]
    assert slow.receive(timeout=3)["type"] == "resumed"


def test_live_events_wait_for_a_resume_replay(connect_as, alice, bob, room, gate, settings):
    """A client that keeps the highest event_id it saw can drop mid-replay and lose nothing."""
    from realtime import log as events

    after = events.latest_event_id()
    for n in range(6):
        post(alice, room["id"], f"m{n}")
    slow, _ = connect_as(bob, app=gate)
    gate.shut()
    slow.send({"type": "resume", "after": after})
    time.sleep(0.3)  # the replay is stuck behind its first frame
    post(alice, room["id"], "live")
    gate.reopen()
    assert contents(slow, 6) == [f"m{n}" for n in range(6)]
    assert slow.receive(timeout=3)["type"] == "resumed"
    assert contents(slow, 1) == ["live"]


def test_the_server_send_is_kept_in_the_scope():
    seen = {}

    async def app(scope, receive, send):
        seen["scope"] = scope

    async def server_send(message):
        pass

    asyncio.run(KeepServerSend(app)({"type": "websocket"}, None, server_send))
    assert seen["scope"][SERVER_SEND] is server_send


class FakeSocket:
    """A Subscriber that logs what it writes, each event once."""

    def __init__(self, log: list):
        self.log = log
        self.seen: set[int] = set()

    def deliver(self, message: dict, event_id: int | None):
        if event_id not in self.seen:
            self.seen.add(event_id)
            self.log.append(message)


def test_a_large_fan_out_yields_to_the_loop_and_shares_one_message(settings):
    settings.WS_FANOUT_YIELD_EVERY = 3
    log: list = []
    sockets = [FakeSocket(log) for _ in range(7)]

    async def fan_out():
        async def meanwhile():
            log.append("meanwhile")

        other = asyncio.ensure_future(meanwhile())
        await Fanout().write(sockets, "text", event_id=1)
        await other
        # A socket that has the event already (a replay) is passed over.
        sockets[0].seen.clear()
        await Fanout().write(sockets, "text", event_id=1)

    asyncio.run(fan_out())
    assert log.index("meanwhile") == 3
    frames = [entry for entry in log if entry != "meanwhile"]
    assert len(frames) == 8
    assert all(frame is frames[0] for frame in frames[:7])
    assert frames[0] == {"type": "websocket.send", "text": "text"}


def test_a_closed_socket_leaves_nothing_behind_in_the_fan_out(connect_as, alice, bob, room):
    from realtime.fanout import local_fanout

    stays, _ = connect_as(alice)
    leaves, _ = connect_as(bob)
    fanout = stays.loop.run(_current_fanout(local_fanout))
    assert len(fanout.rooms[room["id"]]) == 2
    leaves.disconnect()
    post(alice, room["id"], "after bob closed")
    assert stays.receive()["message"]["content"] == "after bob closed"
    assert [c.user.pk for c in fanout.rooms[room["id"]]] == [alice.pk]
    assert bob.pk not in fanout.users
    assert len(fanout.sockets) == len(fanout.user_of) == len(fanout.followed) == 1


async def _current_fanout(local_fanout):
    return local_fanout()
