"""One client cannot make the server send much more than it sends: throttles and socket caps."""

from __future__ import annotations

import time

import pytest

from tests.helpers import client_for, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def frames_until_quiet(socket, timeout=0.6) -> list[dict]:
    """Every frame that arrives until ``timeout`` passes without one."""
    frames = []
    while not socket.loop.run(socket.communicator.receive_nothing(timeout), timeout + 5):
        frames.append(socket.receive_any())
    return frames


def settle(socket):
    """Let the presence frames of sockets just opened go by."""
    frames_until_quiet(socket, timeout=0.4)


def about(frames, kind, user) -> list[dict]:
    key = "user_id" if kind == "presence" else "user"
    return [
        f
        for f in frames
        if f["type"] == kind and (f[key] if key == "user_id" else f[key]["id"]) == user.pk
    ]


# --- typing -----------------------------------------------------------------------


def test_alternating_typing_start_and_stop_relays_one_start_and_one_stop(
    connect_as, alice, bob, room, settings
):
    # However long the machine takes, the frames below fall in one interval.
    settings.TYPING_REFRESH_SECONDS = 3600
    watcher, _ = connect_as(bob)
    typist, _ = connect_as(alice)
    settle(watcher)
    for _ in range(5):
        typist.send({"type": "typing", "room_id": room["id"], "state": "start"})
        typist.send({"type": "typing", "room_id": room["id"], "state": "stop"})
    typing = about(frames_until_quiet(watcher), "typing", alice)
    assert [f["state"] for f in typing] == ["start", "stop"]


def test_a_user_typing_on_many_sockets_relays_one_start_per_interval(
    connect_as, alice, bob, room, settings
):
    # The per-socket throttle alone let 20 sockets of one user relay 20 times.
    settings.TYPING_REFRESH_SECONDS = 3600
    watcher, _ = connect_as(bob)
    typists = [connect_as(alice)[0] for _ in range(3)]
    settle(watcher)
    for _ in range(2):
        for typist in typists:
            typist.send({"type": "typing", "room_id": room["id"], "state": "start"})
            typist.send({"type": "typing", "room_id": room["id"], "state": "stop"})
    typing = about(frames_until_quiet(watcher), "typing", alice)
    assert [f["state"] for f in typing] == ["start", "stop"]


def test_a_stop_without_a_relayed_start_is_not_relayed(connect_as, alice, bob, room):
    watcher, _ = connect_as(bob)
    typist, _ = connect_as(alice)
    settle(watcher)
    typist.send({"type": "typing", "room_id": room["id"], "state": "stop"})
    assert about(frames_until_quiet(watcher), "typing", alice) == []


# --- presence ------------------------------------------------------------------------


def test_presence_flips_relay_one_change_and_then_only_the_latest_state(
    connect_as, alice, bob, room, settings
):
    settings.WS_PRESENCE_INTERVAL_SECONDS = 0.5
    watcher, _ = connect_as(bob)
    flipper, _ = connect_as(alice)
    settle(watcher)
    for status in ["away", "online", "away", "online", "away"]:
        flipper.send({"type": "presence", "status": status})
    # The first change at once; the latest state (away again) is no change.
    statuses = [f["status"] for f in about(frames_until_quiet(watcher, 1.0), "presence", alice)]
    assert statuses == ["away"]

    flipper.send({"type": "presence", "status": "online"})
    flipper.send({"type": "presence", "status": "away"})
    flipper.send({"type": "presence", "status": "online"})
    statuses = [f["status"] for f in about(frames_until_quiet(watcher, 1.0), "presence", alice)]
    assert statuses == ["online"]


def test_a_user_flipping_presence_on_many_sockets_relays_one_change_per_interval(
    connect_as, alice, bob, room, settings
):
    settings.WS_PRESENCE_INTERVAL_SECONDS = 3600
    watcher, _ = connect_as(bob)
    flippers = [connect_as(alice)[0] for _ in range(3)]
    settle(watcher)
    for status in ["away", "online"]:
        for flipper in flippers:
            flipper.send({"type": "presence", "status": status})
    statuses = [f["status"] for f in about(frames_until_quiet(watcher, 1.0), "presence", alice)]
    assert statuses == ["away"]


