"""POST /api/v1/auth/logout: this device is signed out at once, the others are not."""

from __future__ import annotations

import pytest

from tests.helpers import (
    assert_access_rejected,
    assert_access_works,
    assert_error,
    assert_refresh_rejected,
    refresh_tokens,
    sign_in_device,
)

LOGOUT = "/api/v1/auth/logout"


@pytest.mark.django_db
def test_logout_revokes_both_tokens_of_this_session_at_once(signed_in):
    client, answer = signed_in

    response = client.post(LOGOUT, format="json")

    assert response.status_code == 204, response.content
    assert response.content == b""
    assert_access_rejected(answer["access"])
    assert_refresh_rejected(answer["refresh"])


@pytest.mark.django_db
def test_logout_leaves_the_users_other_sessions_signed_in(signed_in, user):
    client, _ = signed_in
    _, laptop = sign_in_device(user.username, device_name="laptop")

    assert client.post(LOGOUT).status_code == 204

    assert assert_access_works(laptop["access"])["device_name"] == "laptop"
    rotated = refresh_tokens(laptop["refresh"])
    assert rotated.status_code == 200, rotated.content
    assert_access_works(rotated.json()["access"])


@pytest.mark.django_db
def test_a_logged_out_session_disappears_from_the_session_list(signed_in, user):
    client, _ = signed_in
    laptop_client, laptop = sign_in_device(user.username)

    assert client.post(LOGOUT).status_code == 204

    listed = laptop_client.get("/api/v1/sessions").json()["results"]
    assert [s["id"] for s in listed] == [laptop["session"]["id"]]


@pytest.mark.django_db
def test_logging_out_twice_fails_the_second_time(signed_in):
    client, _ = signed_in
    assert client.post(LOGOUT).status_code == 204

    assert_error(client.post(LOGOUT), 401, "token_invalid")


@pytest.mark.django_db
def test_logout_without_credentials_is_not_authenticated(api):
    assert_error(api.post(LOGOUT), 401, "not_authenticated")


@pytest.mark.django_db
def test_logout_with_a_trailing_slash_works_the_same(signed_in):
    client, answer = signed_in

    assert client.post(LOGOUT + "/").status_code == 204

    assert_access_rejected(answer["access"])
    assert_refresh_rejected(answer["refresh"])
