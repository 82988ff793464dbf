"""Writes to accounts: registration, profile and settings changes, passwords."""

from __future__ import annotations

import functools
import re
import zoneinfo

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from accounts.models import USERNAME_PATTERN, User, UserSettings, username_validator
from accounts.selectors import shows_presence_of
from lair import config, text
from lair.errors import Conflict, PermissionDenied, ValidationError
from lair.ratelimit import limited_per_user

TAKEN = "That username or email cannot be used. Choose another."
# Argon2 hashes whatever it is given: the bound keeps one sign-in cheap.
PASSWORD_MAX_LENGTH = 256
UNKNOWN_TIME_ZONE = "Unknown time zone."

_USERNAME = re.compile(USERNAME_PATTERN)


class _Refusals:
    """Every refused field of one call, answered as one ValidationError.

    The details and the message have the shape of a refused serializer
    (``{field: [messages]}``, message ``"field: first message"``), so a form,
    an admin action and the API give the same answer for the same input.
    """

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.details.setdefault(field, []).append(message)

    def check(self, rule, *args, **kwargs) -> None:
        """Run a check that raises ValidationError (lair.text) and keep its refusals."""
        try:
            rule(*args, **kwargs)
        except ValidationError as exc:
            for field, messages in exc.details.items():
                for message in messages:
                    self.add(field, message)

    def raise_any(self) -> None:
        if self.details:
            field, messages = next(iter(self.details.items()))
            raise ValidationError(f"{field}: {messages[0]}", details=self.details)


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _check_text(refusals: _Refusals, field: str, value, *, max_length: int) -> bool:
    """A string of at most ``max_length`` characters (SQLite does not enforce max_length)."""
    if not isinstance(value, str):
        refusals.add(field, "Not a valid string.")
        return False
    if len(value) > max_length:
        refusals.add(field, f"Ensure this field has no more than {max_length} characters.")
        return False
    return True


def _check_username(refusals: _Refusals, username) -> None:
    if not isinstance(username, str) or not username:
        refusals.add("username", "This field may not be blank.")
        return
    if _USERNAME.fullmatch(username) is None:
        refusals.add("username", username_validator.message)
    limit = _max_length(User, "username")
    if len(username) > limit:
        refusals.add("username", f"Ensure this field has no more than {limit} characters.")


def _check_email(refusals: _Refusals, email) -> None:
    if not isinstance(email, str) or not email:
        refusals.add("email", "This field may not be blank.")
        return
    if not _check_text(refusals, "email", email, max_length=_max_length(User, "email")):
        return
    try:
        validate_email(email)
    except DjangoValidationError:
        refusals.add("email", "Enter a valid email address.")


@functools.cache
def _time_zones() -> frozenset[str]:
    # Read from the tz database on disk once per process, not on every change.
    return frozenset(zoneinfo.available_timezones())


def _check_time_zone(refusals: _Refusals, value) -> None:
    if not is_time_zone(value):
        refusals.add("timezone", UNKNOWN_TIME_ZONE)


def is_time_zone(value) -> bool:
    """``value`` names a zone of the tz database ("Europe/Paris", "UTC")."""
    return isinstance(value, str) and value in _time_zones()


def _save_fields(instance, fields: list[str], changes: dict):
    """Set ``fields`` of ``instance`` from ``changes`` and save only those (none: no query)."""
    for name in fields:
        setattr(instance, name, changes[name])
    if fields:
        instance.save(update_fields=fields)
    return instance


def _check_password_length(refusals: _Refusals, field: str, password) -> None:
    _check_text(refusals, field, password, max_length=PASSWORD_MAX_LENGTH)


def _validate_password(password: str, user: User, field: str = "password") -> None:
    refusals = _Refusals()
    _check_password_length(refusals, field, password)
    refusals.raise_any()
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], details={field: list(exc.messages)}) from exc


@transaction.atomic
def register_user(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    by_operator: bool = False,
) -> User:
    """Create a user with the site role ``user`` and default settings.

    Closed registration (runtime config) refuses sign-ups; ``by_operator``
    (a command an operator runs, such as seed_demo) creates the account anyway.

    Every rule of a new account is checked here, whichever form sends it:
    the username pattern, the email, the display name, then uniqueness
    (ignoring case; a clash answers 409) and Django's password validators.
    The database constraints decide races between two registrations.
    """
    if not by_operator and not config.get("registration_open"):
        raise PermissionDenied(
            "Registration is closed on this server: ask an administrator for an account."
        )
    refusals = _Refusals()
    username = username.strip() if isinstance(username, str) else username
    email = email.strip() if isinstance(email, str) else email
    display_name = display_name.strip() if isinstance(display_name, str) else display_name
    _check_username(refusals, username)
    _check_email(refusals, email)
    _check_profile_field(refusals, "display_name", display_name)
    # Django's password validators too, so one answer names every refused
    # field (the similarity validator compares with the names given).
    candidate = User(
        username=username if isinstance(username, str) else "",
        email=email if isinstance(email, str) else "",
        display_name=display_name if isinstance(display_name, str) else "",
    )
    refusals.check(_validate_password, password, candidate)
    refusals.raise_any()
    email = User.objects.normalize_email(email)
    # One message for both: "that email is already registered" told anyone
    # who has an account. Usernames are public, so that field may be named.
    if User.objects.username_taken(username):
        raise Conflict(TAKEN, details={"username": ["That username is taken."]})
    if User.objects.email_taken(email):
        raise Conflict(TAKEN)
    user = User(username=username, email=email, display_name=display_name)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(TAKEN) from exc
    _settings_row_of(user)
    return user


