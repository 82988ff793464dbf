"""Room names, topics and descriptions refuse invisible and control characters."""

from __future__ import annotations

import pytest

from rooms.models import Room
from tests.factories import UserFactory
from tests.helpers import assert_error, client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def owner():
    return UserFactory()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "general\u202e"),
        ("name", "gen\u200beral"),
        ("name", "\x1b[5mgeneral"),
        ("name", "gen\neral"),
        ("topic", "news\u2069"),
        ("topic", "news\x07"),
        ("description", "about \u202ethis"),
        ("description", "about\x1b[0m"),
    ],
)
def test_creating_a_room_with_hostile_text_is_refused(owner, field, value):
    body = {"name": "general", field: value}
    error = assert_error(
        client_for(owner).post(f"{API}/rooms", body, format="json"), 400, "validation_error"
    )

    assert field in error["details"], error
    assert not Room.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "x\u2066y"), ("topic", "\ufefftopic"), ("description", "a\x00b")],
)
def test_changing_a_room_to_hostile_text_is_refused(owner, field, value):
    client = client_for(owner)
    room = client.post(f"{API}/rooms", {"name": "general"}, format="json").json()

    response = client.patch(f"{API}/rooms/{room['id']}", {field: value}, format="json")

    error = assert_error(response, 400, "validation_error")
    assert field in error["details"], error
    assert getattr(Room.objects.get(pk=room["id"]), field) != value


def test_a_description_keeps_newlines_and_names_keep_any_script(owner):
    body = {"name": "שלום عالم", "description": "one\n\ttwo", "topic": "🐇 news"}
    response = client_for(owner).post(f"{API}/rooms", body, format="json")

    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in body} == body


def test_the_room_service_refuses_what_the_api_refuses(owner):
    from lair.errors import ValidationError
    from rooms import services

    with pytest.raises(ValidationError) as refused:
        services.create_room(actor=owner, name="a\u202eb", type="public")

    assert "name" in refused.value.details
