"""POST /api/v1/auth/password: change the password, sign out every other device."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.helpers import (
    assert_access_rejected,
    assert_access_works,
    assert_error,
    assert_refresh_rejected,
    refresh_tokens,
    sign_in_device,
)

PASSWORD_URL = "/api/v1/auth/password"
NEW_PASSWORD = "an entirely new passphrase"
LOGIN = "/api/v1/auth/login"


def change(client, old=PASSWORD, new=NEW_PASSWORD):
    return client.post(PASSWORD_URL, {"old_password": old, "new_password": new}, format="json")


def login(api, username, password):
    return api.post(LOGIN, {"username": username, "password": password}, format="json")


@pytest.mark.django_db
def test_a_wrong_old_password_is_refused_and_changes_nothing(signed_in, user, api):
    client, _ = signed_in

    error = assert_error(change(client, old="not my password"), 400, "validation_error")

    assert "old_password" in error["details"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["Sh0rt!", "password", "31415926535"])
def test_a_weak_new_password_is_refused(signed_in, user, weak):
    client, _ = signed_in

    error = assert_error(change(client, new=weak), 400, "validation_error")

    # The message is keyed by the field the client sent.
    assert error["details"].get("new_password"), error
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_new_password_must_differ_from_the_old_one(signed_in):
    client, _ = signed_in

    error = assert_error(change(client, new=PASSWORD), 400, "validation_error")

    assert "new_password" in error["details"]


@pytest.mark.django_db
def test_missing_fields_are_a_validation_error(signed_in):
    client, _ = signed_in

    error = assert_error(client.post(PASSWORD_URL, {}, format="json"), 400, "validation_error")

    assert set(error["details"]) == {"old_password", "new_password"}


@pytest.mark.django_db
def test_changing_the_password_needs_a_signed_in_user(api):
    assert_error(change(api), 401, "not_authenticated")


@pytest.mark.django_db
def test_changing_the_password_keeps_this_session_and_revokes_every_other(signed_in, user):
    client, mine = signed_in
    _, laptop = sign_in_device(user.username, device_name="laptop")
    _, tablet = sign_in_device(user.username, device_name="tablet")

    response = change(client)

    assert response.status_code == 204, response.content
    assert response.content == b""
    # This device keeps working: its access token, and its refresh token.
    assert assert_access_works(mine["access"])["id"] == mine["session"]["id"]
    rotated = refresh_tokens(mine["refresh"])
    assert rotated.status_code == 200, rotated.content
    assert_access_works(rotated.json()["access"])
    # Every other device is signed out at once.
    for other in (laptop, tablet):
        assert_access_rejected(other["access"])
        assert_refresh_rejected(other["refresh"])
    listed = client.get("/api/v1/sessions").json()["results"]
    assert [s["id"] for s in listed] == [mine["session"]["id"]]


@pytest.mark.django_db
def test_after_the_change_only_the_new_password_logs_in(signed_in, user, api):
    client, _ = signed_in

    assert change(client).status_code == 204

    assert_error(login(api, user.username, PASSWORD), 401, "authentication_failed")
    response = login(api, user.username, NEW_PASSWORD)
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == user.pk


@pytest.mark.django_db
def test_password_change_with_a_trailing_slash_works_the_same(signed_in, user):
    client, _ = signed_in

    response = client.post(
        PASSWORD_URL + "/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204, response.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
