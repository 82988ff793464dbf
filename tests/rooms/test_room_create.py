"""POST /api/v1/rooms: anyone but a guest creates a public or private room and owns it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from rooms.models import Room
from tests.helpers import API, as_user, assert_error, member_roles

pytestmark = pytest.mark.django_db

ROOMS = f"{API}/rooms"


@pytest.mark.parametrize("room_type", ["public", "private"])
def test_creating_a_room_answers_201_with_the_creator_as_owner(alice, room_type):
    response = as_user(alice).post(
        ROOMS,
        {"name": "  Book club ", "description": "We read", "topic": "Dune", "type": room_type},
        format="json",
    )

    assert response.status_code == 201, response.content
    room = response.json()
    assert room["name"] == "Book club"
    assert room["description"] == "We read"
    assert room["topic"] == "Dune"
    assert room["type"] == room_type
    assert room["created_by"] == alice.pk
    assert room["role"] == "owner"
    assert room["member_count"] == 1
    assert room["archived"] is False
    assert room["archived_at"] is None
    assert member_roles(Room.objects.get(pk=room["id"])) == {alice.pk: "owner"}


def test_a_new_room_shows_up_in_my_room_list(alice):
    room = as_user(alice).post(ROOMS, {"name": "Mine", "type": "private"}, format="json").json()

    listed = as_user(alice).get(ROOMS).json()["results"]

    assert [item["id"] for item in listed] == [room["id"]]
    assert listed[0]["role"] == "owner"


def test_a_guest_cannot_create_rooms(guest):
    response = as_user(guest).post(ROOMS, {"name": "Lobby", "type": "public"}, format="json")

    assert_error(response, 403, "permission_denied")
    assert not Room.objects.exists()


def test_creating_a_room_needs_credentials():
    response = APIClient().post(ROOMS, {"name": "Lobby", "type": "public"}, format="json")

    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Lobby", "type": "secret"}, "type"),
        ({"name": "Lobby", "type": "direct"}, "type"),
        ({"name": "", "type": "public"}, "name"),
        ({"name": "   ", "type": "public"}, "name"),
        ({"name": "x" * 81, "type": "public"}, "name"),
        ({"type": "public"}, "name"),
        ({"name": "Lobby", "type": "public", "topic": "t" * 251}, "topic"),
    ],
    ids=[
        "unknown-type",
        "direct-type",
        "empty-name",
        "blank-name",
        "long-name",
        "no-name",
        "long-topic",
    ],
)
def test_invalid_rooms_are_refused_with_the_field_named(alice, body, field):
    response = as_user(alice).post(ROOMS, body, format="json")

    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]
    assert not Room.objects.exists()


def test_a_room_body_that_is_not_an_object_is_a_validation_error(alice):
    response = as_user(alice).post(ROOMS, ["Lobby"], format="json")

    assert_error(response, 400, "validation_error")


def test_server_managed_fields_sent_on_create_are_ignored(alice, bob):
    response = as_user(alice).post(
        ROOMS,
        {
            "name": "Lobby",
            "type": "public",
            "id": 424242,
            "created_by": bob.pk,
            "archived": True,
            "archived_at": "2020-01-01T00:00:00Z",
            "member_count": 99,
            "role": "member",
            "direct_key": "1:2",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    room = response.json()
    assert room["id"] != 424242
    assert room["created_by"] == alice.pk
    assert room["archived"] is False
    assert room["archived_at"] is None
    assert room["member_count"] == 1
    assert room["role"] == "owner"
    stored = Room.objects.get(pk=room["id"])
    assert stored.created_by_id == alice.pk
    assert stored.archived_at is None
    assert stored.direct_key is None
    assert member_roles(stored) == {alice.pk: "owner"}


def test_creating_with_a_trailing_slash_works_without_a_redirect(alice):
    response = as_user(alice).post(
        f"{ROOMS}/", {"name": "Slashed", "type": "public"}, format="json"
    )

    assert response.status_code == 201, response.content
