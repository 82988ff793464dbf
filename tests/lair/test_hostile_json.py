"""Hostile JSON bodies: deep nesting is a parse_error, never a server error."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error


def nested(depth: int) -> bytes:
    """``{"username": [[[...]]]}`` nested ``depth`` levels deep."""
    return b'{"username": ' + b"[" * depth + b"]" * depth + b', "password": "x"}'


DEPTHS = [1000, 100_000]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
def test_deeply_nested_json_without_authentication_is_a_parse_error(api, db, path, depth):
    response = api.post(path, nested(depth), content_type="application/json")
    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("depth", DEPTHS)
def test_deeply_nested_json_from_a_signed_in_user_is_a_parse_error(signed_in, depth):
    client, _ = signed_in
    response = client.post("/api/v1/rooms", nested(depth), content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_json_just_within_the_depth_limit_is_parsed(signed_in, settings):
    client, _ = signed_in
    inner = b"[" * (settings.JSON_MAX_DEPTH - 1) + b"]" * (settings.JSON_MAX_DEPTH - 1)
    body = b'{"name": ' + inner + b"}"
    # Parsed, then refused by the field: a list is not a room name.
    error = assert_error(
        client.post("/api/v1/rooms", body, content_type="application/json"),
        400,
        "validation_error",
    )
    assert "name" in error["details"]


def test_brackets_inside_strings_do_not_count_as_nesting(signed_in):
    client, _ = signed_in
    name = "[" * 200 + "{" * 200
    response = client.post("/api/v1/rooms", {"name": name[:80]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == name[:80]


def test_multipart_is_refused_where_only_json_is_accepted(signed_in):
    client, _ = signed_in
    response = client.post("/api/v1/rooms", {"name": "lobby"}, format="multipart")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("body", [b"{", b"NaN", b'{"name": "\\ud800"}', b"\xff\xfe"])
def test_malformed_json_is_a_parse_error(signed_in, body):
    client, _ = signed_in
    response = client.post("/api/v1/rooms", body, content_type="application/json")
    assert_error(response, 400, "parse_error")
