"""Who may do what in a room: every room rule, in one place.

Site roles: admin, moderator, user, guest. Room roles: owner, admin,
moderator, member. A room the user may not see is 404 (its existence is not
leaked); a room they see but may not act in is 403.

- Public rooms are readable by every signed-in user; private rooms only by
  members; direct rooms only by their two members.
- Site admins act as the room's owner in every public and private room (not
  in other people's direct rooms).
- Site moderators act as a room moderator in public rooms.
- Guests read public rooms and their own rooms; they never create rooms,
  open direct rooms or invite, and post and react only where they are members
  and the runtime config's ``guests_can_post`` is on.
- An archived room is read-only for everybody until a room admin unarchives it.
- Only members act in a room: someone who left or was kicked can still read
  their old messages in a public room, but not edit or react there.
- A kick may carry a ban: the user cannot join, be added or accept an
  invitation until a room admin+ adds them back (which lifts the ban).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from lair import config
from lair.errors import NotFound, PermissionDenied
from lair.prepared_joins import JoinedLookup
from rooms.models import Membership, Room, RoomBan

ROLE_RANK = {
    Membership.Role.MEMBER: 1,
    Membership.Role.MODERATOR: 2,
    Membership.Role.ADMIN: 3,
    Membership.Role.OWNER: 4,
}


ARCHIVED_MESSAGE = "This room is archived and read-only."


# Guests read public rooms and the rooms they were brought into. What sets
# them apart in rooms (creating, opening direct rooms, adding, posting) is
# decided here and nowhere else.
def can_create_rooms(user: User) -> bool:
    return not user.is_guest


def require_can_create_rooms(user: User) -> None:
    if not can_create_rooms(user):
        raise PermissionDenied("Guests cannot create rooms.")


def require_can_open_direct_rooms(user: User) -> None:
    if user.is_guest:
        raise PermissionDenied("Guests cannot open direct conversations.")


@dataclass(frozen=True)
class RoomAccess:
    """What ``user`` may do in ``room``, given their membership (or None)."""

    user: User
    room: Room
    membership: Membership | None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def rank(self) -> int:
        rank = ROLE_RANK.get(self.role, 0)
        if self.room.is_direct:
            return rank
        if self.user.is_site_admin:
            rank = ROLE_RANK[Membership.Role.OWNER]
        elif self.user.is_site_moderator and self.room.type == Room.Type.PUBLIC:
            rank = max(rank, ROLE_RANK[Membership.Role.MODERATOR])
        return rank

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def can_see(self) -> bool:
        """The Python twin of ``Room.objects.readable_by`` (a test pins them to each other)."""
        if self.is_member or self.room.type == Room.Type.PUBLIC:
            return True
        return self.room.type == Room.Type.PRIVATE and self.user.is_site_admin

    def at_least(self, role: str) -> bool:
        return self.rank >= ROLE_RANK[role]

    @property
    def can_moderate(self) -> bool:
        return self.at_least(Membership.Role.MODERATOR)

    @property
    def can_administer(self) -> bool:
        return not self.room.is_direct and self.at_least(Membership.Role.ADMIN)

    @property
    def can_delete_room(self) -> bool:
        if self.room.is_direct:
            return False
        return self.role == Membership.Role.OWNER or self.user.is_site_admin

    @property
    def can_add_members(self) -> bool:
        """Add someone, or invite them: the same rule (an invitation is an add they accept)."""
        if self.room.is_direct or self.room.is_archived or self.user.is_guest:
            return False
        if self.room.type == Room.Type.PRIVATE:
            return self.can_administer
        return self.is_member or self.can_administer

    def can_remove(self, target: Membership) -> bool:
        """Kick ``target``: room moderator+, and only members ranked below oneself."""
        if self.room.is_direct or not self.can_moderate:
            return False
        return ROLE_RANK[target.role] < self.rank

    def can_set_role(self, target: Membership, new_role: str) -> bool:
        """Room admin+ may set roles below their own; the owner may hand over ownership."""
        if not self.can_administer or target.user_id == self.user.pk:
            return False
        if target.role == Membership.Role.OWNER:
            return False
        if new_role == Membership.Role.OWNER:
            return self.rank == ROLE_RANK[Membership.Role.OWNER]
        return ROLE_RANK[target.role] < self.rank and ROLE_RANK[new_role] < self.rank


def room_access(user: User, room: Room) -> RoomAccess:
    membership = Membership.objects.filter(room=room, user=user).first()
    return RoomAccess(user=user, room=room, membership=membership)


# One membership per (room, user): a unique constraint.
_MEMBERSHIP_WITH_ROOM = JoinedLookup(Membership, "room", "a.room_id = %s AND a.user_id = %s")


def visible_room(user: User, room_id: int, *, for_update: bool = False) -> RoomAccess:
    """The room if ``user`` may see it, with their access; otherwise 404.

    A member's room and membership come in one query; a non-member's room in
    a second one. ``for_update`` locks the room first and reads the
    membership after the lock is granted, in its own statement: read in the
    same statement as the lock, the membership would come from before the
    wait and miss a role change or removal the previous holder committed.
    """
    if for_update:
        room = Room.objects.select_for_update().filter(pk=room_id).first()
        access = room_access(user, room) if room is not None else None
    else:
        membership = _MEMBERSHIP_WITH_ROOM.get(room_id, user.pk)
        if membership is not None:
            return RoomAccess(user=user, room=membership.room, membership=membership)
        room = Room.objects.filter(pk=room_id).first()
        access = RoomAccess(user=user, room=room, membership=None) if room is not None else None
    if access is None or not access.can_see:
        raise NotFound("Room not found.")
    return access


def require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def require_writable(access: RoomAccess | Room) -> None:
    """An archived room is read-only for everybody: the one check every write goes through."""
    room = access.room if isinstance(access, RoomAccess) else access
    if room.is_archived:
        raise PermissionDenied(ARCHIVED_MESSAGE)


def guests_can_post() -> bool:
    return config.get("guests_can_post")


def require_can_post(access: RoomAccess) -> None:
    """Post: a member (a guest only while ``guests_can_post``), in a room that is not archived."""
    require_writable(access)
    require(not access.user.is_guest or guests_can_post(), "Guests cannot post messages.")
    require(access.is_member, "Join the room to post in it.")


def require_can_react(access: RoomAccess, *, taking_back: bool = False) -> None:
    """React as one posts: a member (a guest only while ``guests_can_post``), in a room
    that is not archived.

    Taking one's own reaction back needs membership only: a member made a
    guest since keeps the right to undo what they did.
    """
    require_writable(access)
    if not taking_back:
        require(not access.user.is_guest or guests_can_post(), "Guests cannot react.")
    require(access.is_member, "Join the room to react.")


def require_can_edit(access: RoomAccess) -> None:
    """Editing one's messages is acting in the room: members only (not after a kick)."""
    require_writable(access)
    require(access.is_member, "You can only edit messages in rooms you belong to.")


BANNED_MESSAGE = "You are banned from this room; a room admin can add you back."


def is_banned(room: Room, user: User) -> bool:
    return RoomBan.objects.filter(room=room, user=user).exists()


def require_not_banned(room: Room, user: User) -> None:
    require(not is_banned(room, user), BANNED_MESSAGE)


def can_lift_ban(access: RoomAccess) -> bool:
    """Adding a banned user back is an explicit unban: room admin+."""
    return access.can_administer
