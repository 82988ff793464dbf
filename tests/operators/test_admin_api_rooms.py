"""GET, PATCH and DELETE /admin/rooms: every room, as operators see and change it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import User
from lair.models import AuditEntry
from messaging.models import Message
from rooms.models import Room
from tests.factories import (
    MembershipFactory,
    MessageFactory,
    RoomFactory,
    UserFactory,
    room_owned_by,
)
from tests.helpers import API, assert_error, client_for, post_message

pytestmark = pytest.mark.django_db
ROOMS = f"{API}/admin/rooms"
ADMIN_ROOM_KEYS = {
    "id",
    "name",
    "type",
    "topic",
    "description",
    "archived",
    "archived_at",
    "created_by",
    "created_at",
    "updated_at",
    "member_count",
    "message_count",
}


@pytest.fixture
def direct(alice, bob):
    room = RoomFactory(type=Room.Type.DIRECT, name="", direct_key=f"{alice.pk}:{bob.pk}")
    MembershipFactory(room=room, user=alice)
    MembershipFactory(room=room, user=bob)
    return room


def listed(admin, **params) -> dict[str, dict]:
    response = client_for(admin).get(ROOMS, params)
    assert response.status_code == 200, response.content
    return {room["name"]: room for room in response.json()["results"]}


def test_every_room_is_listed_private_and_direct_too_with_counts_and_no_messages(
    site_admin, alice, bob, direct
):
    general = room_owned_by(alice, name="general")
    MembershipFactory(room=general, user=bob)
    MessageFactory(room=general, author=alice, content="secret words")
    MessageFactory(room=general, author=bob)
    MessageFactory(room=general, author=bob, deleted_at=timezone.now())
    room_owned_by(alice, name="hideout", type=Room.Type.PRIVATE)
    MessageFactory(room=direct, author=alice)

    response = client_for(site_admin).get(ROOMS)

    assert response.status_code == 200, response.content
    assert "secret words" not in response.content.decode()
    rooms = {room["id"]: room for room in response.json()["results"]}
    assert set(rooms[general.pk]) == ADMIN_ROOM_KEYS
    assert (rooms[general.pk]["member_count"], rooms[general.pk]["message_count"]) == (2, 2)
    assert rooms[general.pk]["created_by"] == {"id": alice.pk, "username": "alice"}
    assert (rooms[direct.pk]["type"], rooms[direct.pk]["member_count"]) == ("direct", 2)
    assert rooms[direct.pk]["message_count"] == 1
    assert {room["type"] for room in rooms.values()} == {"public", "private", "direct"}


def test_q_type_and_archived_filter_the_list(site_admin, alice, direct):
    room_owned_by(alice, name="general", topic="anything goes")
    room_owned_by(alice, name="old-news", archived_at=timezone.now())
    room_owned_by(alice, name="hideout", type=Room.Type.PRIVATE)
    assert set(listed(site_admin, q="GOES")) == {"general"}
    assert set(listed(site_admin, q="news")) == {"old-news"}
    assert set(listed(site_admin, type="private")) == {"hideout"}
    assert [r["id"] for r in listed(site_admin, type="direct").values()] == [direct.pk]
    assert set(listed(site_admin, archived="true")) == {"old-news"}
    assert "old-news" not in listed(site_admin, archived="false")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "secret"}, "type"),
        ({"archived": "perhaps"}, "archived"),
        ({"limit": "-1"}, "limit"),
        ({"offset": "x"}, "offset"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(site_admin, params, field):
    error = assert_error(client_for(site_admin).get(ROOMS, params), 400, "validation_error")
    assert field in error["details"]


def test_the_list_takes_one_query_for_fifty_rooms(site_admin, django_assert_num_queries):
    for _ in range(50):
        owner = UserFactory()
        room = room_owned_by(owner)
        MessageFactory(room=room, author=owner)
    client = client_for(site_admin)
    with django_assert_num_queries(1):
        response = client.get(ROOMS, {"limit": 50})
    results = response.json()["results"]
    assert len(results) == 50
    assert {(r["member_count"], r["message_count"]) for r in results} == {(1, 1)}


def test_one_room_and_an_unknown_room(site_admin, alice):
    room = room_owned_by(alice, name="hideout", type=Room.Type.PRIVATE)
    response = client_for(site_admin).get(f"{ROOMS}/{room.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "hideout"
    assert_error(client_for(site_admin).get(f"{ROOMS}/999999"), 404, "not_found")
    assert_error(
        client_for(site_admin).patch(f"{ROOMS}/999999", {"archived": True}, format="json"),
        404,
        "not_found",
    )
    assert_error(client_for(site_admin).delete(f"{ROOMS}/999999"), 404, "not_found")


# --- changing ---------------------------------------------------------------------


def test_archiving_a_private_room_makes_it_read_only_and_is_audited(site_admin, alice):
    room = room_owned_by(alice, type=Room.Type.PRIVATE)

    response = client_for(site_admin).patch(
        f"{ROOMS}/{room.pk}", {"archived": True}, format="json", REMOTE_ADDR="198.51.100.9"
    )

    assert response.status_code == 200, response.content
    assert response.json()["archived"] is True
    assert_error(post_message(alice, room), 403, "permission_denied")
    entry = AuditEntry.objects.get(action="room.archived")
    assert (entry.actor, entry.target_id, entry.ip) == (site_admin, str(room.pk), "198.51.100.9")

    response = client_for(site_admin).patch(f"{ROOMS}/{room.pk}", {"archived": False}, "json")
    assert response.json()["archived"] is False
    assert AuditEntry.objects.filter(action="room.unarchived").count() == 1
    assert post_message(alice, room).status_code == 201


def test_name_topic_and_description_change(site_admin, alice):
    room = room_owned_by(alice)
    body = {"name": "  lobby ", "topic": "welcome", "description": "Say hello."}
    response = client_for(site_admin).patch(f"{ROOMS}/{room.pk}", body, format="json")
    assert response.status_code == 200, response.content
    shown = response.json()
    assert (shown["name"], shown["topic"], shown["description"]) == (
        "lobby",
        "welcome",
        "Say hello.",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"archived": "yes"}, "archived"),
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"topic": 5}, "topic"),
        ({"type": "private"}, "type"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field(site_admin, alice, body, field):
    room = room_owned_by(alice, name="general")
    response = client_for(site_admin).patch(f"{ROOMS}/{room.pk}", body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]
    room.refresh_from_db()
    assert (room.name, room.type, room.archived_at) == ("general", "public", None)


def test_a_direct_conversation_cannot_be_changed_or_deleted(site_admin, direct):
    admin = client_for(site_admin)
    error = assert_error(
        admin.patch(f"{ROOMS}/{direct.pk}", {"archived": True}, format="json"),
        403,
        "permission_denied",
    )
    assert "Direct conversations" in error["message"]
    assert_error(admin.delete(f"{ROOMS}/{direct.pk}"), 403, "permission_denied")
    direct.refresh_from_db()
    assert direct.archived_at is None


def test_deleting_a_room_removes_its_messages_tells_its_members_and_is_audited(
    site_admin, alice, bob, capture_events
):
    room = room_owned_by(alice, name="doomed", type=Room.Type.PRIVATE)
    MembershipFactory(room=room, user=bob)
    MessageFactory(room=room, author=bob)

    with capture_events() as events:
        response = client_for(site_admin).delete(f"{ROOMS}/{room.pk}")

    assert response.status_code == 204
    assert not Room.objects.filter(pk=room.pk).exists()
    assert not Message.objects.filter(room_id=room.pk).exists()
    [gone] = [e for e in events if e.room_id == room.pk]
    # The room's sockets (every member's) get the frame, then stop receiving the room.
    assert gone.type == "room.deleted"
    assert gone.frame["room"]["deleted"] is True
    entry = AuditEntry.objects.get(action="room.deleted")
    assert (entry.actor, entry.target_id) == (site_admin, str(room.pk))
    assert entry.details == {"name": "doomed", "type": "private"}


def test_a_moderator_reads_rooms_but_cannot_change_them(alice):
    moderator = UserFactory(role=User.Role.MODERATOR)
    room = room_owned_by(alice)
    client = client_for(moderator)
    assert client.get(f"{ROOMS}/{room.pk}").status_code == 200
    assert_error(
        client.patch(f"{ROOMS}/{room.pk}", {"archived": True}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(client.delete(f"{ROOMS}/{room.pk}"), 403, "permission_denied")
