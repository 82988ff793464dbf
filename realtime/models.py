from django.db import models
from django.db.models import Q
from django.utils import timezone


class Event(models.Model):
    """The durable event log: every room event a reconnecting client may have missed.

    Appended in the same transaction as the change it describes; ``id`` is the
    ``event_id`` clients resume from, and increases in commit order (see
    realtime/log.py for how PostgreSQL is kept to that).
    ``room_id`` and ``target_user_id`` are plain columns, not foreign keys:
    the log outlives deleted rooms and users until it is pruned.
    """

    room_id = models.BigIntegerField()
    # The member a member.* event is about: they get it on resume even after
    # leaving the room.
    target_user_id = models.BigIntegerField(null=True, blank=True)
    type = models.CharField(max_length=32)
    # The message whose object the payload embeds (message.*): an edit or a
    # delete rewrites these rows, so old text never comes back over resume.
    message_id = models.BigIntegerField(null=True, blank=True)
    # The frame as JSON text, without its event_id (added when sent).
    payload = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table kept its name when the log moved down from messaging.
        db_table = "messaging_event"
        indexes = [
            models.Index(fields=["room_id", "id"], name="event_room_idx"),
            models.Index(
                fields=["target_user_id", "id"],
                name="event_target_idx",
                condition=Q(target_user_id__isnull=False),
            ),
            models.Index(fields=["created_at"], name="event_created_idx"),
            models.Index(
                fields=["message_id"],
                name="event_message_idx",
                condition=Q(message_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.type} in {self.room_id}"
