"""GET /api/v1/rooms: the rooms I belong to, with my unread state and the last message."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rooms.models import Membership, Room
from tests.factories import MembershipFactory, UserFactory, room_owned_by
from tests.helpers import API, as_user, my_rooms, posted

pytestmark = pytest.mark.django_db


def test_the_room_list_holds_only_the_rooms_i_belong_to(alice, bob):
    mine = room_owned_by(alice)
    joined = room_owned_by(bob)
    MembershipFactory(room=joined, user=alice)
    room_owned_by(bob)  # public, but alice never joined
    room_owned_by(bob, type=Room.Type.PRIVATE)

    response = as_user(alice).get(f"{API}/rooms")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert {room["id"] for room in body["results"]} == {mine.pk, joined.pk}
    roles = {room["id"]: room["role"] for room in body["results"]}
    assert roles == {mine.pk: "owner", joined.pk: "member"}


def test_messages_of_others_are_unread_and_mentions_counted_until_i_read(alice, bob):
    room = room_owned_by(bob)
    MembershipFactory(room=room, user=alice)
    posted(bob, room, "hello everyone")
    posted(bob, room, "@alice are you there?")
    last = posted(bob, room, "anyone?")

    item = my_rooms(alice)[room.pk]

    assert item["unread_count"] == 3
    assert item["mention_count"] == 1
    assert item["last_message"]["id"] == last["id"]
    assert item["last_message"]["content"] == "anyone?"
    assert item["last_message"]["author"]["username"] == "bob"
    assert item["last_read_message_id"] == 0


def test_my_own_messages_are_never_unread(alice, bob):
    room = room_owned_by(alice)
    MembershipFactory(room=room, user=bob)
    posted(alice, room, "I said this")
    posted(alice, room, "and this")

    item = my_rooms(alice)[room.pk]

    assert item["unread_count"] == 0
    assert item["last_message"]["content"] == "and this"
    assert my_rooms(bob)[room.pk]["unread_count"] == 2


def test_a_room_without_messages_has_no_last_message(alice):
    room = room_owned_by(alice)

    item = my_rooms(alice)[room.pk]

    assert item["unread_count"] == 0
    assert item["mention_count"] == 0
    assert item["last_message"] is None


def test_history_from_before_i_joined_is_not_unread(alice, bob):
    room = room_owned_by(bob)
    posted(bob, room, "old news")
    joined = as_user(alice).post(f"{API}/rooms/{room.pk}/members", {}, format="json")
    assert joined.status_code == 201, joined.content
    posted(bob, room, "fresh news")

    item = my_rooms(alice)[room.pk]

    assert item["unread_count"] == 1
    assert item["last_message"]["content"] == "fresh news"


def test_the_most_recently_active_room_comes_first(alice, bob):
    quiet = room_owned_by(alice)
    busy = room_owned_by(alice)
    empty = room_owned_by(alice)
    posted(alice, busy, "first")
    posted(alice, quiet, "second")

    order = [room["id"] for room in as_user(alice).get(f"{API}/rooms").json()["results"]]

    assert order == [quiet.pk, busy.pk, empty.pk]


def test_the_room_list_is_paginated(alice):
    for _ in range(3):
        room_owned_by(alice)

    first = as_user(alice).get(f"{API}/rooms?limit=2").json()
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"]
    second = as_user(alice).get(first["next"]).json()

    assert len(second["results"]) == 1
    assert second["next"] is None
    ids = {room["id"] for room in first["results"] + second["results"]}
    assert len(ids) == 3


def _rooms_with_activity(user, count: int) -> None:
    other = UserFactory()
    for n in range(count):
        room = room_owned_by(other, type=Room.Type.PRIVATE if n % 2 else Room.Type.PUBLIC)
        MembershipFactory(room=room, user=user, role=Membership.Role.MODERATOR)
        posted(other, room, f"@{user.username} message {n}")
        posted(user, room, f"answer {n}")


def _queries_of_room_list(user) -> int:
    client = as_user(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/rooms")
    assert response.status_code == 200, response.content
    return len(queries.captured_queries)


def test_the_room_list_costs_the_same_queries_for_one_room_or_ten(alice, bob):
    _rooms_with_activity(alice, 1)
    _rooms_with_activity(bob, 10)

    one = _queries_of_room_list(alice)
    ten = _queries_of_room_list(bob)

    assert len(my_rooms(bob)) == 10
    assert all(room["last_message"] is not None for room in my_rooms(bob).values())
    assert ten == one
    assert ten <= 6
