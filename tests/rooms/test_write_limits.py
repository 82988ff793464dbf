"""Per-user limits on authenticated writes in rooms: creating rooms, inviting, adding members."""

from __future__ import annotations

import pytest

from lair.ratelimit import CONFIGURED_SCOPES
from rooms.models import Invitation, Membership, Room
from tests.factories import UserFactory, room_owned_by
from tests.helpers import API, as_user, assert_error


@pytest.fixture
def limits(runtime_config):
    def set_rate(scope: str, rate: str) -> None:
        runtime_config(**{CONFIGURED_SCOPES[scope]: rate})

    return set_rate


def create_room(user, name: str):
    return as_user(user).post(f"{API}/rooms", {"name": name}, format="json")


def test_creating_rooms_past_the_rate_answers_429_and_creates_nothing(alice, limits):
    limits("room_create_user", "2/3600")
    assert create_room(alice, "one").status_code == 201
    assert create_room(alice, "two").status_code == 201

    response = create_room(alice, "three")

    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"]
    assert not Room.objects.filter(name="three").exists()


def test_inviting_past_the_rate_answers_429_and_invites_nobody(owner, limits):
    limits("invitation_user", "2/3600")
    room = room_owned_by(owner, type=Room.Type.PRIVATE)
    people = UserFactory.create_batch(3)
    for person in people[:2]:
        response = as_user(owner).post(
            f"{API}/rooms/{room.pk}/invitations", {"user_id": person.pk}, format="json"
        )
        assert response.status_code == 201, response.content

    response = as_user(owner).post(
        f"{API}/rooms/{room.pk}/invitations", {"user_id": people[2].pk}, format="json"
    )

    assert_error(response, 429, "rate_limited")
    assert not Invitation.objects.filter(invitee=people[2]).exists()


def test_adding_members_past_the_rate_answers_429_and_adds_nobody(owner, limits):
    limits("member_add_user", "2/3600")
    room = room_owned_by(owner, type=Room.Type.PRIVATE)
    people = UserFactory.create_batch(3)
    for person in people[:2]:
        response = as_user(owner).post(
            f"{API}/rooms/{room.pk}/members", {"user_id": person.pk}, format="json"
        )
        assert response.status_code == 201, response.content

    response = as_user(owner).post(
        f"{API}/rooms/{room.pk}/members", {"user_id": people[2].pk}, format="json"
    )

    assert_error(response, 429, "rate_limited")
    assert not Membership.objects.filter(room=room, user=people[2]).exists()


def test_the_room_limit_of_one_user_leaves_others_alone(alice, bob, limits):
    limits("room_create_user", "1/3600")
    assert create_room(alice, "one").status_code == 201
    assert_error(create_room(alice, "two"), 429, "rate_limited")

    assert create_room(bob, "bobs").status_code == 201
