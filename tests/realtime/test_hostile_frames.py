"""Hostile JSON over the socket: deep nesting is refused like a malformed frame."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def deep_ping(depth: int) -> str:
    return '{"type": "ping", "id": ' + "[" * depth + "]" * depth + "}"


def test_a_deeply_nested_frame_gets_a_parse_error_and_the_socket_stays_open(connect_as, bob):
    socket, _ = connect_as(bob)
    socket.send(deep_ping(1000))
    error = socket.receive()
    assert error["type"] == "error", error
    assert error["code"] == "parse_error"
    socket.send({"type": "ping"})
    assert socket.receive()["type"] == "pong"


def test_a_deeply_nested_frame_before_auth_closes_with_4001(sockets):
    socket = sockets()
    assert socket.connect()
    socket.send('{"type": "auth", "token": ' + "[" * 1000 + "]" * 1000 + "}")
    assert socket.closed_with() == 4001


def test_malformed_json_before_auth_closes_with_4001(sockets):
    socket = sockets()
    assert socket.connect()
    socket.send("{not json")
    assert socket.closed_with() == 4001
