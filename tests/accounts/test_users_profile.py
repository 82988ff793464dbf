"""GET and PATCH /api/v1/users/profile and /api/v1/users/settings: my own profile and settings."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User, UserSettings
from tests.factories import UserFactory
from tests.helpers import API, as_user, assert_error

pytestmark = pytest.mark.django_db

PROFILE = f"{API}/users/profile"
SETTINGS = f"{API}/users/settings"

PROFILE_FIELDS = {
    "id",
    "username",
    "email",
    "display_name",
    "bio",
    "avatar_url",
    "role",
    "presence",
    "status_text",
    "timezone",
    "date_joined",
}


@pytest.fixture
def me(db):
    return UserFactory(username="alice", email="alice@example.org", display_name="Alice")


# Profile


def test_my_profile_shows_my_own_fields_including_the_email(me):
    response = as_user(me).get(PROFILE)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert body["id"] == me.pk
    assert body["username"] == "alice"
    assert body["email"] == "alice@example.org"
    assert body["role"] == "user"
    assert body["avatar_url"] is None
    assert body["timezone"] == "UTC"
    assert body["presence"] in {"online", "away", "offline"}
    assert body["date_joined"].endswith("Z")


def test_my_profile_needs_credentials():
    assert_error(APIClient().get(PROFILE), 401, "not_authenticated")
    assert_error(APIClient().patch(PROFILE, {}, format="json"), 401, "not_authenticated")


def test_i_change_display_name_bio_status_and_time_zone(me):
    changes = {
        "display_name": "Alice L.",
        "bio": "Down the rabbit hole.",
        "status_text": "Reading",
        "timezone": "Europe/Paris",
    }

    response = as_user(me).patch(PROFILE, changes, format="json")

    assert response.status_code == 200, response.content
    assert {key: response.json()[key] for key in changes} == changes
    again = as_user(me).get(PROFILE).json()
    assert {key: again[key] for key in changes} == changes


def test_a_partial_change_keeps_the_other_fields(me):
    as_user(me).patch(PROFILE, {"bio": "Hello"}, format="json")

    response = as_user(me).patch(PROFILE, {"status_text": "Away"}, format="json")

    assert response.json()["bio"] == "Hello"
    assert response.json()["status_text"] == "Away"
    assert response.json()["display_name"] == "Alice"


def test_identity_and_role_cannot_be_changed_through_the_profile(me):
    other = UserFactory()

    response = as_user(me).patch(
        PROFILE,
        {
            "id": other.pk,
            "username": "mallory",
            "email": "mallory@example.org",
            "role": "admin",
            "is_superuser": True,
            "is_staff": True,
            "is_suspended": True,
            "date_joined": "2000-01-01T00:00:00Z",
            "avatar_url": "https://evil.example/x.png",
            "presence": "online",
            "password": "hunter2hunter2",
            "display_name": "Still Alice",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == me.pk
    assert body["username"] == "alice"
    assert body["email"] == "alice@example.org"
    assert body["role"] == "user"
    assert body["avatar_url"] is None
    assert body["display_name"] == "Still Alice"
    stored = User.objects.get(pk=me.pk)
    assert stored.username == "alice"
    assert stored.email == "alice@example.org"
    assert stored.role == User.Role.USER
    assert not stored.is_superuser
    assert not stored.is_staff
    assert not stored.is_suspended
    assert stored.password == me.password
    assert stored.date_joined == me.date_joined
    other.refresh_from_db()
    assert other.display_name != "Still Alice"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "utc+2", "", "Europe/../etc/passwd"])
def test_an_unknown_time_zone_is_refused(me, zone):
    response = as_user(me).patch(PROFILE, {"timezone": zone}, format="json")

    error = assert_error(response, 400, "validation_error")
    assert "timezone" in error["details"]
    assert User.objects.get(pk=me.pk).timezone == "UTC"


@pytest.mark.parametrize(
    ("field", "value"),
    [("display_name", "x" * 65), ("bio", "x" * 501), ("status_text", "x" * 141)],
)
def test_too_long_profile_fields_are_refused(me, field, value):
    response = as_user(me).patch(PROFILE, {field: value}, format="json")

    assert field in assert_error(response, 400, "validation_error")["details"]
    assert getattr(User.objects.get(pk=me.pk), field) != value


def test_malformed_json_is_a_parse_error(me):
    response = as_user(me).patch(PROFILE, '{"bio": ', content_type="application/json")

    assert_error(response, 400, "parse_error")


# Settings


def test_my_settings_start_with_the_defaults(me):
    response = as_user(me).get(SETTINGS)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "theme": "system",
        "notify": "all",
        "language": "en",
        "show_presence": True,
        "enter_to_send": True,
    }


def test_a_user_without_a_settings_row_gets_the_defaults(me):
    UserSettings.objects.filter(user=me).delete()

    assert as_user(me).get(SETTINGS).json()["notify"] == "all"
    response = as_user(me).patch(SETTINGS, {"theme": "dark"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["theme"] == "dark"


def test_i_change_my_settings(me):
    changes = {"theme": "dark", "notify": "mentions", "language": "fr", "show_presence": False}

    response = as_user(me).patch(SETTINGS, changes, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {**changes, "enter_to_send": True}
    assert as_user(me).get(SETTINGS).json() == {**changes, "enter_to_send": True}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("theme", "neon"),
        ("notify", "sometimes"),
        ("notify", None),
        ("show_presence", "perhaps"),
        ("language", "x" * 17),
    ],
)
def test_a_bad_setting_is_refused_and_nothing_changes(me, field, value):
    response = as_user(me).patch(SETTINGS, {field: value, "enter_to_send": False}, format="json")

    assert field in assert_error(response, 400, "validation_error")["details"]
    assert as_user(me).get(SETTINGS).json() == {
        "theme": "system",
        "notify": "all",
        "language": "en",
        "show_presence": True,
        "enter_to_send": True,
    }


def test_settings_of_someone_else_cannot_be_reached_through_a_user_field(me):
    other = UserFactory()

    response = as_user(me).patch(SETTINGS, {"user": other.pk, "theme": "dark"}, format="json")

    assert response.status_code == 200, response.content
    assert as_user(other).get(SETTINGS).json()["theme"] == "system"
    assert as_user(me).get(SETTINGS).json()["theme"] == "dark"


def test_profile_read_and_profile_write_answer_the_same_shape(db):
    from tests.factories import UserFactory
    from tests.helpers import client_for

    user = UserFactory(display_name="Ada", bio="math")
    client = client_for(user)
    read = client.get("/api/v1/users/profile").json()
    written = client.patch("/api/v1/users/profile", {}, format="json").json()
    assert read == written


# Invisible and control characters


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", "bob\u202e"),
        ("display_name", "b\u200bob"),
        ("display_name", "\x1b[2Jbob"),
        ("status_text", "away\u2066"),
        ("status_text", "away\x00"),
        ("status_text", "away\nback soon"),
        ("bio", "I am \u202ebob"),
        ("bio", "tabs\tok but not\x1b"),
        ("bio", "no carriage\rreturn"),
    ],
)
def test_profile_text_with_invisible_or_control_characters_is_refused(me, field, value):
    response = as_user(me).patch(PROFILE, {field: value}, format="json")

    error = assert_error(response, 400, "validation_error")
    assert field in error["details"], error
    me.refresh_from_db()
    assert getattr(me, field) != value


def test_a_bio_keeps_its_newlines_and_tabs(me):
    response = as_user(me).patch(PROFILE, {"bio": "line one\n\tline two"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["bio"] == "line one\n\tline two"


def test_the_profile_service_refuses_what_the_api_refuses(me):
    from accounts import services
    from lair.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.update_profile(user=me, display_name="eve\u202e")

    assert "display_name" in refused.value.details
