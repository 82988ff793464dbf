"""Writes to rooms: creating, changing and deleting rooms, members and invitations.

Each function takes the acting user first, checks rooms.permissions, and
writes inside one transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import active_user
from accounts.serializers import PublicUserSerializer
from lair import audit, text
from lair.errors import Conflict, NotFound, PermissionDenied, ValidationError
from lair.ratelimit import limited_per_user
from realtime import log, publish
from rooms import payloads, permissions
from rooms.models import Invitation, Membership, Room, RoomBan
from rooms.permissions import ROLE_RANK, require, visible_room


def _public_user(user: User) -> dict:
    return PublicUserSerializer(user).data


def _room_payload(room: Room) -> dict:
    return payloads.room_shape(room)


def _member_joined(membership: Membership, user: User) -> None:
    log.record(
        "member.joined",
        membership.room_id,
        target_user_id=user.pk,
        user=_public_user(user),
        role=membership.role,
    )


def _member_left(room_id: int, user: User, *, kicked_by: User | None = None) -> None:
    log.record(
        "member.left",
        room_id,
        target_user_id=user.pk,
        user=_public_user(user),
        kicked=kicked_by is not None,
    )


def _no_messages(room_id: int) -> int:
    return 0


# A new member starts with nothing unread: their read marker is the room's
# newest message. Messages live above rooms, so rooms does not read them:
# messaging hands its newest_message_id over when the apps are ready
# (messaging/apps.py), the call inverted as DESIGN.md asks. Computing it in
# messaging's callers instead would not work: joins come from rooms' own
# views and from invitations, which never pass through messaging.
_newest_message_id = _no_messages


def provide_newest_message_id(newest_message_id) -> None:
    """Install ``newest_message_id(room_id) -> int`` (0 for none), used when a member joins."""
    global _newest_message_id
    _newest_message_id = newest_message_id


def _add_membership(room: Room, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    """Insert a membership (or return the existing one): safe when two requests race.

    A new member's sockets start following the room (member.joined).
    """
    existing = Membership.objects.filter(room=room, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                room=room, user=user, role=role, last_read_message_id=_newest_message_id(room.pk)
            )
            _member_joined(membership, user)
            return membership
    except IntegrityError:
        return Membership.objects.get(room=room, user=user)


# The input rules of a room, for every entry point (API, forms, admin
# actions). The serializers carry the same limits only so that the OpenAPI
# schema shows them; the messages are the ones the API has always answered.
ROOM_TEXT_RULES = {
    "name": (text.check_name, "A room name"),
    "topic": (text.check_name, "A topic"),
    "description": (text.check_multiline, "A description"),
}
# A direct room is opened with get_or_create_direct_room, never created by name.
CREATABLE_ROOM_TYPES = (Room.Type.PUBLIC, Room.Type.PRIVATE)
ROOM_ROLES = tuple(Membership.Role.values)


def max_length_of(field: str) -> int:
    """The longest room ``field`` allowed: the model's max_length, which SQLite does not enforce."""
    return Room._meta.get_field(field).max_length


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details={field: [message]})


def _check_choice(value, choices, *, field: str) -> None:
    if not isinstance(value, str) or value not in choices:
        raise _invalid(field, f'"{value}" is not a valid choice.')


def _check_room_text(values: dict) -> None:
    # Names and topics are shown inline in room lists: no control, zero-width
    # or bidirectional formatting characters (lair.text).
    for name, (check, label) in ROOM_TEXT_RULES.items():
        if name not in values:
            continue
        value = values[name]
        if not isinstance(value, str):
            raise _invalid(name, "Not a valid string.")
        if name == "name":
            # Stored stripped (as the API trims it), so measured stripped.
            value = value.strip()
            if not value:
                raise _invalid(name, "This field may not be blank.")
        check(value, field=name, label=label)
        if len(value) > max_length_of(name):
            limit = max_length_of(name)
            raise _invalid(name, f"Ensure this field has no more than {limit} characters.")


