"""Reads the pages need beyond the API's: the shell around every signed-in page."""

from __future__ import annotations

from accounts.models import User
from accounts.selectors import public_profile_of, settings_of
from messaging.selectors import room_list
from realtime import log, presence
from rooms.models import Membership, Room
from rooms.selectors import pending_invitations

# The sidebar lists this many rooms, most recently active first: a page, not an archive.
SHELL_ROOMS = 200


def direct_peers(user: User, room_ids: list[int]) -> dict[int, dict]:
    """The other member of each direct room, as a public profile (presence included)."""
    if not room_ids:
        return {}
    others = list(
        Membership.objects.filter(room_id__in=room_ids)
        .exclude(user_id=user.pk)
        .select_related("user", "user__settings")
    )
    shown = presence.presence_many(m.user_id for m in others)
    return {m.room_id: public_profile_of(m.user, presence_of=shown) for m in others}


def label_of(room: dict, peer: dict | None) -> str:
    if room["type"] == "direct" and peer is not None:
        return peer["display_name"] or peer["username"]
    return room["name"]


def shell(user: User, *, current_room_id: int | None = None) -> dict:
    """The template context of the app shell: room list, badges, invitations, theme."""
    event_id = log.latest_event_id()
    rooms, _ = room_list(user, offset=0, limit=SHELL_ROOMS)
    peers = direct_peers(user, [r["id"] for r in rooms if r["type"] == "direct"])
    for room in rooms:
        room["peer"] = peers.get(room["id"])
        room["label"] = label_of(room, room["peer"])
    preferences = settings_of(user)
    return {
        "shell_rooms": [r for r in rooms if r["type"] != "direct"],
        "shell_directs": [r for r in rooms if r["type"] == "direct"],
        "unread_total": sum(r["unread_count"] for r in rooms),
        "invitation_count": pending_invitations(user).count(),
        "current_room_id": current_room_id,
        "theme": preferences.theme,
        "enter_sends": preferences.enter_to_send,
        # Where the page's socket resumes: the sidebar is as of this event.
        "event_id": event_id,
    }


def room_names(room_ids) -> dict[int, str]:
    return dict(Room.objects.filter(pk__in=list(room_ids)).values_list("id", "name"))
