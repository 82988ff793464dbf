"""The console's actions on real sockets: each calls its service, so it is audited
and has the same real-time effect as the API (a suspended user's socket closes
with 4003, members hear of an archived room and a deleted message)."""

from __future__ import annotations

import pytest

from lair.models import AuditEntry
from messaging.models import Message
from tests.factories import MessageFactory, room_owned_by
from tests.helpers import browser_of, join
from tests.realtime import conftest as socket_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

connect_as = socket_fixtures.connect_as
server_loop = socket_fixtures.server_loop
sockets = socket_fixtures.sockets


def run_action(user, url, action, *pks):
    return browser_of(user).post(
        url, {"action": action, "_selected_action": [str(pk) for pk in pks]}, follow=True
    )


def test_suspending_in_the_console_closes_the_users_socket_with_4003_and_is_audited(
    connect_as, site_admin, bob
):
    socket, _ = connect_as(bob)

    response = run_action(site_admin, "/admin/accounts/user/", "suspend_users", bob.pk)

    assert response.status_code == 200
    assert socket.closed_with() == 4003
    bob.refresh_from_db()
    assert bob.is_suspended
    entry = AuditEntry.objects.get(action="user.suspended")
    assert (entry.actor, entry.ip) == (site_admin, "198.51.100.9")


def test_suspending_oneself_in_the_console_is_an_error_message_not_an_error_page(site_admin):
    response = run_action(site_admin, "/admin/accounts/user/", "suspend_users", site_admin.pk)

    assert response.status_code == 200
    assert "Could not suspend" in response.content.decode()
    site_admin.refresh_from_db()
    assert not site_admin.is_suspended


def test_archiving_a_room_in_the_console_tells_its_members_and_is_audited(
    connect_as, site_admin, alice, bob
):
    room = room_owned_by(alice)
    join(bob, room)
    socket, _ = connect_as(bob)

    response = run_action(site_admin, "/admin/rooms/room/", "archive_rooms", room.pk)

    assert response.status_code == 200
    frame = socket.receive_until("room.updated")
    assert frame["room"]["id"] == room.pk
    assert AuditEntry.objects.filter(action="room.archived", actor=site_admin).exists()


def test_deleting_a_message_in_the_console_tells_the_room_and_is_audited_as_moderation(
    connect_as, moderator, alice, bob
):
    room = room_owned_by(alice)
    join(bob, room)
    message = MessageFactory(room=room, author=alice)
    socket, _ = connect_as(bob)

    response = run_action(moderator, "/admin/messaging/message/", "delete_messages", message.pk)

    assert response.status_code == 200
    frame = socket.receive_until("message.deleted")
    assert frame["message"]["id"] == message.pk
    assert Message.objects.get(pk=message.pk).deleted_at is not None
    assert AuditEntry.objects.filter(
        action="message.deleted_by_moderator", actor=moderator
    ).exists()