@limited_per_user("room_create_user")
@transaction.atomic
def create_room(
    *, actor: User, name: str, type: str, description: str = "", topic: str = ""
) -> Room:
    """Create a public or private room owned by ``actor``."""
    permissions.require_can_create_rooms(actor)
    _check_choice(type, CREATABLE_ROOM_TYPES, field="type")
    _check_room_text({"name": name, "description": description, "topic": topic})
    room = Room.objects.create(
        name=name.strip(), type=type, description=description, topic=topic, created_by=actor
    )
    membership = Membership.objects.create(room=room, user=actor, role=Membership.Role.OWNER)
    _member_joined(membership, actor)
    return room


ROOM_FIELDS = ("name", "description", "topic")


def _refuse_operating_direct_room(actor: User, room_id: int, done: str) -> None:
    """A site admin may not change or delete a direct conversation: a clear 403.

    Site admins see every room in the admin API, direct ones included, but
    a conversation between two people has no room admin to act as; without
    this check the room they just listed would answer 404.
    """
    if actor.is_site_admin and Room.objects.filter(pk=room_id, type=Room.Type.DIRECT).exists():
        raise PermissionDenied(f"Direct conversations cannot be {done}.")


@transaction.atomic
def update_room(*, actor: User, room_id: int, ip: str | None = None, **changes) -> Room:
    """Change name, description, topic or archived state (room admin+).

    An archived room's text changes only together with unarchiving it.
    Archiving and unarchiving are recorded (``room.archived``, ``room.unarchived``)
    when the state actually changes.
    """
    _check_room_text(changes)
    if "archived" in changes and not isinstance(changes["archived"], bool):
        raise _invalid("archived", "Must be true or false.")
    _refuse_operating_direct_room(actor, room_id, "changed")
    access = visible_room(actor, room_id, for_update=True)
    require(access.can_administer, "Only room admins can change the room.")
    room = access.room
    unarchiving = changes.get("archived") is False
    if not unarchiving and any(name in changes for name in ROOM_FIELDS):
        permissions.require_writable(room)
    fields = []
    for name in ROOM_FIELDS:
        if name in changes:
            setattr(room, name, changes[name].strip() if name == "name" else changes[name])
            fields.append(name)
    if "archived" in changes:
        was_archived = room.archived_at is not None
        room.archived_at = (room.archived_at or timezone.now()) if changes["archived"] else None
        fields.append("archived_at")
        if changes["archived"] != was_archived:
            action = "room.archived" if changes["archived"] else "room.unarchived"
            audit.record(action, actor=actor, target=room, ip=ip, name=room.name)
    if fields:
        room.save(update_fields=[*fields, "updated_at"])
        log.record("room.updated", room.pk, room=_room_payload(room))
    return room


@transaction.atomic
def delete_room(*, actor: User, room_id: int, ip: str | None = None) -> None:
    """Delete a room with its messages (the owner or a site admin); ``room.deleted``."""
    _refuse_operating_direct_room(actor, room_id, "deleted")
    access = visible_room(actor, room_id, for_update=True)
    require(access.can_delete_room, "Only the room's owner or a site admin can delete it.")
    room_id, payload = access.room.pk, {**_room_payload(access.room), "deleted": True}
    access.room.delete()
    # The room is gone: its name and type in the entry say which one it was.
    audit.record(
        "room.deleted",
        actor=actor,
        target=("room", room_id),
        ip=ip,
        name=payload.get("name"),
        type=payload.get("type"),
    )
    log.record("room.deleted", room_id, room=payload, room_gone=True)


def direct_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


