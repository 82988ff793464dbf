"""A transaction's events wait for its COMMIT: what is rolled back is neither logged nor sent."""

from __future__ import annotations

import orjson
import pytest
from django.db import transaction

from messaging import services as messaging
from realtime import log
from realtime.models import Event
from rooms import services as rooms
from tests.factories import UserFactory


@pytest.fixture
def room(alice, bob):
    room = rooms.create_room(actor=alice, name="general", type="public")
    rooms.join_room(actor=bob, room_id=room.pk)
    return room


def logged_types(room_id: int) -> list[str]:
    return list(Event.objects.filter(room_id=room_id).order_by("id").values_list("type", flat=True))


class Abandoned(Exception):
    """Raised to roll a block back."""


def record_topic_then_fail(room_id: int, topic: str) -> None:
    with transaction.atomic():
        log.record("room.updated", room_id, room={"id": room_id, "topic": topic})
        raise Abandoned


def post_then_fail(actor, room_id: int) -> None:
    with transaction.atomic():
        messaging.post_message(actor=actor, room_id=room_id, content="never stored")
        raise Abandoned


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_savepoint_is_neither_logged_nor_published(room, capture_events):
    with capture_events() as events, transaction.atomic():
        log.record("room.updated", room.pk, room={"id": room.pk, "topic": "kept"})
        with pytest.raises(Abandoned):
            record_topic_then_fail(room.pk, "rolled back")
    topics = [
        orjson.loads(payload)["room"]["topic"]
        for payload in Event.objects.filter(room_id=room.pk, type="room.updated").values_list(
            "payload", flat=True
        )
    ]
    assert topics == ["kept"]
    assert [(e.type, e.frame["room"]["topic"]) for e in events] == [("room.updated", "kept")]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_logs_and_publishes_nothing(alice, room, capture_events):
    before = logged_types(room.pk)
    with capture_events() as events, pytest.raises(Abandoned):
        post_then_fail(alice, room.pk)
    assert logged_types(room.pk) == before
    assert events == []


@pytest.mark.django_db(transaction=True)
def test_events_of_one_transaction_are_published_in_log_order_each_naming_the_one_before(
    alice, bob, capture_events
):
    before = log.latest_event_id()
    with capture_events() as events:
        room, _ = rooms.get_or_create_direct_room(actor=alice, user_id=bob.pk)
    joins = [e for e in events if e.kind == "room.event"]
    assert [(e.type, e.frame["user"]["id"]) for e in joins] == [
        ("member.joined", alice.pk),
        ("member.joined", bob.pk),
    ]
    first, second = joins
    assert (first.previous or 0, second.previous) == (before, first.event_id)
    logged = list(Event.objects.filter(room_id=room.pk).order_by("id").values_list("id", flat=True))
    assert logged == [first.event_id, second.event_id]
    assert [e.frame["event_id"] for e in joins] == logged


def test_an_event_recorded_outside_a_transaction_is_logged_at_once(room):
    log.record("room.updated", room.pk, room={"id": room.pk, "topic": "at once"})
    assert logged_types(room.pk)[-1] == "room.updated"


def test_an_edit_in_the_transaction_of_its_post_leaves_no_old_text_in_the_log(alice, room):
    with transaction.atomic():
        message = messaging.post_message(
            actor=alice, room_id=room.pk, content="first draft"
        ).message
        messaging.edit_message(actor=alice, message_id=message["id"], content="final text")
    payloads = Event.objects.filter(message_id=message["id"]).values_list("payload", flat=True)
    contents = [orjson.loads(payload)["message"]["content"] for payload in payloads]
    assert contents == ["final text", "final text"]


def test_posting_publishes_the_message_to_the_room_and_notifies_who_is_mentioned(
    alice, bob, room, capture_events
):
    with capture_events() as events:
        message = messaging.post_message(actor=alice, room_id=room.pk, content="hi @bob").message
    assert [(e.kind, e.type, e.room_id, e.user_id) for e in events] == [
        ("room.event", "message.created", room.pk, None),
        ("user.event", "notification", None, bob.pk),
    ]
    created, notification = events
    assert created.frame["message"]["id"] == message["id"]
    assert created.frame["event_id"] == created.event_id
    assert notification.frame["kind"] == "mention"


def test_editing_publishes_the_new_text_to_the_room(alice, room, capture_events):
    message = messaging.post_message(actor=alice, room_id=room.pk, content="draft").message
    with capture_events() as events:
        messaging.edit_message(actor=alice, message_id=message["id"], content="final")
    assert [(e.type, e.room_id, e.frame["message"]["content"]) for e in events] == [
        ("message.updated", room.pk, "final")
    ]


def test_joining_publishes_the_join_and_subscribes_the_new_member(room, capture_events):
    carol = UserFactory(username="carol")
    with capture_events() as events:
        rooms.join_room(actor=carol, room_id=room.pk)
    (joined,) = events
    assert (joined.type, joined.room_id, joined.frame["user"]["id"]) == (
        "member.joined",
        room.pk,
        carol.pk,
    )


def test_a_new_member_starts_with_every_earlier_message_read(alice, room):
    messaging.post_message(actor=alice, room_id=room.pk, content="before carol")
    newest = messaging.post_message(actor=alice, room_id=room.pk, content="newest").message
    carol = UserFactory(username="carol")
    membership, _ = rooms.join_room(actor=carol, room_id=room.pk)
    assert membership.last_read_message_id == newest["id"]
