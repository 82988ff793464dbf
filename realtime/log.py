"""The durable event log: append, replay, redact and prune the room events sockets receive.

Durable room events (message.*, reaction.*, read, room.updated, member.*)
are appended to the event log (realtime.Event) inside the transaction of
the change, then broadcast to the room's group once it commits. The frame is
encoded once per event, here; consumers relay the text untouched.

Commit order: on PostgreSQL two transactions can take ids 7 and 8 and
commit 8 first; a client that saw 8 and resumes "after 8" would never get 7.
Appending takes a transaction-scoped advisory lock first, so event ids are
handed out one transaction at a time, in commit order. The lock is taken as
the last step of the transaction, with the predecessor lookup and the insert
in the same server-side call (migration 0004): the serialized section is
that call and COMMIT. It relies on READ COMMITTED (Django's default): under
REPEATABLE READ the predecessor would be read from before the lock wait.
SQLite serializes writers already (IMMEDIATE transactions).

Publish order: commits are ordered, but the broadcasts after them race
(another thread, another process). A socket that got 8 before 7 and then
dropped would resume "after 8" and lose 7. So each published event names its
predecessor in the log (``previous``), and every process's fan-out
(realtime/fanout.py) delivers in that order: it holds an event whose
predecessor it has not delivered yet, briefly, then reads the gap from the
log. A publisher never waits for another event's broadcast.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from realtime.models import Event
from realtime.publish import encode, publish_now

logger = logging.getLogger(__name__)

EVENT_LOG_LOCK = 0x1A12_C4A7  # any constant shared by every process

DURABLE_TYPES = frozenset(
    {
        "message.created",
        "message.updated",
        "message.deleted",
        "reaction.added",
        "reaction.removed",
        "read",
        "room.updated",
        "member.joined",
        "member.left",
    }
)


def with_event_id(event_id: int, payload: str) -> str:
    """Insert ``event_id`` as the first key of an encoded frame (no re-encoding)."""
    return f'{{"event_id":{int(event_id)},{payload[1:]}'


def _append(
    room_id: int,
    target_user_id: int | None,
    type: str,
    payload: str,
    message_id: int | None = None,
):
    """Insert the event; returns (its id, the id of the event before it in the log)."""
    if connection.vendor == "postgresql":
        # Lock, predecessor and insert in one round trip (migrations 0004, 0006).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT event_id, previous_id FROM lair_append_event(%s, %s, %s, %s, %s, %s, %s)",
                [
                    EVENT_LOG_LOCK,
                    room_id,
                    target_user_id,
                    type,
                    payload,
                    timezone.now(),
                    message_id,
                ],
            )
            return cursor.fetchone()
    # SQLite: the IMMEDIATE transaction already holds the only write lock.
    previous = latest_event_id() or None
    event = Event.objects.create(
        room_id=room_id,
        target_user_id=target_user_id,
        type=type,
        payload=payload,
        message_id=message_id,
    )
    return event.pk, previous


def record(
    type: str,
    room_id: int,
    *,
    target_user_id: int | None = None,
    room_gone: bool = False,
    **fields,
) -> int:
    """Append a durable room event and broadcast it after commit. Returns its event_id.

    Call inside the transaction of the change, as its last write. With
    ``room_gone`` every socket following the room stops after this frame.
    """
    assert type in DURABLE_TYPES, type
    payload = encode({"type": type, "room_id": room_id, **fields})
    # A message object in the payload is indexed by its id: edits and deletes
    # rewrite it (redact_message).
    embedded = fields.get("message")
    message_id = embedded.get("id") if isinstance(embedded, dict) else None
    event_id, previous = _append(room_id, target_user_id, type, payload, message_id)
    message = room_event_message(
        event_id, previous, room_id, type, target_user_id, payload, room_gone=room_gone
    )
    # Published at once after commit; the fan-out restores the log order.
    transaction.on_commit(lambda: publish_now(message), robust=True)
    return event_id


# The fields of a message object that carry what its author wrote.
TEXT_FIELDS = ("content", "html", "edited_at", "deleted", "mentions")


def redact_message(message: dict) -> int:
    """Rewrite the logged payloads embedding ``message`` to its text as it is now.

    Why rewrite rather than build replayed frames from current rows: the log
    is what every path reads (resume, and a fan-out filling a gap after a
    lost broadcast), so fixing the rows fixes them all, and replay stays a
    plain read of the log. Only the text-bearing fields change (reactions and
    reply counts keep the history their own events tell). Found through the
    ``message_id`` index, never a scan; called in the transaction of the edit
    or delete, BEFORE its own event is recorded, since record() takes the
    log's lock held until COMMIT. Returns how many rows were rewritten.
    """
    rows = list(Event.objects.filter(message_id=message["id"]).only("id", "payload"))
    changed = []
    for row in rows:
        frame = orjson.loads(row.payload)
        embedded = frame.get("message")
        if not isinstance(embedded, dict) or embedded.get("id") != message["id"]:
            continue
        for field in TEXT_FIELDS:
            if field in message:
                embedded[field] = message[field]
            else:
                embedded.pop(field, None)
        row.payload = encode(frame)
        changed.append(row)
    if changed:
        Event.objects.bulk_update(changed, ["payload"])
    return len(changed)


def room_event_message(
    event_id: int,
    previous: int | None,
    room_id: int,
    type: str,
    target_user_id: int | None,
    payload: str,
    *,
    room_gone: bool = False,
) -> dict:
    """The channel-layer message of a durable event, as published and as read back from the log."""
    message = {
        "type": "room.event",
        "room_id": room_id,
        "event_id": event_id,
        "previous": previous,
        "text": with_event_id(event_id, payload),
    }
    # The member's own sockets start following the room before this frame, or
    # stop after it; a deleted room stops for everyone.
    if type == "member.joined" and target_user_id is not None:
        message["subscribe_user"] = target_user_id
    elif type == "member.left" and target_user_id is not None:
        message["unsubscribe_user"] = target_user_id
    if room_gone:
        message["room_gone"] = True
    return message


def latest_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def logged_messages(after: int, upto: int | None, *, limit: int) -> list[dict]:
    """The messages of the first ``limit`` durable events after ``after`` (to ``upto``).

    What a process's fan-out reads when a broadcast went missing (a publisher
    died after its commit, Redis restarted): the log has every event.
    """
    rows = Event.objects.filter(id__gt=after)
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    rows = rows.order_by("id").values_list("id", "room_id", "type", "target_user_id", "payload")
    rows = rows[:limit]
    messages, previous = [], after
    for event_id, room_id, type, target_user_id, payload in rows:
        room_gone = type == "room.updated" and bool(
            orjson.loads(payload).get("room", {}).get("deleted")
        )
        messages.append(
            room_event_message(
                event_id, previous, room_id, type, target_user_id, payload, room_gone=room_gone
            )
        )
        previous = event_id
    return messages


def retention() -> timedelta:
    return timedelta(days=settings.EVENT_LOG_RETENTION_DAYS)


def events_after(after: int, *, member_room_ids, user_id: int, limit: int):
    """Durable events after ``after`` for these rooms (and about this user), oldest first.

    ``member_room_ids`` are the rooms the user is a member of now (the caller
    reads the membership): a member gets a room's events only from their
    (latest) join on, and none of a room they no longer belong to, whatever
    rooms the socket still follows. Events about the user themselves (their
    own joins and removals) always come.
    """
    member_of = set(member_room_ids)
    # The join event of each membership newer than ``after``: the room's events
    # before it are not this member's. Read through event_target_idx.
    joined = dict(
        Event.objects.filter(
            target_user_id=user_id, type="member.joined", room_id__in=member_of, id__gt=after
        )
        .values("room_id")
        .annotate(last=Max("id"))
        .values_list("room_id", "last")
    )
    scope = Q(target_user_id=user_id)
    since_after = member_of - joined.keys()
    if since_after:
        scope |= Q(room_id__in=sorted(since_after))
    for room_id, join_id in joined.items():
        scope |= Q(room_id=room_id, id__gt=join_id)
    return list(
        Event.objects.filter(scope, id__gt=after)
        .order_by("id")
        .values_list("id", "room_id", "payload")[:limit]
    )


def can_resume_from(after: int) -> bool:
    """False when events after ``after`` may already be pruned from the log."""
    oldest = Event.objects.aggregate(oldest=Min("id"))["oldest"]
    if oldest is None:
        return True
    return after >= oldest - 1


def prune_event_log(*, older_than: timedelta | None = None) -> int:
    """Delete events past the retention period; returns how many."""
    cutoff = timezone.now() - (older_than or retention())
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
