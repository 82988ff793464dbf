"""POST /api/v1/auth/login: a username or an email, a password, a new device session."""

from __future__ import annotations

import logging

import argon2
import pytest

from accounts.models import User
from sessions_app.models import DeviceSession
from tests.factories import PASSWORD, UserFactory
from tests.helpers import assert_access_works, assert_error, client_with

LOGIN = "/api/v1/auth/login"


def login(api, username, password=PASSWORD, **fields):
    return api.post(LOGIN, {"username": username, "password": password, **fields}, format="json")


@pytest.mark.django_db
def test_login_by_username_answers_the_user_tokens_and_a_new_session(api, user):
    response = login(api, user.username)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"user", "access", "refresh", "session"}
    assert body["user"]["id"] == user.pk
    assert body["user"]["username"] == user.username
    assert body["user"]["role"] == "user"
    assert body["session"]["current"] is True
    assert assert_access_works(body["access"])["id"] == body["session"]["id"]


@pytest.mark.django_db
def test_login_by_username_ignores_case(api):
    user = UserFactory(username="Alice")

    response = login(api, "aLICE")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == user.pk


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["alice@example.org", "ALICE@EXAMPLE.ORG", " Alice@Example.org "])
def test_login_by_email_ignores_case(api, typed):
    user = UserFactory(username="wonder", email="alice@example.org")

    response = login(api, typed)

    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == user.pk


@pytest.mark.django_db
def test_the_device_name_is_stored_on_the_session(api, user):
    response = login(api, user.username, device_name="Alice's phone")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["session"]["device_name"] == "Alice's phone"
    listed = client_with(body["access"]).get("/api/v1/sessions").json()["results"]
    assert [s["device_name"] for s in listed] == ["Alice's phone"]


@pytest.mark.django_db
def test_without_a_device_name_the_session_is_named_after_the_user_agent(api, user):
    response = api.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT="LairChat-Android/2.1",
    )

    assert response.status_code == 200, response.content
    session = response.json()["session"]
    assert session["device_name"] == "LairChat-Android/2.1"
    assert session["user_agent"] == "LairChat-Android/2.1"
    assert session["ip"] == "127.0.0.1"


@pytest.mark.django_db
def test_every_login_opens_its_own_session(api, user):
    first = login(api, user.username).json()
    second = login(api, user.username).json()

    assert first["session"]["id"] != second["session"]["id"]
    assert DeviceSession.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_wrong_password_and_unknown_user_get_the_same_answer(api, user):
    wrong_password = login(api, user.username, "not the password")
    unknown_user = login(api, "nobody-here", "not the password")

    assert_error(wrong_password, 401, "authentication_failed")
    assert_error(unknown_user, 401, "authentication_failed")
    assert wrong_password.json() == unknown_user.json()
    assert not DeviceSession.objects.exists()


@pytest.mark.django_db
def test_a_suspended_user_cannot_log_in(api):
    user = UserFactory(is_suspended=True)

    error = assert_error(login(api, user.username), 401, "authentication_failed")

    assert error["message"] == "Invalid username or password."
    assert not DeviceSession.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_suspended_user_gets_the_same_answer_with_the_right_and_a_wrong_password(api):
    # A different answer for the right password would confirm a guessed password.
    user = UserFactory(is_suspended=True)

    right = login(api, user.username, PASSWORD)
    wrong = login(api, user.username, "not the password")
    unknown = login(api, "nobody-here", "not the password")

    assert right.status_code == wrong.status_code == unknown.status_code == 401
    assert right.content == wrong.content == unknown.content
    assert right["Content-Type"] == wrong["Content-Type"]
    assert not DeviceSession.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_failed_logins_are_logged_as_security_events(api, user, caplog):
    suspended = UserFactory(is_suspended=True)

    with caplog.at_level(logging.INFO, logger="lair.security"):
        login(api, user.username, "not the password")
        login(api, suspended.username, PASSWORD)
        assert login(api, user.username).status_code == 200

    events = [r for r in caplog.records if r.name == "lair.security"]
    assert [r.action for r in events] == ["login.failed", "login.failed"]
    assert [r.user_id for r in events] == [user.pk, suspended.pk]
    assert [r.ip for r in events] == ["127.0.0.1", "127.0.0.1"]
    # The password never reaches the log.
    assert not any("not the password" in r.getMessage() for r in events)


@pytest.mark.django_db
def test_a_deactivated_user_cannot_log_in(api):
    user = UserFactory(is_active=False)

    assert_error(login(api, user.username), 401, "authentication_failed")

    assert not DeviceSession.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password"}),
        ({"username": "alice"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "   ", "password": PASSWORD}, {"username"}),
    ],
)
def test_missing_credentials_are_a_validation_error(api, body, fields):
    error = assert_error(api.post(LOGIN, body, format="json"), 400, "validation_error")

    assert set(error["details"]) == fields


@pytest.mark.django_db
def test_an_older_password_hash_is_upgraded_to_argon2id_at_login(api):
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=argon2.Type.ID)
    user = UserFactory(password="argon2" + weak.hash(PASSWORD))

    assert login(api, user.username).status_code == 200

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert "$m=19456,t=2,p=1$" in user.password


@pytest.mark.django_db
def test_login_with_a_trailing_slash_works_the_same(api, user):
    response = api.post(
        LOGIN + "/", {"username": user.username, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"user", "access", "refresh", "session"}
    assert body["user"]["id"] == user.pk
    assert User.objects.get(pk=user.pk).device_sessions.count() == 1
