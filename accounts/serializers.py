"""Shapes of the users API's answers and bodies; the rules are accounts.services'."""

from __future__ import annotations

from rest_framework import serializers

from accounts import selectors, services
from accounts.models import User, UserSettings
from lair import fields, text


class _ProfileSerializer(fields.ModelSerializer):
    # Not model fields: the selectors compute them; declared for the schema.
    avatar_url = fields.CharField(read_only=True, allow_null=True)
    presence = fields.ChoiceField(choices=["online", "away", "offline"], read_only=True)


class MeSerializer(_ProfileSerializer):
    """The signed-in user's own profile (includes the email)."""

    # Renders selectors.profile_of; as a body (PATCH /users/profile) it only
    # shapes, and accounts.services.update_profile checks the values.

    class Meta:
        model = User
        fields = selectors.OWN_PROFILE_FIELDS
        read_only_fields = ("id", "username", "email", "role", "date_joined")
        # The services enforce these (lair.text); here they show in the schema.
        extra_kwargs = {
            "display_name": {"validators": [text.name_rule("Display name")]},
            "status_text": {"validators": [text.name_rule("Status text")]},
            "bio": {"validators": [text.multiline_rule("Bio")]},
        }

    def validate_timezone(self, value: str) -> str:
        # The services' rule, reported here too so that one answer names every
        # refused field of the body, as it always has.
        if not services.is_time_zone(value):
            raise serializers.ValidationError(services.UNKNOWN_TIME_ZONE)
        return value

    def to_representation(self, user: User) -> dict:
        return selectors.profile_of(user, presence_of=self.context.get("presence"))


class PublicUserSerializer(_ProfileSerializer):
    """What anyone signed in may see of a user: never the email.

    A user with show_presence off is offline to others, with no last-seen
    time (their own profile, MeSerializer, shows the truth to them).
    """

    # Renders selectors.public_profile_of, with ``context["presence"]`` (a map
    # a view computed for a whole page) or one presence lookup per user.

    class Meta:
        model = User
        fields = selectors.PUBLIC_PROFILE_FIELDS
        read_only_fields = fields

    def to_representation(self, user: User) -> dict:
        return selectors.public_profile_of(user, presence_of=self.context.get("presence"))


class UserSettingsSerializer(fields.ModelSerializer):
    class Meta:
        model = UserSettings
        fields = ("theme", "notify", "language", "show_presence", "enter_to_send")


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(help_text="PNG, JPEG, WebP or GIF, at most 2 MB.")
