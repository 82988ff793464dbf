"""GET /api/v1/users?q= and /api/v1/users/{id}: finding people and their public profiles."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import API, as_user, assert_error

pytestmark = pytest.mark.django_db

USERS = f"{API}/users"
PUBLIC_FIELDS = {
    "id",
    "username",
    "display_name",
    "bio",
    "avatar_url",
    "role",
    "presence",
    "status_text",
    "last_seen",
}


@pytest.fixture
def me(db):
    return UserFactory(username="viewer", display_name="The Viewer")


def search(user, **params) -> dict:
    response = as_user(user).get(USERS, params)
    assert response.status_code == 200, response.content
    return response.json()


def usernames(body: dict) -> list[str]:
    return [item["username"] for item in body["results"]]


def test_search_matches_usernames_and_display_names_ignoring_case(me):
    UserFactory(username="alice", display_name="Alice Liddell")
    UserFactory(username="bob", display_name="Bob the Builder")
    UserFactory(username="rabbit", display_name="White Rabbit")
    UserFactory(username="ALIEN", display_name="Zorg")

    assert set(usernames(search(me, q="ali"))) == {"alice", "ALIEN"}
    assert usernames(search(me, q="RABBIT")) == ["rabbit"]
    assert usernames(search(me, q="builder")) == ["bob"]


def test_search_ranks_the_exact_username_first(me):
    UserFactory(username="annabel", display_name="Ann")
    UserFactory(username="ann", display_name="Zed")
    UserFactory(username="joanne", display_name="Jo")

    assert usernames(search(me, q="ann")) == ["ann", "annabel", "joanne"]


def test_search_results_never_contain_an_email(me):
    UserFactory(username="alice", email="alice@example.org")

    body = search(me, q="alice")

    assert set(body) == {"results", "next", "previous"}
    assert len(body["results"]) == 1
    assert set(body["results"][0]) == PUBLIC_FIELDS
    assert "example.org" not in str(body)


def test_searching_by_email_finds_nobody(me):
    UserFactory(username="alice", email="secret.address@example.org")

    assert search(me, q="secret.address")["results"] == []


def test_deactivated_users_are_not_found(me):
    UserFactory(username="alice")
    UserFactory(username="alicia", is_active=False)

    assert usernames(search(me, q="ali")) == ["alice"]


def test_user_search_is_paginated(me):
    for name in ("ann1", "ann2", "ann3"):
        UserFactory(username=name)

    first = search(me, q="ann", limit=2)
    assert usernames(first) == ["ann1", "ann2"]
    assert first["previous"] is None
    assert first["next"]
    second = as_user(me).get(first["next"]).json()

    assert usernames(second) == ["ann3"]
    assert second["next"] is None
    assert second["previous"]


def test_the_user_directory_needs_credentials():
    assert_error(APIClient().get(USERS), 401, "not_authenticated")


def test_a_public_profile_never_shows_the_email(me):
    alice = UserFactory(
        username="alice", email="alice@example.org", bio="Curious", status_text="Falling"
    )

    response = as_user(me).get(f"{USERS}/{alice.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == PUBLIC_FIELDS
    assert body["id"] == alice.pk
    assert body["username"] == "alice"
    assert body["bio"] == "Curious"
    assert body["status_text"] == "Falling"
    assert body["role"] == "user"
    assert body["presence"] in {"online", "away", "offline"}
    assert "example.org" not in response.content.decode()


def test_an_unknown_user_is_not_found(me):
    assert_error(as_user(me).get(f"{USERS}/987654"), 404, "not_found")


def test_a_deactivated_user_is_not_found(me):
    gone = UserFactory(is_active=False)

    assert_error(as_user(me).get(f"{USERS}/{gone.pk}"), 404, "not_found")
