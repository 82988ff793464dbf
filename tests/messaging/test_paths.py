"""Every messages-API path answers the same with and without a trailing slash, never redirecting."""

from __future__ import annotations

import pytest

from lair.urlpaths import MAX_ID
from tests.helpers import API, assert_error, client_for, posted


@pytest.fixture
def message(alice, room):
    return posted(alice, room, "root")


def requests_of(room: int, message: dict) -> list[tuple[str, str, dict | None, int]]:
    """(method, path, body, status) of every messaging route."""
    mid = message["id"]
    return [
        ("get", "/rooms", None, 200),
        ("post", "/rooms", {"name": "new room", "type": "public"}, 201),
        ("get", f"/rooms/{room}/messages", None, 200),
        ("post", f"/rooms/{room}/messages", {"content": "hi"}, 201),
        ("post", f"/rooms/{room}/read", {"message_id": mid}, 200),
        ("get", "/messages/search?q=root", None, 200),
        ("get", f"/messages/{mid}", None, 200),
        ("patch", f"/messages/{mid}", {"content": "edited"}, 200),
        ("get", f"/messages/{mid}/thread", None, 200),
        ("post", f"/messages/{mid}/reactions", {"emoji": "👍"}, 201),
        ("delete", f"/messages/{mid}/reactions/👍", None, 204),
        ("delete", f"/messages/{mid}", None, 204),
    ]


def with_slash(path: str) -> str:
    route, _, query = path.partition("?")
    return f"{route}/?{query}" if query else f"{route}/"


@pytest.mark.parametrize("slash", [False, True], ids=["bare", "slash"])
def test_every_route_answers_its_status_with_or_without_a_trailing_slash(
    alice, room, message, slash
):
    client = client_for(alice)

    for method, path, body, status in requests_of(room, message):
        url = API + (with_slash(path) if slash else path)
        response = (
            getattr(client, method)(url, body, format="json")
            if body
            else getattr(client, method)(url)
        )

        assert response.status_code == status, (method, url, response.content)


@pytest.mark.parametrize(
    "path", ["/messages/{id}", "/messages/{id}/thread", "/rooms/{id}/messages"]
)
def test_an_id_past_the_largest_database_integer_is_an_unknown_path(alice, path):
    url = API + path.format(id=MAX_ID + 1)

    assert_error(client_for(alice).get(url), 404, "not_found")
    assert_error(client_for(alice).get(url + "/"), 404, "not_found")


@pytest.mark.parametrize("slash", ["", "/"], ids=["bare", "slash"])
def test_a_method_a_route_does_not_serve_is_405(alice, message, slash):
    client = client_for(alice)

    put = client.put(f"{API}/messages/{message['id']}{slash}", {"content": "x"}, format="json")
    get_reactions = client.get(f"{API}/messages/{message['id']}/reactions{slash}")
    delete_list = client.delete(f"{API}/rooms{slash}")

    assert_error(put, 405, "method_not_allowed")
    assert_error(get_reactions, 405, "method_not_allowed")
    assert_error(delete_list, 405, "method_not_allowed")