def get_or_create_direct_room(*, actor: User, user_id: int) -> tuple[Room, bool]:
    """The one direct room of ``actor`` and ``user_id``; created on first use.

    The unique ``direct_key`` decides concurrent creations: the loser reads the
    winner's room. Returns ``(room, created)``.
    """
    permissions.require_can_open_direct_rooms(actor)
    other = active_user(user_id)
    if other.pk == actor.pk:
        raise ValidationError(
            "You cannot open a direct room with yourself.",
            details={"user_id": ["Choose another user."]},
        )
    key = direct_key(actor.pk, other.pk)
    room = Room.objects.filter(direct_key=key).first()
    if room is not None:
        return room, False
    try:
        with transaction.atomic():
            room = Room.objects.create(
                name=f"{actor.username}, {other.username}",
                type=Room.Type.DIRECT,
                direct_key=key,
                created_by=actor,
            )
            memberships = [
                Membership.objects.create(room=room, user=member, role=Membership.Role.MEMBER)
                for member in (actor, other)
            ]
            for membership, member in zip(memberships, (actor, other), strict=True):
                _member_joined(membership, member)
    except IntegrityError:
        return Room.objects.get(direct_key=key), False
    return room, True


@transaction.atomic
def join_room(*, actor: User, room_id: int) -> tuple[Membership, bool]:
    """Join a public room. Returns ``(membership, created)``; joining twice is harmless."""
    access = visible_room(actor, room_id)
    if access.is_member:
        return access.membership, False
    require(access.room.type == Room.Type.PUBLIC, "Only public rooms can be joined freely.")
    permissions.require_writable(access)
    permissions.require_not_banned(access.room, actor)
    return _add_membership(access.room, actor), True


@limited_per_user("member_add_user")
@transaction.atomic
def add_member(*, actor: User, room_id: int, user_id: int) -> tuple[Membership, bool]:
    """Add another user to a room (private rooms: room admin+)."""
    access = visible_room(actor, room_id)
    require(access.can_add_members, "You cannot add members to this room.")
    user = active_user(user_id)
    existing = Membership.objects.filter(room=access.room, user=user).first()
    if existing is not None:
        return existing, False
    ban = RoomBan.objects.filter(room=access.room, user=user).first()
    if ban is not None:
        require(
            permissions.can_lift_ban(access),
            "This user is banned from the room; only a room admin can add them back.",
        )
        ban.delete()  # adding back is the unban
    return _add_membership(access.room, user), True


def join_or_add_member(
    *, actor: User, room_id: int, user_id: int | None = None
) -> tuple[Membership, bool]:
    """Join ``room_id`` oneself (no ``user_id``, or one's own) or add ``user_id`` to it.

    One entry point for "make this person a member", so the API and a page
    decide between a join and an add the same way. Returns ``(membership, created)``.
    """
    if user_id is None or user_id == actor.pk:
        return join_room(actor=actor, room_id=room_id)
    return add_member(actor=actor, room_id=room_id, user_id=user_id)


