"""GET, PATCH, DELETE /api/v1/rooms/{id}: reading, changing, archiving and deleting a room."""

from __future__ import annotations

import pytest

from messaging.models import Message
from rooms.models import Membership, Room
from tests.factories import MembershipFactory, room_owned_by
from tests.helpers import API, as_user, assert_error, posted

pytestmark = pytest.mark.django_db


def url(room) -> str:
    return f"{API}/rooms/{room.pk}"


def test_reading_a_room_shows_its_fields_and_my_role(alice, bob):
    room = room_owned_by(bob, name="Lobby", topic="Say hi", description="The front door")
    MembershipFactory(room=room, user=alice)

    response = as_user(alice).get(url(room))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == room.pk
    assert body["name"] == "Lobby"
    assert body["topic"] == "Say hi"
    assert body["description"] == "The front door"
    assert body["type"] == "public"
    assert body["role"] == "member"
    assert body["member_count"] == 2
    assert body["archived"] is False


def test_an_unknown_room_is_not_found(alice):
    for method in ("get", "patch", "delete"):
        response = getattr(as_user(alice), method)(f"{API}/rooms/999999", {}, format="json")
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_a_room_admin_changes_name_topic_and_description(owner, alice, role):
    room = room_owned_by(owner, name="Lobby")
    if role != Membership.Role.OWNER:
        MembershipFactory(room=room, user=alice, role=role)
    actor = owner if role == Membership.Role.OWNER else alice

    response = as_user(actor).patch(
        url(room), {"name": " Hall ", "topic": "New topic", "description": ""}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Hall"
    assert response.json()["topic"] == "New topic"
    assert as_user(owner).get(url(room)).json()["name"] == "Hall"


@pytest.mark.parametrize("role", [Membership.Role.MODERATOR, Membership.Role.MEMBER])
def test_room_moderators_and_members_cannot_change_the_room(owner, alice, role):
    room = room_owned_by(owner, name="Lobby")
    MembershipFactory(room=room, user=alice, role=role)

    response = as_user(alice).patch(url(room), {"name": "Mine now"}, format="json")

    assert_error(response, 403, "permission_denied")
    assert as_user(owner).get(url(room)).json()["name"] == "Lobby"


def test_a_room_cannot_be_renamed_to_nothing(owner):
    room = room_owned_by(owner, name="Lobby")

    error = assert_error(
        as_user(owner).patch(url(room), {"name": "  "}, format="json"), 400, "validation_error"
    )

    assert "name" in error["details"]


def test_type_creator_and_id_cannot_be_changed_through_patch(owner, alice):
    room = room_owned_by(owner, name="Lobby")

    response = as_user(owner).patch(
        url(room),
        {"type": "private", "created_by": alice.pk, "id": 777, "member_count": 9, "topic": "t"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == room.pk
    assert body["type"] == "public"
    assert body["created_by"] == owner.pk
    assert body["member_count"] == 1
    room.refresh_from_db()
    assert room.type == Room.Type.PUBLIC
    assert room.created_by_id == owner.pk


def test_an_archived_room_is_read_only_until_unarchived(owner, alice, bob):
    room = room_owned_by(owner, name="Lobby")
    MembershipFactory(room=room, user=alice)
    posted(alice, room, "before the archive")

    archived = as_user(owner).patch(url(room), {"archived": True}, format="json")

    assert archived.status_code == 200, archived.content
    assert archived.json()["archived"] is True
    assert archived.json()["archived_at"] is not None
    posting = as_user(alice).post(f"{url(room)}/messages", {"content": "hi"}, format="json")
    assert_error(posting, 403, "permission_denied")
    joining = as_user(bob).post(f"{url(room)}/members", {}, format="json")
    assert_error(joining, 403, "permission_denied")
    renaming = as_user(owner).patch(url(room), {"name": "Renamed"}, format="json")
    assert_error(renaming, 403, "permission_denied")
    history = as_user(alice).get(f"{url(room)}/messages")
    assert history.status_code == 200
    assert [m["content"] for m in history.json()["results"]] == ["before the archive"]

    unarchived = as_user(owner).patch(url(room), {"archived": False}, format="json")

    assert unarchived.status_code == 200, unarchived.content
    assert unarchived.json()["archived"] is False
    assert unarchived.json()["archived_at"] is None
    again = as_user(alice).post(f"{url(room)}/messages", {"content": "back"}, format="json")
    assert again.status_code == 201, again.content


def test_a_room_moderator_cannot_archive(owner, alice):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Membership.Role.MODERATOR)

    response = as_user(alice).patch(url(room), {"archived": True}, format="json")

    assert_error(response, 403, "permission_denied")
    room.refresh_from_db()
    assert room.archived_at is None


def test_the_owner_deletes_the_room_with_its_messages(owner):
    room = room_owned_by(owner)
    posted(owner, room, "bye")

    response = as_user(owner).delete(url(room))

    assert response.status_code == 204, response.content
    assert_error(as_user(owner).get(url(room)), 404, "not_found")
    assert not Message.objects.filter(room_id=room.pk).exists()


def test_a_site_admin_deletes_any_room(owner, site_admin):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)

    assert as_user(site_admin).delete(url(room)).status_code == 204

    assert not Room.objects.filter(pk=room.pk).exists()


def test_a_room_admin_who_is_not_the_owner_cannot_delete_it(owner, alice):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Membership.Role.ADMIN)

    assert_error(as_user(alice).delete(url(room)), 403, "permission_denied")
    assert Room.objects.filter(pk=room.pk).exists()


def test_trailing_slash_works_too(owner):
    room = room_owned_by(owner, name="Lobby")

    response = as_user(owner).patch(f"{url(room)}/", {"topic": "slash"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["topic"] == "slash"


def test_a_room_id_that_is_not_a_number_is_not_found(alice):
    assert_error(as_user(alice).get(f"{API}/rooms/lobby"), 404, "not_found")
    assert_error(as_user(alice).get(f"{API}/rooms/1/nothing-here"), 404, "not_found")
