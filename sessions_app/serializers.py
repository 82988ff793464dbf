from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import MeSerializer
from lair import fields, text
from sessions_app.models import DeviceSession


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
