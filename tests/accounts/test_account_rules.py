"""The account services refuse bad input themselves, as a sign-up form or an admin action
calling them would send it, with the answer the API gives for the same input."""

from __future__ import annotations

import pytest

from accounts import selectors, services
from accounts.models import User, UserSettings
from lair.errors import ValidationError
from sessions_app import services as session_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a long and unusual passphrase"


def register(**fields):
    account = {"username": "alice", "email": "alice@example.org", "password": GOOD_PASSWORD}
    account.update(fields)
    return services.register_user(**account)


def refused(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as refusal:
        call(*args, **kwargs)
    return refusal.value


@pytest.mark.parametrize(
    "username",
    ["ab", "x" * 33, "alice smith", "alice!", "ålice", "", "alice\u202e"],
)
def test_registration_refuses_a_username_outside_the_pattern(username):
    error = refused(register, username=username)

    assert list(error.details) == ["username"]
    assert error.message.startswith("username: ")
    assert not User.objects.exists()


def test_a_refused_username_answers_the_pattern_message_of_the_api():
    error = refused(register, username="alice!")

    assert error.details == {
        "username": ["Usernames are 3-32 characters: letters, digits, '_', '.' and '-'."]
    }
    assert error.message == (
        "username: Usernames are 3-32 characters: letters, digits, '_', '.' and '-'."
    )


@pytest.mark.parametrize("email", ["", "not-an-email", "alice@", "a" * 250 + "@example.org"])
def test_registration_refuses_a_missing_or_malformed_email(email):
    error = refused(register, email=email)

    assert "email" in error.details
    assert not User.objects.exists()


@pytest.mark.parametrize("display_name", ["x" * 65, "eve\u202e", "tab\there"])
def test_registration_refuses_a_bad_display_name(display_name):
    error = refused(register, display_name=display_name)

    assert "display_name" in error.details
    assert not User.objects.exists()


def test_registration_refuses_a_password_the_validators_refuse_or_too_long_to_hash():
    assert "password" in refused(register, password="alice").details
    assert "password" in refused(register, password="x" * 257).details
    assert not User.objects.exists()


def test_registration_answers_every_refused_field_at_once():
    error = refused(register, username="a!", email="nope", display_name="x" * 65)

    assert set(error.details) == {"username", "email", "display_name"}


def test_a_valid_registration_creates_the_user_with_its_settings():
    user = register(username="  alice  ", email="Alice@Example.ORG", display_name="Alice")

    assert user.username == "alice"
    assert user.email == "Alice@example.org"
    assert UserSettings.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", "x" * 65),
        ("status_text", "x" * 141),
        ("bio", "x" * 501),
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", ""),
        ("timezone", None),
        ("display_name", 7),
    ],
)
def test_the_profile_service_refuses_bad_values_and_changes_nothing(field, value):
    user = UserFactory(display_name="Alice")
    # A valid change beside the bad one: nothing is stored unless all pass.
    valid = {"status_text": "kept out"} if field != "status_text" else {"bio": "kept out"}

    error = refused(services.update_profile, user=user, **{field: value, **valid})

    assert list(error.details) == [field]
    stored = User.objects.get(pk=user.pk)
    assert (stored.display_name, stored.bio, stored.status_text) == ("Alice", "", "")
    assert stored.timezone == "UTC"


def test_an_unknown_time_zone_answers_the_api_message():
    error = refused(services.update_profile, user=UserFactory(), timezone="utc+2")

    assert error.details == {"timezone": ["Unknown time zone."]}
    assert error.message == "timezone: Unknown time zone."


