"""Fixtures of the messaging tests: people, rooms made over the API, and API helpers.

Rooms and memberships are made through the real endpoints (POST /rooms,
POST /rooms/{id}/members); bulk history for pagination and query-count tests
comes from MessageFactory, which writes rows the way post_message does.
"""

from __future__ import annotations

import re

import factory
import pytest

from accounts.models import User
from messaging.models import Message
from tests.factories import UserFactory
from tests.helpers import assert_error, client_for  # noqa: F401 (shared helpers)

API = "/api/v1"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
MESSAGE_KEYS = {
    "id",
    "room_id",
    "author",
    "content",
    "created_at",
    "edited_at",
    "deleted",
    "parent_id",
    "reply_count",
    "reactions",
    "mentions",
}


class MessageFactory(factory.django.DjangoModelFactory):
    """A stored message (history set-up); behaviour under test goes through the API."""

    class Meta:
        model = Message

    content = factory.Sequence(lambda n: f"message number {n}")


def create_room(owner: User, *, type: str = "public", name: str = "general") -> int:
    response = client_for(owner).post(f"{API}/rooms", {"name": name, "type": type}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def join(user: User, room_id: int) -> None:
    response = client_for(user).post(f"{API}/rooms/{room_id}/members", {}, format="json")
    assert response.status_code in (200, 201), response.content


def add_member(admin: User, room_id: int, user: User) -> None:
    response = client_for(admin).post(
        f"{API}/rooms/{room_id}/members", {"user_id": user.pk}, format="json"
    )
    assert response.status_code in (200, 201), response.content


def set_role(admin: User, room_id: int, user: User, role: str) -> None:
    response = client_for(admin).patch(
        f"{API}/rooms/{room_id}/members/{user.pk}", {"role": role}, format="json"
    )
    assert response.status_code == 200, response.content


def archive(admin: User, room_id: int) -> None:
    response = client_for(admin).patch(f"{API}/rooms/{room_id}", {"archived": True}, format="json")
    assert response.status_code == 200, response.content


def post_message(user: User, room_id: int, content: str = "hello", /, **extra):
    return client_for(user).post(
        f"{API}/rooms/{room_id}/messages", {"content": content, **extra}, format="json"
    )


def posted(user: User, room_id: int, content: str = "hello", /, **extra) -> dict:
    """Post over the API and return the created message (asserting 201)."""
    response = post_message(user, room_id, content, **extra)
    assert response.status_code == 201, response.content
    return response.json()


def get_message(user: User, message_id: int) -> dict:
    response = client_for(user).get(f"{API}/messages/{message_id}")
    assert response.status_code == 200, response.content
    return response.json()


def history(user: User, room_id: int, **params) -> dict:
    response = client_for(user).get(f"{API}/rooms/{room_id}/messages", params)
    assert response.status_code == 200, response.content
    return response.json()


def search(user: User, **params):
    return client_for(user).get(f"{API}/messages/search", params)


def found_ids(user: User, **params) -> list[int]:
    """Ids of the messages a search answers (asserting 200), in the answer's order."""
    response = search(user, **params)
    assert response.status_code == 200, response.content
    return [result["message"]["id"] for result in response.json()["results"]]


@pytest.fixture
def many_posts(settings):
    """For tests that post more than a person would in ten seconds (the default rate)."""
    settings.RATELIMITS = {**settings.RATELIMITS, "message_user": "1000/10s"}


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", display_name="Alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", display_name="Bob")


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", display_name="Carol")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def guest(db):
    return UserFactory(username="guest", role=User.Role.GUEST)


@pytest.fixture
def room(alice, bob, carol):
    """A public room owned by alice; bob and carol joined it."""
    room_id = create_room(alice, name="general")
    join(bob, room_id)
    join(carol, room_id)
    return room_id


@pytest.fixture
def private_room(alice, bob):
    """A private room owned by alice, with bob added by her."""
    room_id = create_room(alice, type="private", name="secret")
    add_member(alice, room_id, bob)
    return room_id
