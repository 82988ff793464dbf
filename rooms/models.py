from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RoomQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Rooms whose messages ``user`` may read: public ones, and private ones they belong to.

        Site admins read every room but direct ones they are not part of.
        """
        if not user.is_authenticated:
            return self.none()
        member_of = Q(memberships__user=user)
        if user.is_site_admin:
            return self.filter(~Q(type=Room.Type.DIRECT) | member_of).distinct()
        return self.filter(Q(type=Room.Type.PUBLIC) | Q(pk__in=_member_room_ids(user)))


def _member_room_ids(user):
    return Membership.objects.filter(user=user).values("room_id")


class Room(models.Model):
    class Type(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private"
        DIRECT = "direct", "Direct"

    name = models.CharField(max_length=80)
    description = models.TextField(max_length=1000, blank=True)
    topic = models.CharField(max_length=250, blank=True)
    type = models.CharField(max_length=8, choices=Type.choices, default=Type.PUBLIC)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # "<lower user id>:<higher user id>" for direct rooms: the unique index makes
    # get-or-create of a pair's room safe under concurrent requests.
    direct_key = models.CharField(max_length=48, null=True, blank=True, unique=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["type", "name"], name="room_type_name_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_direct(self) -> bool:
        return self.type == self.Type.DIRECT


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MODERATOR = "moderator", "Moderator"
        MEMBER = "member", "Member"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    # The read marker: the newest message id this member has read. Unread and
    # mention counts are the room's messages after it. Set to the room's newest
    # message on joining, so earlier history is not "unread".
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="membership_room_user_unique")
        ]
        indexes = [models.Index(fields=["user", "room"], name="membership_user_room_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} ({self.role})"


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invitations")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["room", "invitee"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_invitee",
            )
        ]
        indexes = [models.Index(fields=["invitee", "status"], name="invitation_invitee_idx")]

    def __str__(self) -> str:
        return f"{self.invitee_id} to {self.room_id} ({self.status})"


class RoomBan(models.Model):
    """A kick that keeps the user out: no joining, being added or accepting an invitation.

    Lifted when a room admin+ adds the user back (as Synapse's ban and unban).
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="room_ban_room_user_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} banned from {self.room_id}"
