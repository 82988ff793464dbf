from __future__ import annotations

from rest_framework import serializers

from accounts.models import username_validator
from accounts.serializers import MeSerializer
from lair import fields, text
from sessions_app.models import DeviceSession

# The bodies of the auth actions shape input only: accounts.services and
# sessions_app.services check the values, so a sign-up or sign-in form gets
# the same answers. The validators below repeat those rules for the schema.


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


class DeviceSessionSerializer(fields.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = DeviceSession
        fields = (
            "id",
            "device_name",
            "ip",
            "user_agent",
            "created_at",
            "last_seen_at",
            "expires_at",
            "current",
        )
        read_only_fields = fields

    def get_current(self, session: DeviceSession) -> bool:
        return session.pk == self.context.get("current_session_id")


class SignInSerializer(serializers.Serializer):
    """Answer of register and login: ``{user, access, refresh, session}``."""

    user = MeSerializer()
    access = fields.CharField()
    refresh = fields.CharField()
    session = DeviceSessionSerializer()

    @classmethod
    def render(cls, sign_in) -> dict:
        context = {"current_session_id": sign_in.session.pk}
        return {
            "user": MeSerializer(sign_in.user).data,
            "access": sign_in.tokens.access,
            "refresh": sign_in.tokens.refresh,
            "session": DeviceSessionSerializer(sign_in.session, context=context).data,
        }


class RefreshSerializer(serializers.Serializer):
    refresh = fields.CharField(
        max_length=4096, validators=[text.name_rule("A refresh token", required=True)]
    )


class TokenPairSerializer(serializers.Serializer):
    access = fields.CharField()
    refresh = fields.CharField()


class CleanupResultSerializer(serializers.Serializer):
    revoked = fields.IntegerField(help_text="How many sessions were revoked.")
