"""Every error of the messages API is exactly {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.helpers import API, assert_error, client_for, posted


@pytest.fixture
def message(alice, room):
    return posted(alice, room, "hello")


def endpoints(room_id: int, message_id: int) -> list[tuple[str, str]]:
    return [
        ("get", f"{API}/rooms/{room_id}/messages"),
        ("post", f"{API}/rooms/{room_id}/messages"),
        ("get", f"{API}/messages/{message_id}"),
        ("patch", f"{API}/messages/{message_id}"),
        ("delete", f"{API}/messages/{message_id}"),
        ("get", f"{API}/messages/{message_id}/thread"),
        ("post", f"{API}/messages/{message_id}/reactions"),
        ("delete", f"{API}/messages/{message_id}/reactions/x"),
        ("get", f"{API}/messages/search?q=hello"),
    ]


def test_every_endpoint_answers_401_in_the_envelope_without_credentials(room, message):
    client = APIClient()
    for method, url in endpoints(room, message["id"]):
        response = getattr(client, method)(url, {}, format="json")
        assert_error(response, 401, "not_authenticated")


def test_malformed_json_is_a_parse_error(alice, room):
    response = client_for(alice).generic(
        "POST",
        f"{API}/rooms/{room}/messages",
        '{"content": "oops',
        content_type="application/json",
    )

    assert_error(response, 400, "parse_error")


def test_json_that_is_not_an_object_is_a_validation_error(alice, room):
    response = client_for(alice).post(f"{API}/rooms/{room}/messages", ["hi"], format="json")

    assert_error(response, 400, "validation_error")


def test_form_encoded_body_is_unsupported_media_type(alice, room):
    response = client_for(alice).post(
        f"{API}/rooms/{room}/messages", "content=hi", content_type="text/plain"
    )

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/messages/{m}"), ("post", "/messages/{m}"), ("delete", "/rooms/{r}/messages")],
)
def test_unsupported_methods_are_405(alice, room, message, method, path):
    url = API + path.format(m=message["id"], r=room)

    assert_error(
        getattr(client_for(alice), method)(url, {}, format="json"), 405, "method_not_allowed"
    )


@pytest.mark.parametrize(
    "path", ["/messages/abc", "/messages/1/nope", "/rooms/abc/messages", "/messages//thread"]
)
def test_unknown_message_urls_are_404_in_the_envelope(alice, path):
    assert_error(client_for(alice).get(API + path), 404, "not_found")
