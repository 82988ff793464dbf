"""The measured fast path: a socket's frames are written without a thread hop each.

A hop per delivered event (sync_to_async, database_sync_to_async, or
Channels' own ``aclose_old_connections`` before each handler) capped
delivery near 2-3k frames/s (docs/PERFORMANCE.md). asgiref's SyncToAsync is
what every hop goes through: counting its calls on the server's loop shows
whether one was added.
"""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import SyncToAsync

from tests.helpers import posted as post

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = 20


@pytest.fixture
def hops_on(monkeypatch):
    """The thread hops awaited on the server's event loop from now on, by function name."""

    def count(loop_thread: threading.Thread) -> list[str]:
        hops: list[str] = []
        call = SyncToAsync.__call__

        async def counted(self, *args, **kwargs):
            if threading.current_thread() is loop_thread:
                hops.append(getattr(self.func, "__qualname__", repr(self.func)))
            return await call(self, *args, **kwargs)

        monkeypatch.setattr(SyncToAsync, "__call__", counted)
        return hops

    return count


def test_live_events_reach_a_socket_without_a_thread_hop(
    connect_as, alice, bob, room, settings, hops_on
):
    settings.EVENT_TAIL_CHECK_SECONDS = 3600  # its log read is a hop, not a delivery
    socket, _ = connect_as(bob)
    hops = hops_on(socket.loop.thread)
    for n in range(EVENTS):
        post(alice, room["id"], f"m{n}")
    frames = [socket.receive(timeout=3) for _ in range(EVENTS)]
    assert [f["message"]["content"] for f in frames] == [f"m{n}" for n in range(EVENTS)]
    assert hops == []


def test_client_frames_are_answered_without_a_thread_hop(connect_as, bob, settings, hops_on):
    settings.EVENT_TAIL_CHECK_SECONDS = 3600
    socket, _ = connect_as(bob)
    hops = hops_on(socket.loop.thread)
    for n in range(EVENTS):
        socket.send({"type": "ping", "id": n})
    assert [socket.receive()["id"] for _ in range(EVENTS)] == list(range(EVENTS))
    assert hops == []