def check_password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Verify the old password and validate the new one; raise on failure."""
    refusals = _Refusals()
    _check_password_length(refusals, "old_password", old_password)
    _check_password_length(refusals, "new_password", new_password)
    refusals.raise_any()
    if not user.check_password(old_password):
        raise ValidationError(
            "The current password is wrong.",
            details={"old_password": ["The current password is wrong."]},
        )
    if old_password == new_password:
        raise ValidationError(
            "The new password must differ from the current one.",
            details={"new_password": ["The new password must differ from the current one."]},
        )
    _validate_password(new_password, user, field="new_password")


PROFILE_FIELDS = ("display_name", "bio", "status_text", "timezone")


PROFILE_TEXT_RULES = {
    "display_name": (text.check_name, "Display name"),
    "status_text": (text.check_name, "Status text"),
    "bio": (text.check_multiline, "Bio"),
}


def _check_profile_field(refusals: _Refusals, name: str, value) -> None:
    if name == "timezone":
        _check_time_zone(refusals, value)
        return
    if not _check_text(refusals, name, value, max_length=_max_length(User, name)):
        return
    check, label = PROFILE_TEXT_RULES[name]
    refusals.check(check, value, field=name, label=label)


def check_profile(**values) -> None:
    """Raise one ValidationError naming every refused profile field of ``values``.

    For adapters that save a profile themselves (the admin's user form);
    :func:`update_profile` checks through here.
    """
    refusals = _Refusals()
    for name in PROFILE_FIELDS:
        if name in values:
            _check_profile_field(refusals, name, values[name])
    refusals.raise_any()


def update_profile(*, user: User, **changes) -> User:
    """Change the editable profile fields of ``user``; other keys are ignored.

    Lengths, the time zone (a name of the tz database) and the characters of
    names and the bio (lair.text: no control, zero-width or bidirectional
    formatting characters) are checked whichever adapter sends them; nothing
    changes unless every field passes.
    """
    fields = [name for name in PROFILE_FIELDS if name in changes]
    check_profile(**{name: changes[name] for name in fields})
    return _save_fields(user, fields, changes)


SETTINGS_FIELDS = ("theme", "notify", "language", "show_presence", "enter_to_send")
_SETTINGS_CHOICES = {
    "theme": UserSettings.Theme.values,
    "notify": UserSettings.Notify.values,
}
_SETTINGS_FLAGS = ("show_presence", "enter_to_send")


def _check_setting(refusals: _Refusals, name: str, value) -> None:
    if value is None:
        refusals.add(name, "This field may not be null.")
    elif name in _SETTINGS_CHOICES:
        if not isinstance(value, str) or value not in _SETTINGS_CHOICES[name]:
            refusals.add(name, f'"{value}" is not a valid choice.')
    elif name in _SETTINGS_FLAGS:
        if not isinstance(value, bool):
            refusals.add(name, "Must be true or false.")
    else:
        _check_text(refusals, name, value, max_length=_max_length(UserSettings, name))


def _settings_row_of(user: User) -> UserSettings:
    """The user's settings row, created with the defaults: the one place that creates it."""
    user_settings, _ = UserSettings.objects.get_or_create(user=user)
    return user_settings


def update_settings(*, user: User, **changes) -> UserSettings:
    """Change the user's settings; a missing settings row is created.

    Theme and notify take one of their choices, the flags true or false, the
    language at most its column's length; nothing changes unless every value
    passes.
    """
    fields = [name for name in SETTINGS_FIELDS if name in changes]
    refusals = _Refusals()
    for name in fields:
        _check_setting(refusals, name, changes[name])
    refusals.raise_any()
    return _save_fields(_settings_row_of(user), fields, changes)


def set_avatar(*, user: User, upload) -> User:
    """Replace the user's avatar with a normalized copy of ``upload`` (required).

    A request without a file is refused before it counts against the upload limit.
    """
    if upload is None:
        raise ValidationError(
            "Send the image in the 'avatar' field.",
            details={"avatar": ["No file was submitted."]},
        )
    return _store_avatar(user=user, upload=upload)


@limited_per_user("avatar_user", actor="user")
def _store_avatar(*, user: User, upload) -> User:
    # Late: Pillow loads only in the processes that receive an upload.
    from accounts.avatars import normalized_avatar

    image = normalized_avatar(upload)
    old = user.avatar.name if user.avatar else None
    user.avatar.save(image.name, image, save=False)
    user.save(update_fields=["avatar"])
    if old:
        user.avatar.storage.delete(old)
    return user


def remove_avatar(*, user: User) -> User:
    """Delete the user's avatar file; the profile shows no picture."""
    if user.avatar:
        name = user.avatar.name
        user.avatar = ""
        user.save(update_fields=["avatar"])
        User.avatar.field.storage.delete(name)
    return user


def record_last_seen(*, user_id: int, when) -> bool:
    """Store when the user was last seen (their last socket closed, grace over).

    Returns whether they show their presence: only then may others be told.
    """
    User.objects.filter(pk=user_id).update(last_seen=when)
    return shows_presence_of(user_id)
