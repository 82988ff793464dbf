"""What the admin API does to open sockets: suspensions and deactivations close
them (4003), broadcasts reach every one. Real sockets through the ASGI app."""

from __future__ import annotations

import pytest

from lair.models import AuditEntry
from tests.helpers import API, assert_error, client_for
from tests.realtime import conftest as socket_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

# The socket fixtures of tests/realtime, for these tests too.
connect_as = socket_fixtures.connect_as
server_loop = socket_fixtures.server_loop
sockets = socket_fixtures.sockets


def test_suspending_closes_every_open_socket_of_the_user_with_4003(connect_as, site_admin, bob):
    phone, _ = connect_as(bob)
    laptop, _ = connect_as(bob)

    response = client_for(site_admin).patch(
        f"{API}/admin/users/{bob.pk}", {"is_suspended": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert phone.closed_with() == 4003
    assert laptop.closed_with() == 4003


def test_a_suspension_leaves_other_users_sockets_open(connect_as, site_admin, alice, bob):
    alices, _ = connect_as(alice)
    bobs, _ = connect_as(bob)
    client_for(site_admin).patch(f"{API}/admin/users/{bob.pk}", {"is_suspended": True}, "json")
    assert bobs.closed_with() == 4003
    alices.send({"type": "ping"})
    assert alices.receive()["type"] == "pong"


def test_deactivating_closes_the_users_sockets_with_4003(connect_as, site_admin, bob):
    socket, _ = connect_as(bob)
    assert client_for(site_admin).delete(f"{API}/admin/users/{bob.pk}").status_code == 204
    assert socket.closed_with() == 4003


def test_a_broadcast_reaches_every_connected_socket_and_is_audited(
    connect_as, site_admin, alice, bob
):
    first, _ = connect_as(alice)
    second, _ = connect_as(bob)

    response = client_for(site_admin).post(
        f"{API}/admin/broadcast",
        {"content": "Maintenance at noon"},
        format="json",
        REMOTE_ADDR="192.0.2.50",
    )

    assert response.status_code == 202, response.content
    assert response.json()["type"] == "system"
    for socket in (first, second):
        frame = socket.receive_until("system")
        assert frame["content"] == "Maintenance at noon"
        assert frame["sent_by"] == {"id": site_admin.pk, "username": "sadie"}
    entry = AuditEntry.objects.get(action="broadcast.sent")
    assert (entry.actor, entry.ip) == (site_admin, "192.0.2.50")
    assert entry.details == {"content": "Maintenance at noon"}


@pytest.mark.parametrize(
    "body",
    [{}, {"content": ""}, {"content": "   "}, {"content": 5}, {"content": "hi", "to": "all"}],
)
def test_a_bad_broadcast_is_a_400_and_sends_nothing(connect_as, site_admin, alice, body):
    socket, _ = connect_as(alice)
    response = client_for(site_admin).post(f"{API}/admin/broadcast", body, format="json")
    assert_error(response, 400, "validation_error")
    assert socket.nothing_received()
    assert not AuditEntry.objects.exists()


def test_a_broadcast_longer_than_a_message_may_be_is_a_400(site_admin):
    # Past the default (and any sensible) message length, within the body size limit.
    response = client_for(site_admin).post(
        f"{API}/admin/broadcast", {"content": "x" * 20_000}, format="json"
    )
    error = assert_error(response, 400, "validation_error")
    assert "content" in error["details"]
