"""POST /api/v1/rooms/{id}/read: my read marker moves forward and the unread counts follow."""

from __future__ import annotations

import pytest

from tests.factories import MembershipFactory, room_owned_by
from tests.helpers import API, as_user, assert_error, my_rooms, posted

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(alice, bob):
    room = room_owned_by(bob)
    MembershipFactory(room=room, user=alice)
    return room


def read(user, room, message_id):
    return as_user(user).post(
        f"{API}/rooms/{room.pk}/read", {"message_id": message_id}, format="json"
    )


def test_reading_up_to_a_message_leaves_only_later_ones_unread(alice, bob, room):
    first = posted(bob, room, "@alice one")
    second = posted(bob, room, "two")
    posted(bob, room, "@alice three")

    response = read(alice, room, second["id"])

    assert response.status_code == 200, response.content
    assert response.json() == {
        "room_id": room.pk,
        "last_read_message_id": second["id"],
        "unread_count": 1,
        "mention_count": 1,
    }
    item = my_rooms(alice)[room.pk]
    assert item["unread_count"] == 1
    assert item["mention_count"] == 1
    assert item["last_read_message_id"] == second["id"]
    assert first["id"] < second["id"]


def test_reading_the_last_message_clears_the_unread_counts(alice, bob, room):
    posted(bob, room, "@alice hi")
    last = posted(bob, room, "bye")

    assert read(alice, room, last["id"]).json()["unread_count"] == 0

    item = my_rooms(alice)[room.pk]
    assert item["unread_count"] == 0
    assert item["mention_count"] == 0


def test_the_read_marker_never_moves_backwards(alice, bob, room):
    first = posted(bob, room, "one")
    second = posted(bob, room, "two")
    read(alice, room, second["id"])

    response = read(alice, room, first["id"])

    assert response.status_code == 200, response.content
    assert response.json()["last_read_message_id"] == second["id"]
    assert response.json()["unread_count"] == 0
    assert my_rooms(alice)[room.pk]["last_read_message_id"] == second["id"]


def test_new_messages_after_the_marker_are_unread_again(alice, bob, room):
    seen = posted(bob, room, "seen")
    read(alice, room, seen["id"])

    posted(bob, room, "new")

    assert my_rooms(alice)[room.pk]["unread_count"] == 1


def test_a_message_of_another_room_cannot_be_my_marker(alice, bob, room):
    elsewhere = room_owned_by(bob)
    MembershipFactory(room=elsewhere, user=alice)
    foreign = posted(bob, elsewhere, "other room")

    assert_error(read(alice, room, foreign["id"]), 404, "not_found")
    assert my_rooms(alice)[room.pk]["last_read_message_id"] == 0


def test_an_unknown_message_cannot_be_my_marker(alice, room):
    assert_error(read(alice, room, 987654), 404, "not_found")


@pytest.mark.parametrize("body", [{}, {"message_id": "abc"}, {"message_id": 0}])
def test_the_read_marker_needs_a_message_id(alice, room, body):
    response = as_user(alice).post(f"{API}/rooms/{room.pk}/read", body, format="json")

    error = assert_error(response, 400, "validation_error")
    assert "message_id" in error["details"]