def test_the_profile_service_takes_a_real_time_zone():
    user = services.update_profile(user=UserFactory(), timezone="Europe/Paris")

    assert User.objects.get(pk=user.pk).timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("theme", "neon", '"neon" is not a valid choice.'),
        ("notify", "sometimes", '"sometimes" is not a valid choice.'),
        ("notify", None, "This field may not be null."),
        ("show_presence", "perhaps", "Must be true or false."),
        ("enter_to_send", 1, "Must be true or false."),
        ("language", "x" * 17, "Ensure this field has no more than 16 characters."),
    ],
)
def test_the_settings_service_refuses_bad_values_and_changes_nothing(field, value, message):
    user = UserFactory()

    # A valid change beside the bad one: nothing is stored unless all pass.
    valid = {"language": "fr"} if field != "language" else {"theme": "dark"}

    error = refused(services.update_settings, user=user, **{field: value, **valid})

    assert error.details == {field: [message]}
    stored = UserSettings.objects.get(user=user)
    assert (stored.theme, stored.language) == ("system", "en")


def test_the_password_change_refuses_a_new_password_the_validators_refuse():
    user = UserFactory()
    user.set_password(GOOD_PASSWORD)

    error = refused(
        services.check_password_change,
        user=user,
        old_password=GOOD_PASSWORD,
        new_password="12345678",
    )

    assert "new_password" in error.details


def test_a_missing_avatar_is_refused_by_the_service():
    error = refused(services.set_avatar, user=UserFactory(), upload=None)

    assert error.details == {"avatar": ["No file was submitted."]}


def test_a_typed_device_name_longer_than_its_column_is_refused():
    user = UserFactory()

    error = refused(session_services.open_session, user=user, device_name="x" * 129)

    assert "device_name" in error.details
    assert not user.device_sessions.exists()


def test_reading_settings_of_a_user_without_a_row_writes_nothing():
    user = UserFactory()
    UserSettings.objects.filter(user=user).delete()

    user_settings = selectors.settings_of(user)

    assert user_settings.theme == UserSettings.Theme.SYSTEM
    assert not UserSettings.objects.filter(user=user).exists()


def test_the_admin_user_form_refuses_what_the_profile_service_refuses():
    from django.forms import modelform_factory

    from accounts.admin import ProfileCheckedUserChangeForm

    user = UserFactory(display_name="Alice")
    form_class = modelform_factory(
        User,
        form=ProfileCheckedUserChangeForm,
        fields=["username", "display_name", "bio", "status_text", "timezone"],
    )
    data = {"username": user.username, "display_name": "eve\u202e", "bio": "", "status_text": ""}

    form = form_class(instance=user, data={**data, "timezone": "Mars/Olympus_Mons"})

    assert not form.is_valid()
    assert form.errors["timezone"] == ["Unknown time zone."]
    assert "display_name" in form.errors
    assert form_class(
        instance=user, data={**data, "display_name": "Al", "timezone": "UTC"}
    ).is_valid()


def test_the_admin_user_page_shows_the_profile_refusal():
    from django.test import Client

    operator = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(timezone="UTC")
    browser = Client()
    browser.force_login(operator)
    page = f"/admin/accounts/user/{user.pk}/change/"
    form = browser.get(page).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields
        and value
        and name not in ("groups", "user_permissions", "avatar", "last_seen")
    }
    data.update(
        {
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "timezone": "Mars/Olympus_Mons",
            "settings-TOTAL_FORMS": "0",
            "settings-INITIAL_FORMS": "0",
        }
    )

    response = browser.post(page, data)

    assert response.status_code == 200
    assert "Unknown time zone." in response.content.decode()
    assert User.objects.get(pk=user.pk).timezone == "UTC"


def test_the_api_names_every_refused_profile_field_of_one_body():
    from tests.helpers import client_for

    response = client_for(UserFactory()).patch(
        "/api/v1/users/profile",
        {"display_name": "x" * 65, "timezone": "Mars/Olympus_Mons"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"display_name", "timezone"}


@pytest.mark.django_db
def test_registration_names_every_refused_field_at_once():
    # A form that shows one problem per attempt makes people submit it three times.
    with pytest.raises(ValidationError) as refused:
        services.register_user(username="no spaces", email="not-an-email", password="x")
    assert set(refused.value.details) == {"username", "email", "password"}
