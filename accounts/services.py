"""Writes to accounts: registration, profile and settings changes, passwords."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from accounts.models import User, UserSettings
from accounts.selectors import shows_presence_of
from lair import text
from lair.errors import Conflict, PermissionDenied, ValidationError
from lair.ratelimit import limited_per_user

TAKEN = "That username or email cannot be used. Choose another."


def _validate_password(password: str, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], details={field: list(exc.messages)}) from exc


@transaction.atomic
def register_user(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create a user with the site role ``user`` and default settings.

    Usernames and emails are unique ignoring case; a clash answers 409. The
    database constraints decide races between two registrations.
    """
    if not settings.REGISTRATION_OPEN:
        raise PermissionDenied("Registration is closed on this server.")
    username = username.strip()
    email = User.objects.normalize_email(email.strip())
    display_name = text.check_name(display_name.strip(), field="display_name", label="Display name")
    # One message for both: "that email is already registered" told anyone
    # who has an account. Usernames are public, so that field may be named.
    if User.objects.username_taken(username):
        raise Conflict(TAKEN, details={"username": ["That username is taken."]})
    if email and User.objects.email_taken(email):
        raise Conflict(TAKEN)
    user = User(username=username, email=email, display_name=display_name)
    _validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(TAKEN) from exc
    UserSettings.objects.create(user=user)
    return user


def check_password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Verify the old password and validate the new one; raise on failure."""
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


def update_profile(*, user: User, **changes) -> User:
    """Change the editable profile fields of ``user``; other keys are ignored.

    Names and the bio refuse control, zero-width and bidirectional formatting
    characters (lair.text) whichever adapter sends them.
    """
    fields = [name for name in PROFILE_FIELDS if name in changes]
    for name, (check, label) in PROFILE_TEXT_RULES.items():
        if name in changes:
            check(changes[name], field=name, label=label)
    for name in fields:
        setattr(user, name, changes[name])
    if fields:
        user.save(update_fields=fields)
    return user


SETTINGS_FIELDS = ("theme", "notify", "language", "show_presence", "enter_to_send")


def update_settings(*, user: User, **changes) -> UserSettings:
    """Change the user's settings; a missing settings row is created."""
    user_settings, _ = UserSettings.objects.get_or_create(user=user)
    fields = [name for name in SETTINGS_FIELDS if name in changes]
    for name in fields:
        setattr(user_settings, name, changes[name])
    if fields:
        user_settings.save(update_fields=fields)
    return user_settings


@limited_per_user("avatar_user", actor="user")
def set_avatar(*, user: User, upload) -> User:
    """Replace the user's avatar with a normalized copy of ``upload``."""
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
