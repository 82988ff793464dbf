from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import PublicUserSerializer
from lair import fields, text
from rooms import payloads, selectors, services
from rooms.models import Invitation, Membership, Room


class RoomSerializer(fields.ModelSerializer):
    """A room as its members see it; ``role`` is the caller's room role (or null)."""

    # The fields shared with invitations and events are payloads.room_shape's
    # (a test pins them); the rest say who made it, when, and my role.

    archived = serializers.SerializerMethodField()
    member_count = fields.IntegerField(read_only=True)
    role = serializers.SerializerMethodField()
    created_by = fields.IntegerField(source="created_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Room
        fields = (
            "id",
            "name",
            "description",
            "topic",
            "type",
            "created_by",
            "created_at",
            "updated_at",
            "archived",
            "archived_at",
            "member_count",
            "role",
        )
        read_only_fields = fields

    def get_archived(self, room: Room) -> bool:
        return payloads.room_shape(room)["archived"]

    def get_role(self, room: Room) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(room.pk)


class RoomListItemSerializer(RoomSerializer):
    """A room in my room list, with my unread state (schema of GET /rooms)."""

    unread_count = fields.IntegerField()
    mention_count = fields.IntegerField()
    last_read_message_id = fields.IntegerField()
    last_message = serializers.JSONField(allow_null=True, help_text="A message object, or null.")

    class Meta(RoomSerializer.Meta):
        fields = (
            *RoomSerializer.Meta.fields,
            "unread_count",
            "mention_count",
            "last_read_message_id",
            "last_message",
        )


# rooms.services enforces these rules (the limits, characters and choices);
# here they are the same objects, so that the OpenAPI schema shows them.
_NAME = [text.name_rule("A room name", required=True)]
_TOPIC = [text.name_rule("A topic")]
_DESCRIPTION = [text.multiline_rule("A description")]
_NAME_MAX = services.max_length_of("name")
_DESCRIPTION_MAX = services.max_length_of("description")
_TOPIC_MAX = services.max_length_of("topic")


class RoomCreateSerializer(serializers.Serializer):
    name = fields.CharField(max_length=_NAME_MAX, validators=_NAME)
    description = fields.CharField(
        max_length=_DESCRIPTION_MAX, required=False, allow_blank=True, validators=_DESCRIPTION
    )
    topic = fields.CharField(
        max_length=_TOPIC_MAX, required=False, allow_blank=True, validators=_TOPIC
    )
    type = fields.ChoiceField(choices=services.CREATABLE_ROOM_TYPES, default=Room.Type.PUBLIC)


class RoomUpdateSerializer(serializers.Serializer):
    name = fields.CharField(max_length=_NAME_MAX, required=False, validators=_NAME)
    description = fields.CharField(
        max_length=_DESCRIPTION_MAX, required=False, allow_blank=True, validators=_DESCRIPTION
    )
    topic = fields.CharField(
        max_length=_TOPIC_MAX, required=False, allow_blank=True, validators=_TOPIC
    )
    archived = fields.BooleanField(required=False)


class DirectRoomSerializer(serializers.Serializer):
    user_id = fields.IntegerField(min_value=1)


class MemberSerializer(fields.ModelSerializer):
    user = PublicUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("user", "role", "joined_at")
        read_only_fields = fields


class MemberAddSerializer(serializers.Serializer):
    user_id = fields.IntegerField(
        min_value=1, required=False, help_text="Omit to join a public room yourself."
    )


class MemberRoleSerializer(serializers.Serializer):
    role = fields.ChoiceField(choices=Membership.Role.choices)


class InvitationCreateSerializer(serializers.Serializer):
    user_id = fields.IntegerField(min_value=1)


class InvitationSerializer(fields.ModelSerializer):
    room = serializers.SerializerMethodField()
    inviter = PublicUserSerializer(read_only=True, allow_null=True)
    invitee = PublicUserSerializer(read_only=True)

    class Meta:
        model = Invitation
        fields = ("id", "room", "inviter", "invitee", "status", "created_at", "responded_at")
        read_only_fields = fields

    def get_room(self, invitation: Invitation) -> dict:
        return payloads.invitation_room(invitation.room)


def room_data(user, room_id: int) -> dict:
    """A room as its members see it, with ``user``'s role: the answer of every room write."""
    room = selectors.room_with_count(room_id)
    return RoomSerializer(room, context={"roles": selectors.roles_of(user, [room.pk])}).data
