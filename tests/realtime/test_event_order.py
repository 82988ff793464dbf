"""Log order on the socket when broadcasts race or go missing.

Publishers broadcast right after their commits, from many threads and
processes, so a process can receive event 8 before event 7. These tests
publish logged events the way another server process would (through the
channel layer, out of order or not at all) and check what a socket sees.
"""

from __future__ import annotations

import pytest

from realtime import log as events
from realtime.models import Event
from realtime.publish import publish_now
from tests.helpers import posted as post

pytestmark = pytest.mark.django_db(transaction=True)


def log_messages(room_id: int, count: int) -> list[dict]:
    """Append ``count`` message events to the log without broadcasting them."""
    after = events.latest_event_id()
    for n in range(count):
        Event.objects.create(
            room_id=room_id,
            type="message.created",
            payload=events.encode(
                {"type": "message.created", "room_id": room_id, "message": {"content": f"m{n}"}}
            ),
        )
    return events.logged_messages(after, None, limit=count)


def contents(frames) -> list[str]:
    return [f["message"]["content"] for f in frames]


def test_an_event_that_arrives_before_its_predecessor_waits_for_it(connect_as, bob, room):
    socket, _ = connect_as(bob)
    first, second, third = log_messages(room["id"], 3)
    publish_now(third)
    publish_now(first)
    publish_now(second)
    frames = [socket.receive() for _ in range(3)]
    assert contents(frames) == ["m0", "m1", "m2"]
    assert [f["event_id"] for f in frames] == [m["event_id"] for m in (first, second, third)]
    assert socket.nothing_received()


def test_a_broadcast_that_never_comes_is_read_from_the_log(connect_as, bob, room, settings):
    socket, _ = connect_as(bob)
    lost, arrived = log_messages(room["id"], 2)
    publish_now(arrived)
    frames = [socket.receive(timeout=3) for _ in range(2)]
    assert contents(frames) == ["m0", "m1"]
    assert frames[0]["event_id"] == lost["event_id"]
    # The lost broadcast turning up late is not delivered twice.
    publish_now(lost)
    assert socket.nothing_received(timeout=0.6)


def test_a_lost_broadcast_with_nothing_after_it_still_arrives(connect_as, bob, room, settings):
    settings.EVENT_TAIL_CHECK_SECONDS = 0.2
    socket, _ = connect_as(bob)
    (lost,) = log_messages(room["id"], 1)  # committed, never broadcast, nothing follows
    frame = socket.receive(timeout=3)
    assert (frame["event_id"], frame["message"]["content"]) == (lost["event_id"], "m0")
    assert socket.nothing_received(timeout=0.6)


def test_a_departure_read_from_the_log_still_stops_the_socket(connect_as, bob, room):
    socket, _ = connect_as(bob)
    after = events.latest_event_id()
    Event.objects.create(
        room_id=room["id"],
        target_user_id=bob.pk,
        type="member.left",
        payload=events.encode(
            {"type": "member.left", "room_id": room["id"], "user": {"id": bob.pk}}
        ),
    )
    left = events.logged_messages(after, None, limit=1)[0]
    assert left["unsubscribe_user"] == bob.pk
    (later,) = log_messages(room["id"], 1)
    publish_now(later)  # member.left's broadcast was lost
    assert socket.receive(timeout=3)["type"] == "member.left"
    assert socket.nothing_received(timeout=0.6)


def test_events_posted_concurrently_reach_a_socket_in_log_order(connect_as, alice, bob, room):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    socket, _ = connect_as(bob)

    def post_and_close(n):
        try:
            post(alice, room["id"], f"c{n}")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(post_and_close, range(12)))
    frames = [socket.receive(timeout=3) for _ in range(12)]
    ids = [f["event_id"] for f in frames]
    assert ids == sorted(ids)
    logged = list(
        Event.objects.filter(room_id=room["id"], type="message.created")
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert ids == logged[-12:]


def test_concurrent_appends_each_name_the_event_before_them(transactional_db):
    """The chain the fan-out orders by: under concurrent writers, no link skipped or shared."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections, transaction

    def append_some(worker):
        appended = []
        try:
            for _ in range(10):
                # Two events a transaction: one append call, two links.
                batch = [events.PendingEvent(worker, None, "read", "{}") for _ in range(2)]
                with transaction.atomic():
                    events._append_events(connections["default"], batch)
                appended.extend((event.event_id, event.previous) for event in batch)
        finally:
            connections.close_all()
        return appended

    start = events.latest_event_id()
    with ThreadPoolExecutor(max_workers=8) as pool:
        links = sorted(link for chunk in pool.map(append_some, range(8)) for link in chunk)
    ids = [event_id for event_id, _ in links]
    assert [previous or 0 for _, previous in links] == [start, *ids[:-1]]
