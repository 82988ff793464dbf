"""Hostile input on the WebSocket stream: origins, frames before and after auth, field types."""

from __future__ import annotations

import json

import pytest

from tests.helpers import token_for

pytestmark = pytest.mark.django_db(transaction=True)


# --- the browser's origin -------------------------------------------------------


def cookie_of(client, user) -> bytes:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def browser_socket(sockets, cookie: bytes, origin: str, host: str, *extra):
    return sockets(
        headers=[
            (b"origin", origin.encode()),
            (b"host", host.encode()),
            (b"cookie", cookie),
            *extra,
        ]
    )


def test_a_browser_on_our_own_origin_and_port_signs_in(sockets, bob, client):
    socket = browser_socket(
        sockets, cookie_of(client, bob), "http://127.0.0.1:8000", "127.0.0.1:8000"
    )
    assert socket.connect()
    assert socket.receive()["type"] == "ready"


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil:8000",  # another host, same port
        "https://127.0.0.1:9999",  # our host, another scheme and port
        "http://127.0.0.1:9999",  # our host, another port
        "https://127.0.0.1:8000",  # our host and port, another scheme
        "null",  # sandboxed frames and file: pages
    ],
)
def test_a_browser_from_another_origin_is_refused(sockets, bob, client, origin):
    socket = browser_socket(sockets, cookie_of(client, bob), origin, "127.0.0.1:8000")
    assert not socket.connect()


def test_a_host_header_outside_allowed_hosts_is_refused_even_if_the_origin_matches(
    sockets, bob, client
):
    # DNS rebinding: evil.example resolves to us, the browser sends its own origin.
    socket = browser_socket(sockets, cookie_of(client, bob), "http://evil.example", "evil.example")
    assert not socket.connect()


def test_behind_a_tls_proxy_the_origin_is_https(sockets, bob, client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    cookie = cookie_of(client, bob)
    proto = (b"x-forwarded-proto", b"https")
    secure = browser_socket(sockets, cookie, "https://localhost", "localhost", proto)
    assert secure.connect()
    assert secure.receive()["type"] == "ready"
    plain = browser_socket(sockets, cookie, "http://localhost", "localhost", proto)
    assert not plain.connect()


def test_an_exact_csrf_trusted_origin_is_accepted(sockets, bob, client, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org"]
    cookie = cookie_of(client, bob)
    trusted = browser_socket(sockets, cookie, "https://app.example.org", "127.0.0.1:8000")
    assert trusted.connect()
    assert trusted.receive()["type"] == "ready"
    other_port = browser_socket(sockets, cookie, "https://app.example.org:8443", "127.0.0.1:8000")
    assert not other_port.connect()


def test_pages_may_open_sockets_only_to_their_own_origin(client, transactional_db):
    policy = client.get("/api/v1/health")["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["connect-src"] == ["'self'"]


# --- before authentication: one valid auth frame, or the socket closes --------------


def first_output_is_close(socket) -> int:
    output = socket.receive_output()
    assert output["type"] == "websocket.close", output
    return output.get("code")


@pytest.mark.parametrize(
    "frame",
    [
        b"\x00\x01",
        "{not json",
        "[1, 2]",
        '{"token": "no type"}',
        '{"type": 7}',
        '{"type": "ping"}',
        '{"type": "auth", "token": ["not", "a", "string"]}',
    ],
    ids=["binary", "not-json", "array", "no-type", "type-not-a-string", "ping", "token-list"],
)
def test_anything_but_an_auth_frame_first_closes_with_4001_at_once(
    sockets, transactional_db, frame
):
    socket = sockets()
    assert socket.connect()
    if isinstance(frame, bytes):
        socket.send_bytes(frame)
    else:
        socket.send(frame)
    assert first_output_is_close(socket) == 4001


def test_an_oversized_first_frame_closes_with_4001(sockets, settings, transactional_db):
    socket = sockets()
    assert socket.connect()
    socket.send(json.dumps({"type": "auth", "token": "x" * (settings.WS_MAX_FRAME_BYTES + 1)}))
    assert first_output_is_close(socket) == 4001


def test_a_valid_auth_frame_still_signs_in(sockets, bob):
    access, _ = token_for(bob)
    socket = sockets()
    assert socket.connect()
    socket.send({"type": "auth", "token": access})
    assert socket.receive()["type"] == "ready"


# --- field types of client frames ----------------------------------------------------


@pytest.fixture
def member_socket(connect_as, bob, room):
    socket, _ = connect_as(bob)
    return socket


# Each case gets the id of a room the sender is in, so only the type is wrong.
BAD_FIELDS = {
    "room-id-true": lambda room_id: {"type": "typing", "room_id": True, "state": "start"},
    "room-id-float": lambda room_id: {
        "type": "typing",
        "room_id": float(room_id),
        "state": "start",
    },
    "room-id-string": lambda room_id: {"type": "typing", "room_id": str(room_id), "state": "start"},
    "room-id-null": lambda room_id: {"type": "typing", "room_id": None, "state": "start"},
    "state-list": lambda room_id: {"type": "typing", "room_id": room_id, "state": ["start"]},
    "state-int": lambda room_id: {"type": "typing", "room_id": room_id, "state": 1},
    "status-list": lambda room_id: {"type": "presence", "status": ["away"]},
    "status-int": lambda room_id: {"type": "presence", "status": 1},
    "ping-id-object": lambda room_id: {"type": "ping", "id": {"nested": [1, 2, 3]}},
    "ping-id-list": lambda room_id: {"type": "ping", "id": [1]},
    "ping-id-long": lambda room_id: {"type": "ping", "id": "x" * 200},
    "after-true": lambda room_id: {"type": "resume", "after": True},
    "after-float": lambda room_id: {"type": "resume", "after": 1.0},
    "after-string": lambda room_id: {"type": "resume", "after": "0"},
}


@pytest.mark.parametrize("case", list(BAD_FIELDS))
def test_a_field_of_the_wrong_type_is_a_validation_error_and_nothing_is_relayed(
    connect_as, alice, member_socket, room, case
):
    watcher, _ = connect_as(alice)
    # Let the presence frames of both sockets opening go by (Redis delivers
    # them asynchronously, bob's can come after alice connected).
    while not watcher.loop.run(watcher.communicator.receive_nothing(0.4), 5):
        assert watcher.receive_any()["type"] == "presence"
    member_socket.send(BAD_FIELDS[case](room["id"]))
    error = member_socket.receive()
    assert error["type"] == "error", error
    assert error["code"] == "validation_error", error
    assert watcher.nothing_received(skip=())
    member_socket.send({"type": "ping", "id": "still-open"})
    assert member_socket.receive() == {"type": "pong", "id": "still-open"}


def test_a_typing_frame_with_an_int_room_id_is_relayed_as_an_int(
    connect_as, alice, member_socket, room
):
    watcher, _ = connect_as(alice)
    member_socket.send({"type": "typing", "room_id": room["id"], "state": "start"})
    relayed = watcher.receive_until("typing")
    assert relayed["room_id"] == room["id"]
    assert type(relayed["room_id"]) is int
