"""Factories and helpers for the rooms and users tests.

Clients authenticate with ``force_authenticate``: these tests are about rooms
and profiles, not about signing in, and skipping the login keeps them fast.
"""

from __future__ import annotations

import factory

from accounts.models import User
from rooms.models import Invitation, Membership, Room
from tests.factories import UserFactory
from tests.helpers import assert_error, client_for

API = "/api/v1"


class RoomFactory(factory.django.DjangoModelFactory):
    """A room row without members: use ``room_owned_by`` for a room with its owner."""

    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"room-{n}")
    type = Room.Type.PUBLIC
    created_by = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    room = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    room = factory.SubFactory(RoomFactory)
    inviter = None
    invitee = factory.SubFactory(UserFactory)


def room_owned_by(owner: User, **fields) -> Room:
    """A room created by ``owner`` with ``owner`` as its room owner."""
    room = RoomFactory(created_by=owner, **fields)
    MembershipFactory(room=room, user=owner, role=Membership.Role.OWNER)
    return room


as_user = client_for


def post_message(user: User, room: Room | int, content: str = "hello") -> dict:
    """Post a message over the API as ``user``; returns the message object."""
    room_id = room if isinstance(room, int) else room.pk
    response = as_user(user).post(
        f"{API}/rooms/{room_id}/messages", {"content": content}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def my_rooms(user: User) -> dict[int, dict]:
    """GET /rooms as ``user``: their room list items by room id."""
    response = as_user(user).get(f"{API}/rooms")
    assert response.status_code == 200, response.content
    return {room["id"]: room for room in response.json()["results"]}


def member_roles(room: Room) -> dict[int, str]:
    """The room's members as the members endpoint shows them: ``{user id: role}``."""
    owner = room.memberships.order_by("id").first()
    response = as_user(owner.user).get(f"{API}/rooms/{room.pk}/members?limit=100")
    assert response.status_code == 200, response.content
    return {item["user"]["id"]: item["role"] for item in response.json()["results"]}


ERROR_CODES = {400: "validation_error", 403: "permission_denied", 404: "not_found", 409: "conflict"}


def assert_status(response, status: int) -> None:
    """``status``; an error status must also carry the envelope with its code."""
    if status >= 400:
        assert_error(response, status, ERROR_CODES[status])
    else:
        assert response.status_code == status, response.content