def _target_membership(room: Room, user_id: int) -> Membership:
    membership = (
        Membership.objects.filter(room=room, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        raise NotFound("This user is not a member of the room.")
    return membership


@transaction.atomic
def change_member_role(*, actor: User, room_id: int, user_id: int, role: str) -> Membership:
    """Set a member's room role (room admin+, below one's own rank).

    Giving ``owner`` hands the room over: the previous owner becomes an admin.
    """
    _check_choice(role, ROOM_ROLES, field="role")
    access = visible_room(actor, room_id, for_update=True)
    target = _target_membership(access.room, user_id)
    require(access.can_administer, "Only room admins can change roles.")
    if target.role == role:
        return target
    require(access.can_set_role(target, role), "You cannot give this member that role.")
    if role == Membership.Role.OWNER:
        Membership.objects.filter(room=access.room, role=Membership.Role.OWNER).update(
            role=Membership.Role.ADMIN
        )
    target.role = role
    target.save(update_fields=["role"])
    return target


@transaction.atomic
def remove_member(
    *, actor: User, room_id: int, user_id: int, ban: bool = False, ip: str | None = None
) -> Membership:
    """Leave a room (``user_id`` is the actor) or kick someone (room moderator+).

    A kick is recorded as ``member.kicked`` (target: the user; the room and
    ``ban`` in its details); leaving is not.

    A kick with ``ban`` also keeps them out until a room admin+ adds them back.
    An owner who leaves hands the room to the highest-ranked, longest-standing
    member left.
    """
    kicked = user_id != actor.pk
    if ban and not kicked:
        raise ValidationError(
            "You cannot ban yourself.", details={"ban": ["Only others can be banned."]}
        )
    access = visible_room(actor, room_id, for_update=True)
    target = _target_membership(access.room, user_id)
    if access.room.is_direct:
        raise PermissionDenied("Members of a direct room cannot leave or be removed.")
    if kicked:
        require(access.can_remove(target), "You cannot remove this member.")
    if ban:
        RoomBan.objects.get_or_create(
            room=access.room, user_id=user_id, defaults={"banned_by": actor}
        )
    target.delete()
    if kicked:
        audit.record(
            "member.kicked",
            actor=actor,
            target=("user", user_id),
            ip=ip,
            room_id=access.room.pk,
            ban=ban,
        )
    if target.role == Membership.Role.OWNER:
        _hand_over_ownership(access.room)
    _member_left(access.room.pk, target.user, kicked_by=actor if kicked else None)
    return target


def _hand_over_ownership(room: Room) -> None:
    members = Membership.objects.filter(room=room).order_by("joined_at", "id")
    heir = min(members, key=lambda m: -ROLE_RANK[m.role], default=None)
    if heir is None:
        return
    heir.role = Membership.Role.OWNER
    heir.save(update_fields=["role"])


@limited_per_user("invitation_user")
@transaction.atomic
def invite(*, actor: User, room_id: int, user_id: int) -> tuple[Invitation, bool]:
    """Invite a user into a room. Returns ``(invitation, created)``.

    Inviting someone who already has a pending invitation returns it; inviting
    a member is a conflict.
    """
    access = visible_room(actor, room_id)
    require(access.can_add_members, "You cannot invite people to this room.")
    invitee = active_user(user_id)
    if Membership.objects.filter(room=access.room, user=invitee).exists():
        raise Conflict("This user is already a member of the room.")
    pending = Invitation.objects.filter(
        room=access.room, invitee=invitee, status=Invitation.Status.PENDING
    ).first()
    if pending is not None:
        return pending, False
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(room=access.room, inviter=actor, invitee=invitee)
            _notify_invitation(invitation)
    except IntegrityError:
        return Invitation.objects.get(
            room=access.room, invitee=invitee, status=Invitation.Status.PENDING
        ), False
    return invitation, True


def _notify_invitation(invitation: Invitation) -> None:
    # Imported here: rooms.serializers reads this module's input limits.
    from rooms.serializers import InvitationSerializer

    data = InvitationSerializer(invitation).data
    publish.to_user(invitation.invitee_id, {"type": "invitation", "invitation": data})
    publish.to_user(
        invitation.invitee_id,
        {
            "type": "notification",
            "kind": "invitation",
            "room_id": invitation.room_id,
            "invitation": data,
        },
    )


def _my_pending_invitation(actor: User, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, invitee=actor, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


@transaction.atomic
def accept_invitation(*, actor: User, invitation_id: int) -> Membership:
    """Accept a pending invitation: the invitee becomes a member."""
    invitation = _my_pending_invitation(actor, invitation_id)
    room = Room.objects.get(pk=invitation.room_id)
    permissions.require_writable(room)
    permissions.require_not_banned(room, actor)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return _add_membership(room, actor)


@transaction.atomic
def decline_invitation(*, actor: User, invitation_id: int) -> Invitation:
    """Decline a pending invitation."""
    invitation = _my_pending_invitation(actor, invitation_id)
    invitation.status = Invitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invitation
