"""Shapes of the admin API's answers and bodies (API.md, "Operators").

Bodies only shape: the services check every rule. An admin body names only
the fields it may change; any other key is a 400 (a typo such as
``is_supended`` silently changing nothing would be worse).
"""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from accounts.models import User
from accounts.selectors import public_profile_of
from lair import fields
from lair.models import AuditEntry
from lair.times import utc_iso
from rooms.models import Room
from rooms.serializers import RoomUpdateSerializer


class _OnlyKnownFields:
    """Refuse a body with keys the serializer does not declare."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field; it cannot be changed here."] for name in unknown}
                )
        return super().validate(attrs)


class ActorSerializer(serializers.Serializer):
    id = fields.IntegerField(read_only=True)
    username = fields.CharField(read_only=True)


def _actor(user: User | None) -> dict | None:
    return None if user is None else {"id": user.pk, "username": user.username}


# --- stats ----------------------------------------------------------------------

_count = fields.IntegerField(read_only=True)
StatsSerializer = inline_serializer(
    name="AdminStats",
    fields={
        "users": inline_serializer(
            name="AdminStatsUsers",
            fields={"total": _count, "active_24h": _count, "online": _count, "suspended": _count},
        ),
        "rooms": inline_serializer(
            name="AdminStatsRooms",
            fields={
                "total": _count,
                "public": _count,
                "private": _count,
                "direct": _count,
                "archived": _count,
            },
        ),
        "messages": inline_serializer(
            name="AdminStatsMessages", fields={"total": _count, "last_24h": _count}
        ),
        "sessions": inline_serializer(name="AdminStatsSessions", fields={"active": _count}),
        "websocket": inline_serializer(name="AdminStatsWebsocket", fields={"connections": _count}),
    },
)


# --- users ----------------------------------------------------------------------


class AdminUserSerializer(serializers.Serializer):
    """A user as operators see them: the public profile and the account's state.

    ``presence`` and ``last_seen`` are the truth, also for a user who hides
    them from others (show_presence off): operators look into misuse.
    """

    id = fields.IntegerField(read_only=True)
    username = fields.CharField(read_only=True)
    display_name = fields.CharField(read_only=True)
    bio = fields.CharField(read_only=True)
    avatar_url = fields.CharField(read_only=True, allow_null=True)
    role = fields.ChoiceField(choices=User.Role.choices, read_only=True)
    presence = fields.ChoiceField(choices=["online", "away", "offline"], read_only=True)
    status_text = fields.CharField(read_only=True)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    email = fields.CharField(read_only=True)
    is_suspended = fields.BooleanField(read_only=True)
    is_active = fields.BooleanField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)
    active_sessions = fields.IntegerField(read_only=True)

    def to_representation(self, user: User) -> dict:
        presence_of = self.context.get("presence")
        public = public_profile_of(user, presence_of=presence_of)
        if presence_of is not None:
            public["presence"] = presence_of.get(user.pk, public["presence"])
        return {
            **public,
            "last_seen": utc_iso(user.last_seen),
            "email": user.email,
            "is_suspended": user.is_suspended,
            "is_active": user.is_active,
            "date_joined": utc_iso(user.date_joined),
            "active_sessions": user.active_sessions,
        }


class AdminUserUpdateSerializer(_OnlyKnownFields, serializers.Serializer):
    role = fields.ChoiceField(choices=User.Role.choices, required=False)
    is_suspended = fields.BooleanField(
        required=False,
        help_text="true revokes every session and closes every socket at once; "
        "false lets the user sign in again.",
    )


# --- rooms ----------------------------------------------------------------------


class AdminRoomSerializer(serializers.Serializer):
    """A room as operators see it: never its messages, only how many there are."""

    id = fields.IntegerField(read_only=True)
    name = fields.CharField(read_only=True)
    type = fields.ChoiceField(choices=Room.Type.choices, read_only=True)
    topic = fields.CharField(read_only=True)
    description = fields.CharField(read_only=True)
    archived = fields.BooleanField(read_only=True)
    archived_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_by = ActorSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    member_count = fields.IntegerField(read_only=True)
    message_count = fields.IntegerField(read_only=True)

    def to_representation(self, room: Room) -> dict:
        return {
            "id": room.pk,
            "name": room.name,
            "type": room.type,
            "topic": room.topic,
            "description": room.description,
            "archived": room.archived_at is not None,
            "archived_at": utc_iso(room.archived_at),
            "created_by": _actor(room.created_by),
            "created_at": utc_iso(room.created_at),
            "updated_at": utc_iso(room.updated_at),
            "member_count": room.member_count,
            "message_count": room.message_count,
        }


class AdminRoomUpdateSerializer(_OnlyKnownFields, RoomUpdateSerializer):
    pass


# --- broadcast ------------------------------------------------------------------


class BroadcastSerializer(_OnlyKnownFields, serializers.Serializer):
    # The service checks the text as a message (length, control characters).
    content = fields.CharField(trim_whitespace=False)


class BroadcastSentSerializer(serializers.Serializer):
    """The ``system`` frame every connected socket received."""

    type = fields.ChoiceField(choices=["system"], read_only=True)
    content = fields.CharField(read_only=True)
    sent_by = ActorSerializer(read_only=True, allow_null=True)
    sent_at = serializers.DateTimeField(read_only=True)


# --- audit log ------------------------------------------------------------------


class AuditEntrySerializer(serializers.Serializer):
    id = fields.IntegerField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    actor = ActorSerializer(read_only=True, allow_null=True)
    action = fields.CharField(read_only=True)
    target_type = fields.CharField(read_only=True)
    target_id = fields.CharField(read_only=True)
    ip = fields.CharField(read_only=True, allow_null=True)
    details = serializers.DictField(read_only=True)

    def to_representation(self, entry: AuditEntry) -> dict:
        return {
            "id": entry.pk,
            "at": utc_iso(entry.at),
            "actor": _actor(entry.actor),
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "ip": entry.ip,
            "details": entry.details,
        }
