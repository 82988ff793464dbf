from __future__ import annotations

import zoneinfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import selectors
from accounts.models import User, UserSettings, username_validator
from lair import fields, text
from realtime import presence


def presence_for(serializer: serializers.Serializer, user: User) -> str:
    """From a map the view computed for a whole page (``context["presence"]``), or one lookup."""
    known = serializer.context.get("presence")
    if known is not None and user.pk in known:
        return known[user.pk]
    return presence.presence_of(user.pk)


class _ProfileSerializer(fields.ModelSerializer):
    avatar_url = fields.CharField(read_only=True, allow_null=True)
    presence = serializers.SerializerMethodField()

    @extend_schema_field(fields.ChoiceField(choices=["online", "away", "offline"]))
    def get_presence(self, user: User) -> str:
        return presence_for(self, user)


class MeSerializer(_ProfileSerializer):
    """The signed-in user's own profile (includes the email)."""

    class Meta:
        model = User
        fields = (
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
        )
        read_only_fields = ("id", "username", "email", "role", "date_joined")
        # The services enforce these (lair.text); here they show in the schema.
        extra_kwargs = {
            "display_name": {"validators": [text.name_rule("Display name")]},
            "status_text": {"validators": [text.name_rule("Status text")]},
            "bio": {"validators": [text.multiline_rule("Bio")]},
        }

    def validate_timezone(self, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("Unknown time zone.")
        return value


class UserSettingsSerializer(fields.ModelSerializer):
    class Meta:
        model = UserSettings
        fields = ("theme", "notify", "language", "show_presence", "enter_to_send")


class RegisterSerializer(serializers.Serializer):
    username = fields.CharField(max_length=32, validators=[username_validator])
    email = fields.EmailField(max_length=254)
    password = fields.CharField(write_only=True, max_length=256, trim_whitespace=False)
    display_name = fields.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        validators=[text.name_rule("Display name")],
    )


class LoginSerializer(serializers.Serializer):
    username = fields.CharField(
        max_length=254,
        help_text="A username or an email.",
        # Trimmed, so " " is blank: the schema says it needs a visible character.
        validators=[text.name_rule("A username", required=True)],
    )
    password = fields.CharField(write_only=True, max_length=256, trim_whitespace=False)
    device_name = fields.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        validators=[text.name_rule("A device name")],
    )


class PasswordChangeSerializer(serializers.Serializer):
    old_password = fields.CharField(max_length=256, trim_whitespace=False)
    new_password = fields.CharField(max_length=256, trim_whitespace=False)


class PublicUserSerializer(_ProfileSerializer):
    """What anyone signed in may see of a user: never the email.

    A user with show_presence off is offline to others, with no last-seen
    time (their own profile, MeSerializer, shows the truth to them).
    """

    @extend_schema_field(serializers.ChoiceField(choices=["online", "away", "offline"]))
    def get_presence(self, user: User) -> str:
        if not selectors.shows_presence(user):
            return presence.OFFLINE
        return presence_for(self, user)

    def to_representation(self, user: User) -> dict:
        data = super().to_representation(user)
        if data["presence"] == presence.OFFLINE and not selectors.shows_presence(user):
            data["last_seen"] = None
        return data

    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "display_name",
            "bio",
            "avatar_url",
            "role",
            "presence",
            "status_text",
            "last_seen",
        )
        read_only_fields = fields


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(help_text="PNG, JPEG, WebP or GIF, at most 2 MB.")