def test_presence_that_does_not_change_is_not_relayed(connect_as, alice, bob, room):
    watcher, _ = connect_as(bob)
    socket, _ = connect_as(alice)
    settle(watcher)
    socket.send({"type": "presence", "status": "online"})  # online already
    assert about(frames_until_quiet(watcher), "presence", alice) == []


def test_a_presence_change_reaches_each_socket_once_however_many_rooms_are_shared(
    connect_as, alice, bob, room
):
    for name in ("second", "third"):
        other = client_for(alice).post("/api/v1/rooms", {"name": name}, format="json").json()
        client_for(bob).post(f"/api/v1/rooms/{other['id']}/members", {}, format="json")
    watcher, _ = connect_as(bob)
    settle(watcher)
    socket, _ = connect_as(alice)
    online = about(frames_until_quiet(watcher), "presence", alice)
    assert [f["status"] for f in online] == ["online"]
    socket.send({"type": "presence", "status": "away"})
    away = about(frames_until_quiet(watcher), "presence", alice)
    assert [f["status"] for f in away] == ["away"]


# --- frames per second ------------------------------------------------------------------


def test_a_socket_over_the_frame_rate_gets_rate_limited_and_its_frames_are_dropped(
    connect_as, bob, settings
):
    settings.WS_MAX_FRAMES_PER_SECOND = 3
    socket, _ = connect_as(bob)
    for i in range(30):
        socket.send({"type": "ping", "id": i})
    frames = frames_until_quiet(socket)
    pongs = [f for f in frames if f["type"] == "pong"]
    errors = [f for f in frames if f["type"] == "error"]
    assert 3 <= len(pongs) < 30
    assert errors, frames
    assert {e["code"] for e in errors} == {"rate_limited"}
    # One error per window, not one per dropped frame.
    assert len(errors) < 30 - len(pongs)
    time.sleep(1.1)  # a new one-second window
    socket.send({"type": "ping", "id": "later"})
    assert socket.receive() == {"type": "pong", "id": "later"}


# --- sockets per user and per address ------------------------------------------------------


def test_a_user_over_the_socket_cap_is_refused_with_4029(sockets, connect_as, alice, bob, settings):
    settings.WS_MAX_SOCKETS_PER_USER = 2
    first, _ = connect_as(bob)
    connect_as(bob)
    third = sockets()
    assert third.connect()
    third.send({"type": "auth", "token": token_for(bob)[0]})
    assert third.closed_with() == 4029
    connect_as(alice)  # others are not affected
    first.disconnect()
    connect_as(bob)  # a freed place can be taken again


def socket_from(sockets, ip: str, *headers):
    socket = sockets(headers=list(headers))
    socket.communicator.scope["client"] = (ip, 50000)
    return socket


def test_an_address_over_the_socket_cap_is_refused_with_4029_before_auth(
    sockets, transactional_db, settings
):
    settings.WS_MAX_SOCKETS_PER_IP = 2
    held = [socket_from(sockets, "10.0.0.7") for _ in range(2)]
    for socket in held:
        assert socket.connect()
    # A forged X-Forwarded-For does not help when no proxy is trusted.
    forged = socket_from(sockets, "10.0.0.7", (b"x-forwarded-for", b"6.6.6.6"))
    assert forged.connect()
    assert forged.closed_with() == 4029
    other = socket_from(sockets, "10.0.0.8")
    assert other.connect()
    assert other.nothing_received(timeout=0.2, skip=())
    held[0].disconnect()
    again = socket_from(sockets, "10.0.0.7")
    assert again.connect()
    assert again.nothing_received(timeout=0.2, skip=())


def test_behind_a_trusted_proxy_the_cap_counts_the_forwarded_address(
    sockets, transactional_db, settings
):
    settings.WS_MAX_SOCKETS_PER_IP = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    first = socket_from(sockets, proxy, (b"x-forwarded-for", b"1.2.3.4"))
    assert first.connect()
    second = socket_from(sockets, proxy, (b"x-forwarded-for", b"5.6.7.8"))
    assert second.connect()
    assert second.nothing_received(timeout=0.2, skip=())
    # The client may prepend anything; the proxy's own entry is the last one.
    same = socket_from(sockets, proxy, (b"x-forwarded-for", b"9.9.9.9, 1.2.3.4"))
    assert same.connect()
    assert same.closed_with() == 4029
