from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rooms.models import Room


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    # Kept when the author's account is deleted: the conversation stays readable.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="messages"
    )
    content = models.TextField()
    # ``content`` rendered when it is written (messaging.rendering): reads
    # never render. "" once deleted, like ``content``.
    html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    reply_count = models.PositiveIntegerField(default=0)
    # Idempotency key chosen by the client: one message per (author, client_id).
    # NULL, not "", when absent: the partial unique index skips NULLs.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        indexes = [
            # History pages, last message and unread counts of a room.
            models.Index(fields=["room", "id"], name="message_room_id_idx"),
            models.Index(
                fields=["parent", "id"],
                name="message_thread_idx",
                condition=Q(parent__isnull=False),
            ),
            models.Index(fields=["author", "id"], name="message_author_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_author_client_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk} in {self.room_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="reaction_once_per_user_emoji"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class Mention(models.Model):
    """``@username`` in a message; ``room`` is copied for per-room mention counts."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="mention_once_per_message")
        ]
        indexes = [models.Index(fields=["user", "room", "message"], name="mention_user_room_idx")]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"
