"""GET /api/v1/rooms/search?q=: public rooms and my private ones, never others' private or
direct rooms."""

from __future__ import annotations

import pytest

from rooms.models import Room
from tests.factories import MembershipFactory, room_owned_by
from tests.helpers import API, as_user

pytestmark = pytest.mark.django_db


def search(user, query: str = "", **params) -> dict:
    response = as_user(user).get(f"{API}/rooms/search", {"q": query, **params})
    assert response.status_code == 200, response.content
    return response.json()


def found(user, query: str = "") -> set[int]:
    return {room["id"] for room in search(user, query)["results"]}


def test_search_finds_public_rooms_by_name_or_topic_ignoring_case(alice, bob):
    by_name = room_owned_by(bob, name="Gardening Tips")
    by_topic = room_owned_by(bob, name="Backyard", topic="all about GARDENS")
    room_owned_by(bob, name="Cooking")

    assert found(alice, "garden") == {by_name.pk, by_topic.pk}


def test_search_finds_my_private_rooms_but_never_other_peoples(alice, bob):
    mine = room_owned_by(alice, name="Secret garden", type=Room.Type.PRIVATE)
    invited = room_owned_by(bob, name="Garden council", type=Room.Type.PRIVATE)
    MembershipFactory(room=invited, user=alice)
    room_owned_by(bob, name="Garden plot", type=Room.Type.PRIVATE)

    assert found(alice, "garden") == {mine.pk, invited.pk}
    assert found(alice) == {mine.pk, invited.pk}


def test_search_never_shows_direct_rooms_even_my_own(alice, bob):
    response = as_user(alice).post(f"{API}/rooms/direct", {"user_id": bob.pk}, format="json")
    assert response.status_code == 201, response.content
    direct_name = response.json()["name"]

    assert found(alice) == set()
    assert found(alice, direct_name[:3]) == set()
    assert found(bob, "alice") == set()


def test_search_results_say_my_role_and_the_member_count(alice, bob):
    room = room_owned_by(bob, name="Lobby")
    MembershipFactory(room=room, user=alice)
    other = room_owned_by(bob, name="Lounge")

    results = {room["id"]: room for room in search(alice, "l")["results"]}

    assert results[room.pk]["role"] == "member"
    assert results[room.pk]["member_count"] == 2
    assert results[other.pk]["role"] is None
    assert results[other.pk]["member_count"] == 1


def test_a_guest_finds_public_rooms(guest, bob):
    public = room_owned_by(bob, name="Lobby")
    room_owned_by(bob, name="Lobby staff", type=Room.Type.PRIVATE)

    assert found(guest, "lobby") == {public.pk}


def test_search_results_are_paginated(alice, bob):
    for n in range(3):
        room_owned_by(bob, name=f"Lobby {n}")

    first = search(alice, "lobby", limit=2)
    assert [room["name"] for room in first["results"]] == ["Lobby 0", "Lobby 1"]
    assert first["next"]
    assert first["previous"] is None
    second = as_user(alice).get(first["next"]).json()

    assert [room["name"] for room in second["results"]] == ["Lobby 2"]
    assert second["next"] is None


def test_a_site_admin_searching_gets_public_rooms_and_their_own_private_ones(
    alice, bob, site_admin
):
    # API.md: "public rooms (and my private ones)". Site admins reach other
    # people's private rooms by id and through /admin/rooms, not through search.
    public = room_owned_by(bob, name="Garden")
    theirs = room_owned_by(site_admin, name="Garden staff", type=Room.Type.PRIVATE)
    room_owned_by(alice, name="Garden secrets", type=Room.Type.PRIVATE)

    assert found(site_admin, "garden") == {public.pk, theirs.pk}
