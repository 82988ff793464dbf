"""POST /api/v1/auth/refresh: rotation, replay detection, and the tokens it refuses."""

from __future__ import annotations

import pytest

from tests.helpers import (
    assert_access_rejected,
    assert_access_works,
    assert_error,
    assert_refresh_rejected,
    client_with,
    refresh_tokens,
    sign_in_device,
)

REFRESH = "/api/v1/auth/refresh"


@pytest.mark.django_db
def test_refresh_answers_a_new_pair_for_the_same_session(signed_in):
    _, answer = signed_in

    response = refresh_tokens(answer["refresh"])

    assert response.status_code == 200, response.content
    pair = response.json()
    assert set(pair) == {"access", "refresh"}
    assert pair["refresh"] != answer["refresh"]
    assert pair["access"] != answer["access"]
    assert assert_access_works(pair["access"])["id"] == answer["session"]["id"]


@pytest.mark.django_db
def test_the_rotated_pair_keeps_rotating(signed_in):
    _, answer = signed_in
    refresh = answer["refresh"]

    for _ in range(3):
        response = refresh_tokens(refresh)
        assert response.status_code == 200, response.content
        refresh = response.json()["refresh"]

    assert_access_works(response.json()["access"])


@pytest.mark.django_db
def test_a_rotated_refresh_token_is_rejected(signed_in):
    _, answer = signed_in
    assert refresh_tokens(answer["refresh"]).status_code == 200

    assert_error(refresh_tokens(answer["refresh"]), 401, "token_invalid")


@pytest.mark.django_db
def test_replayed_refresh_token_revokes_the_whole_session(signed_in):
    _, answer = signed_in
    newest = refresh_tokens(answer["refresh"]).json()

    # Someone presents the old refresh token again: a stolen copy.
    assert_error(refresh_tokens(answer["refresh"]), 401, "token_invalid")

    # The legitimate holder of the newest pair is signed out too.
    assert_access_rejected(newest["access"])
    assert_refresh_rejected(newest["refresh"])


@pytest.mark.django_db
def test_a_replay_revokes_only_that_session(user):
    _, phone = sign_in_device(user.username)
    _, laptop = sign_in_device(user.username)
    assert refresh_tokens(phone["refresh"]).status_code == 200

    assert_refresh_rejected(phone["refresh"])

    assert_access_works(laptop["access"])
    assert refresh_tokens(laptop["refresh"]).status_code == 200


@pytest.mark.django_db
def test_an_access_token_presented_as_refresh_fails(signed_in):
    _, answer = signed_in

    assert_error(refresh_tokens(answer["access"]), 401, "token_invalid")

    # Nothing was revoked: the real refresh token still works.
    assert refresh_tokens(answer["refresh"]).status_code == 200


@pytest.mark.django_db
def test_a_refresh_token_presented_as_access_fails(signed_in):
    _, answer = signed_in

    assert_access_rejected(answer["refresh"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "garbage",
    [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOjF9.c2lnbmF0dXJl",
        "x" * 4096,
    ],
)
def test_a_garbage_refresh_token_is_token_invalid(api, garbage):
    assert_error(refresh_tokens(garbage), 401, "token_invalid")


@pytest.mark.django_db
def test_a_tampered_refresh_token_is_token_invalid(signed_in):
    _, answer = signed_in
    header, payload, signature = answer["refresh"].split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"

    assert_error(refresh_tokens(tampered), 401, "token_invalid")


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": None}, {"refresh": "x" * 5000}])
def test_a_missing_or_oversized_refresh_field_is_a_validation_error(api, body):
    error = assert_error(api.post(REFRESH, body, format="json"), 400, "validation_error")

    assert "refresh" in error["details"]


@pytest.mark.django_db
def test_a_garbage_bearer_token_is_token_invalid(api):
    assert_error(client_with("garbage").get("/api/v1/sessions"), 401, "token_invalid")


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer \u00e9t\u00e9"])
def test_a_malformed_authorization_header_is_token_invalid(api, header):
    api.credentials(HTTP_AUTHORIZATION=header)

    assert_error(api.get("/api/v1/sessions"), 401, "token_invalid")


@pytest.mark.django_db
def test_refresh_with_a_trailing_slash_works_the_same(signed_in, api):
    _, answer = signed_in

    response = api.post(REFRESH + "/", {"refresh": answer["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    assert_access_works(response.json()["access"])
    assert_refresh_rejected(answer["refresh"])
