"""The one shape of a room in answers and events.

A room appears in three places: the REST answers (RoomSerializer), an
invitation (its room, trimmed to what the invitee needs before joining) and
the ``room.updated`` socket event. All three start from ``room_shape``, so a
field added here reaches every one of them, and a test pins the fields.
"""

from __future__ import annotations

from rooms.models import Room

# What an invitee sees of a room they do not belong to yet: no description.
INVITATION_ROOM_FIELDS = ("id", "name", "type", "topic")


def room_shape(room: Room) -> dict:
    """The fields every view of a room shares: the ``room.updated`` event's ``room``."""
    return {
        "id": room.pk,
        "name": room.name,
        "description": room.description,
        "topic": room.topic,
        "type": room.type,
        "archived": room.is_archived,
    }


ROOM_SHAPE_FIELDS = tuple(room_shape(Room()))


def invitation_room(room: Room) -> dict:
    """The room of an invitation (InvitationSerializer.room)."""
    shape = room_shape(room)
    return {name: shape[name] for name in INVITATION_ROOM_FIELDS}
