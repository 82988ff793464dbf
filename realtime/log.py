"""The durable event log: append, replay, redact and prune the room events sockets receive.

Durable room events (message.*, reaction.*, read, room.updated, room.deleted, member.*)
are appended to the event log (realtime.Event) inside the transaction of
the change, then published once it commits to the one group every server process
follows (realtime/publish.py), whose fan-out writes it to the room's sockets. The frame is
encoded once per event, here; consumers relay the text untouched.

Commit order: on PostgreSQL two transactions can take ids 7 and 8 and
commit 8 first; a client that saw 8 and resumes "after 8" would never get 7.
Appending takes a transaction-scoped advisory lock first, so event ids are
handed out one transaction at a time, in commit order. The lock is taken as
the last step of the transaction: record() buffers the transaction's events
and the database backend appends them right before COMMIT
(lair/db/commit_buffer.py), the lock, the predecessor lookup and every
insert in one server-side call (realtime migration 0002). The serialized
section is that call and COMMIT, whatever the transaction did before. It
relies on READ COMMITTED (Django's default): under REPEATABLE READ the
predecessor would be read from before the lock wait.
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
from dataclasses import dataclass
from datetime import timedelta

import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
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
        "room.deleted",
        "member.joined",
        "member.left",
    }
)


def with_event_id(event_id: int, payload: str) -> str:
    """Insert ``event_id`` as the first key of an encoded frame (no re-encoding)."""
    return f'{{"event_id":{int(event_id)},{payload[1:]}'


@dataclass(slots=True)
class PendingEvent:
    """A durable event of the open transaction, appended to the log right before COMMIT."""

    room_id: int
    target_user_id: int | None
    type: str
    payload: str
    message_id: int | None = None
    room_gone: bool = False
    # Filled by the append.
    event_id: int | None = None
    previous: int | None = None

    def published_message(self) -> dict:
        return room_event_message(
            self.event_id,
            self.previous,
            self.room_id,
            self.type,
            self.target_user_id,
            self.payload,
            room_gone=self.room_gone,
        )


def _append_events(db, events: list[PendingEvent]) -> None:
    """Append ``events`` in log order in one call; fills their ids and predecessors.

    The flush of the transaction's buffer (lair/db/commit_buffer.py): it runs
    right before COMMIT, so the event-log lock it takes is held for this
    call and COMMIT only, whatever the transaction did before.
    """
    if not events:
        return
    if db.vendor == "postgresql":
        # Lock, predecessor and every insert in one round trip (realtime
        # migration 0002).
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT event_id, previous_id FROM lair_append_events("
                "%s, %s::bigint[], %s::bigint[], %s::varchar[], %s::text[], %s::bigint[], %s)",
                [
                    EVENT_LOG_LOCK,
                    [event.room_id for event in events],
                    [event.target_user_id for event in events],
                    [event.type for event in events],
                    [event.payload for event in events],
                    [event.message_id for event in events],
                    timezone.now(),
                ],
            )
            links = cursor.fetchall()
    else:
        # SQLite: the IMMEDIATE transaction already holds the only write lock.
        logged = Event.objects.using(db.alias)
        previous = logged.order_by("-id").values_list("id", flat=True).first()
        rows = logged.bulk_create(
            [
                Event(
                    room_id=event.room_id,
                    target_user_id=event.target_user_id,
                    type=event.type,
                    payload=event.payload,
                    message_id=event.message_id,
                )
                for event in events
            ]
        )
        links = []
        for row in rows:
            links.append((row.pk, previous))
            previous = row.pk
    for event, (event_id, previous) in zip(events, links, strict=True):
        event.event_id, event.previous = event_id, previous


def record(
    type: str,
    room_id: int,
    *,
    target_user_id: int | None = None,
    room_gone: bool = False,
    **fields,
) -> None:
    """Log a durable room event with the open transaction; broadcast it after commit.

    The event is buffered and appended with the transaction's other events
    right before its COMMIT (lair/db/commit_buffer.py), so it is the last
    write of the transaction wherever in it this is called. Outside a
    transaction it is appended at once. Its event_id exists only from then
    on: nothing returns it. With ``room_gone`` every socket following the
    room stops after this frame.
    """
    assert type in DURABLE_TYPES, type
    payload = encode({"type": type, "room_id": room_id, **fields})
    # A message object in the payload is indexed by its id: edits and deletes
    # rewrite it (redact_message).
    embedded = fields.get("message")
    message_id = embedded.get("id") if isinstance(embedded, dict) else None
    event = PendingEvent(room_id, target_user_id, type, payload, message_id, room_gone)
    db = transaction.get_connection()
    buffer = getattr(db, "buffer_until_commit", None)
    if buffer is None:
        raise ImproperlyConfigured(
            "The event log needs a lair.db database engine (lair.db.sqlite3 or "
            "lair.db.postgresql): they append a transaction's events right before COMMIT."
        )
    if not buffer(_append_events, event):
        _append_events(db, [event])
    # Published at once after commit; the fan-out restores the log order.
    transaction.on_commit(lambda: publish_now(event.published_message()), robust=True)


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
    or delete. It takes no lock: the log's lock comes with the append, right
    before COMMIT, so these writes never run under it. Events of the same
    transaction still waiting for that append are rewritten too. Returns how
    many logged rows were rewritten.
    """
    for event in transaction.get_connection().buffered(_append_events):
        if event.message_id == message["id"]:
            event.payload = _redacted(event.payload, message) or event.payload
    rows = list(Event.objects.filter(message_id=message["id"]).only("id", "payload"))
    changed = []
    for row in rows:
        payload = _redacted(row.payload, message)
        if payload is not None:
            row.payload = payload
            changed.append(row)
    if changed:
        Event.objects.bulk_update(changed, ["payload"])
    return len(changed)


def _redacted(payload: str, message: dict) -> str | None:
    """``payload`` with its embedded ``message`` text as it is now; None if it embeds none."""
    frame = orjson.loads(payload)
    embedded = frame.get("message")
    if not isinstance(embedded, dict) or embedded.get("id") != message["id"]:
        return None
    for field in TEXT_FIELDS:
        if field in message:
            embedded[field] = message[field]
        else:
            embedded.pop(field, None)
    return encode(frame)


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
        room_gone = type == "room.deleted"
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
