"""Reads of rooms, members and invitations."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import User
from rooms.models import Invitation, Membership, Room


def with_member_count(rooms):
    return rooms.annotate(member_count=Count("memberships", distinct=True))


def roles_of(user: User, room_ids) -> dict[int, str]:
    return dict(
        Membership.objects.filter(user=user, room_id__in=list(room_ids)).values_list(
            "room_id", "role"
        )
    )


def room_with_count(room_id: int) -> Room:
    return with_member_count(Room.objects.filter(pk=room_id)).get()


# What a room search reads of ``q``: a room name is at most 80 characters.
SEARCH_QUERY_MAX_CHARS = 80


def search_rooms(user: User, query: str):
    """Public rooms and my private rooms whose name or topic matches (API.md).

    Narrower than ``Room.objects.readable_by`` on purpose, in two ways: no
    direct rooms, not even my own (a conversation is not found by its name),
    and no private room a site admin reads without belonging to it. Search
    is for finding rooms to join; operators list all rooms through the
    admin API.
    """
    mine = Membership.objects.filter(user=user).values("room_id")
    rooms = Room.objects.filter(Q(type=Room.Type.PUBLIC) | Q(type=Room.Type.PRIVATE, pk__in=mine))
    query = query[:SEARCH_QUERY_MAX_CHARS].strip()
    if query:
        rooms = rooms.filter(Q(name__icontains=query) | Q(topic__icontains=query))
    return with_member_count(rooms).order_by("name", "id")


def room_members(room: Room):
    # user__settings: whether each member shows their presence (PublicUserSerializer).
    return (
        Membership.objects.filter(room=room)
        .select_related("user", "user__settings")
        .order_by("joined_at", "id")
    )


def pending_invitations(user: User):
    return (
        Invitation.objects.filter(invitee=user, status=Invitation.Status.PENDING)
        .select_related("room", "inviter__settings", "invitee__settings")
        .order_by("-created_at", "-id")
    )


def room_ids_of(user_id: int) -> list[int]:
    """The ids of the rooms ``user_id`` is a member of: what their sockets follow."""
    return list(Membership.objects.filter(user_id=user_id).values_list("room_id", flat=True))
