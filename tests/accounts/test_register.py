"""POST /api/v1/auth/register: a new account, signed in on a new device session."""

from __future__ import annotations

import pytest

from accounts.models import User
from sessions_app.models import DeviceSession
from tests.factories import UserFactory
from tests.helpers import assert_access_works, assert_error

REGISTER = "/api/v1/auth/register"
GOOD_PASSWORD = "a long and unusual passphrase"


def register(api, **fields):
    body = {"username": "alice", "email": "alice@example.org", "password": GOOD_PASSWORD}
    body.update(fields)
    return api.post(REGISTER, body, format="json")


@pytest.mark.django_db
def test_registering_answers_the_user_tokens_and_the_new_session(api):
    response = register(api, display_name="Alice Liddell")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"user", "access", "refresh", "session"}
    assert body["user"]["username"] == "alice"
    assert body["user"]["email"] == "alice@example.org"
    assert body["user"]["display_name"] == "Alice Liddell"
    assert body["session"]["current"] is True
    assert isinstance(body["access"], str)
    assert isinstance(body["refresh"], str)
    # The access token signs in right away, on the session it came with.
    assert assert_access_works(body["access"])["id"] == body["session"]["id"]


@pytest.mark.django_db
def test_a_new_user_gets_the_site_role_user(api):
    response = register(api)

    assert response.status_code == 201, response.content
    assert response.json()["user"]["role"] == "user"
    assert User.objects.get(username="alice").role == User.Role.USER


@pytest.mark.django_db
def test_registering_opens_one_device_session_named_after_the_user_agent(api):
    response = api.post(
        REGISTER,
        {"username": "alice", "email": "alice@example.org", "password": GOOD_PASSWORD},
        format="json",
        HTTP_USER_AGENT="Firefox/140.0",
    )

    assert response.status_code == 201, response.content
    session = response.json()["session"]
    assert session["device_name"] == "Firefox/140.0"
    assert session["user_agent"] == "Firefox/140.0"
    assert DeviceSession.objects.filter(user__username="alice").count() == 1


@pytest.mark.django_db
def test_the_password_is_stored_as_argon2id_with_owasp_parameters(api):
    assert register(api).status_code == 201

    stored = User.objects.get(username="alice").password
    assert stored.startswith("argon2$argon2id$")
    assert "$m=19456,t=2,p=1$" in stored
    assert GOOD_PASSWORD not in stored


@pytest.mark.django_db
def test_role_and_staff_flags_in_the_body_are_ignored(api):
    response = register(api, role="admin", is_staff=True, is_superuser=True, id=999)

    assert response.status_code == 201, response.content
    assert response.json()["user"]["role"] == "user"
    user = User.objects.get(username="alice")
    assert user.role == User.Role.USER
    assert user.is_staff is False
    assert user.is_superuser is False
    assert user.pk != 999


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["Alice", "ALICE", "alice"])
def test_a_username_taken_in_any_case_is_a_conflict(api, taken):
    UserFactory(username=taken, email="someone@example.org")

    error = assert_error(register(api, username="aLiCe"), 409, "conflict")

    assert "username" in error["details"]
    assert User.objects.filter(username__iexact="alice").count() == 1


@pytest.mark.django_db
def test_an_email_registered_in_another_case_is_a_conflict(api):
    UserFactory(username="someone", email="alice@example.org")

    error = assert_error(register(api, email="ALICE@Example.ORG"), 409, "conflict")

    # Nothing tells that this address has an account: no field, the generic message.
    assert error["details"] == {}
    assert "email" not in error["message"].lower().replace("username or email", "")
    assert not User.objects.filter(username="alice").exists()


@pytest.mark.django_db
def test_a_taken_username_and_a_taken_email_answer_the_same_message(api):
    UserFactory(username="someone", email="alice@example.org")
    UserFactory(username="bob", email="bob@example.org")

    by_email = assert_error(register(api, email="alice@example.org"), 409, "conflict")
    by_username = assert_error(register(api, username="bob"), 409, "conflict")

    assert by_email["message"] == by_username["message"]
    assert "already registered" not in by_email["message"]


HOSTILE_NAMES = {
    "bidi-override": "alice\u202egnp.exe",
    "bidi-isolate": "\u2067alice",
    "lrm": "alice\u200e",
    "arabic-letter-mark": "\u061calice",
    "zero-width-space": "al\u200bice",
    "zero-width-joiner": "al\u200dice",
    "word-joiner": "al\u2060ice",
    "bom": "\ufeffalice",
    "escape": "\x1b[31malice",
    "bell": "alice\x07",
    "newline": "alice\nbob",
    "c1": "alice\x9b",
    "del": "alice\x7f",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_display_name_with_invisible_or_control_characters_is_refused(api, name):
    error = assert_error(register(api, display_name=name), 400, "validation_error")

    assert "display_name" in error["details"]
    assert "Display name" in error["message"]
    assert not User.objects.filter(username="alice").exists()


@pytest.mark.django_db
def test_a_device_name_with_control_characters_is_refused(api):
    UserFactory(username="alice")
    response = api.post(
        "/api/v1/auth/login",
        {
            "username": "alice",
            "password": "correct horse battery staple",
            "device_name": "phone\x1b]0;pwned\x07",
        },
        format="json",
    )

    error = assert_error(response, 400, "validation_error")
    assert "device_name" in error["details"]


@pytest.mark.django_db
def test_a_display_name_in_any_script_is_accepted(api):
    response = register(api, display_name="أليس 🐇 Алиса")

    assert response.status_code == 201, response.content
    assert response.json()["user"]["display_name"] == "أليس 🐇 Алиса"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    ["ab", "a" * 33, "bad name", "bad!name", "al/ice", "émile", "alice@example.org"],
)
def test_a_malformed_username_is_a_validation_error(api, username):
    error = assert_error(register(api, username=username), 400, "validation_error")

    assert "username" in error["details"]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["abc", "a" * 32, "Al.ice_-9"])
def test_usernames_of_3_to_32_allowed_characters_are_accepted(api, username):
    assert register(api, username=username).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    [
        "Sh0rt!",  # shorter than 8
        "password",  # common
        "31415926535",  # numeric only
        "alice.example",  # too close to the username and email
    ],
)
def test_a_weak_password_is_a_validation_error(api, password):
    error = assert_error(register(api, password=password), 400, "validation_error")

    assert "password" in error["details"]
    assert error["details"]["password"]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-email", "alice@", "@example.org", ""])
def test_a_malformed_email_is_a_validation_error(api, email):
    error = assert_error(register(api, email=email), 400, "validation_error")

    assert "email" in error["details"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_missing_fields_are_each_reported(api):
    error = assert_error(api.post(REGISTER, {}, format="json"), 400, "validation_error")

    assert set(error["details"]) == {"username", "email", "password"}


@pytest.mark.django_db
def test_registration_can_be_closed(api, runtime_config):
    runtime_config(registration_open=False)

    assert_error(register(api), 403, "permission_denied")

    assert not User.objects.exists()
    assert not DeviceSession.objects.exists()


@pytest.mark.django_db
def test_register_with_a_trailing_slash_works_the_same(api):
    response = api.post(
        REGISTER + "/",
        {"username": "alice", "email": "alice@example.org", "password": GOOD_PASSWORD},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["user"]["username"] == "alice"
