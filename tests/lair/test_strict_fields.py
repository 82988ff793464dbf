"""Request bodies take strings, integers and booleans as exactly that: no coercion."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.helpers import assert_error, client_for

API = "/api/v1"


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def room_id(owner):
    response = client_for(owner).post(f"{API}/rooms", {"name": "lobby"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def refused(response, field: str) -> None:
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"], error


@pytest.mark.parametrize("value", [0, 1.5, True, ["x"], {"x": 1}])
def test_a_room_topic_must_be_text(owner, value):
    response = client_for(owner).post(
        f"{API}/rooms", {"name": "lobby", "topic": value}, format="json"
    )
    refused(response, "topic")


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_archived_must_be_a_boolean(owner, room_id, value):
    response = client_for(owner).patch(f"{API}/rooms/{room_id}", {"archived": value}, format="json")
    refused(response, "archived")


@pytest.mark.parametrize("value", [0, "false", "no"])
def test_settings_flags_must_be_booleans(owner, value):
    response = client_for(owner).patch(
        f"{API}/users/settings", {"enter_to_send": value}, format="json"
    )
    refused(response, "enter_to_send")


@pytest.mark.parametrize("value", ["5", 5.0, True, 2**64, -1, 0])
def test_ids_in_bodies_must_be_positive_integers_that_fit(owner, value):
    response = client_for(owner).post(f"{API}/rooms/direct", {"user_id": value}, format="json")
    refused(response, "user_id")


def test_a_choice_must_be_its_string(owner):
    response = client_for(owner).post(f"{API}/rooms", {"name": "lobby", "type": 1}, format="json")
    refused(response, "type")


def test_profile_text_must_be_text(owner):
    response = client_for(owner).patch(f"{API}/users/profile", {"bio": 42}, format="json")
    refused(response, "bio")


def test_well_typed_values_are_still_accepted(owner, room_id):
    client = client_for(owner)
    response = client.patch(
        f"{API}/rooms/{room_id}", {"topic": "0", "archived": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["topic"] == "0"
    response = client.patch(f"{API}/users/settings", {"enter_to_send": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["enter_to_send"] is False
