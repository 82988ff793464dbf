"""Browser sockets signed in by session cookie end with their device session.

The cookie's device session id travels in the socket's Django session: the
socket is refused when that session is not alive, and closed with 4003 when
it is revoked, the user signs out, changes the password elsewhere, or is
suspended.
"""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_app import services
from sessions_app.models import DeviceSession
from tests.factories import PASSWORD, UserFactory
from tests.helpers import browser_of

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")
# The origin check compares the whole origin with the socket's own (its Host).
HOST = (b"host", b"localhost")


def cookie_socket(sockets, browser: Client):
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    return sockets(headers=[ORIGIN, HOST, (b"cookie", cookie)])


def open_cookie_socket(sockets, browser: Client):
    socket = cookie_socket(sockets, browser)
    assert socket.connect()
    ready = socket.receive()
    assert ready["type"] == "ready", ready
    return socket, ready


def device_session_of(browser: Client) -> DeviceSession:
    return DeviceSession.objects.get(pk=browser.session["device_session_id"])


def test_a_cookie_socket_is_closed_with_4003_when_its_session_is_revoked(sockets, bob):
    browser = browser_of(bob)
    socket, ready = open_cookie_socket(sockets, browser)
    assert ready["user"]["id"] == bob.pk

    services.revoke_own_session(user=bob, session_id=device_session_of(browser).pk)

    assert socket.closed_with() == 4003


def test_revoking_another_session_leaves_the_cookie_socket_open(sockets, bob):
    browser = browser_of(bob)
    socket, _ = open_cookie_socket(sockets, browser)
    other = services.open_session(user=bob).session

    services.revoke_own_session(user=bob, session_id=other.pk)

    socket.send({"type": "ping"})
    assert socket.receive()["type"] == "pong"


def test_a_cookie_socket_is_closed_with_4003_when_the_user_is_suspended(sockets, bob):
    operator = UserFactory(is_staff=True, is_superuser=True)
    socket, _ = open_cookie_socket(sockets, browser_of(bob))

    services.suspend_user(actor=operator, user=bob)

    assert socket.closed_with() == 4003


def test_a_cookie_socket_is_closed_with_4003_on_logout(sockets, bob):
    browser = browser_of(bob)
    socket, _ = open_cookie_socket(sockets, browser)

    assert browser.post("/api/v1/auth/logout").status_code == 204

    assert socket.closed_with() == 4003


def test_a_password_change_elsewhere_closes_the_cookie_socket(sockets, bob):
    socket, _ = open_cookie_socket(sockets, browser_of(bob))
    other = browser_of(bob)

    response = other.post(
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": "an entirely new passphrase"},
        content_type="application/json",
    )

    assert response.status_code == 204, response.content
    assert socket.closed_with() == 4003


def test_a_revoked_cookie_session_cannot_open_a_socket(sockets, bob, settings):
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    browser = browser_of(bob)
    services.revoke_own_session(user=bob, session_id=device_session_of(browser).pk)

    socket = cookie_socket(sockets, browser)
    assert socket.connect()

    # Not signed in: like any socket without credentials, it must authenticate.
    assert socket.closed_with() == 4001


def test_a_suspended_users_cookie_cannot_open_a_socket(sockets, bob, settings):
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    browser = browser_of(bob)
    type(bob).objects.filter(pk=bob.pk).update(is_suspended=True)

    socket = cookie_socket(sockets, browser)
    assert socket.connect()

    assert socket.closed_with() == 4001
