"""What ``resume`` may replay: never text that was deleted or edited away, and only
events of a room from the time the member joined it, none after they left."""

from __future__ import annotations

import json

import pytest
from django.db.models import Min

from realtime.models import Event
from tests.factories import UserFactory
from tests.helpers import client_for
from tests.helpers import posted as post

pytestmark = pytest.mark.django_db(transaction=True)


def replay(socket, limit: int = 200) -> list[dict]:
    """Resume from the start of the log; every frame up to ``resumed`` (presence skipped).

    The start is 0 on a fresh database; earlier tests' events are flushed, and
    resuming from before the oldest event left would answer resync_required.
    """
    oldest = Event.objects.aggregate(oldest=Min("id"))["oldest"] or 1
    socket.send({"type": "resume", "after": oldest - 1})
    frames = []
    for _ in range(limit):
        frame = socket.receive(timeout=3)
        if frame["type"] == "resumed":
            return frames
        frames.append(frame)
    raise AssertionError("no resumed frame")


def test_deleted_text_never_comes_back_over_resume(connect_as, alice, bob, room):
    message = post(alice, room["id"], "the launch code is 0451")
    assert client_for(alice).delete(f"/api/v1/messages/{message['id']}").status_code == 204

    socket, _ = connect_as(bob)
    frames = replay(socket)

    assert "0451" not in json.dumps(frames)
    created = [f for f in frames if f["type"] == "message.created"]
    assert [f["message"]["id"] for f in created] == [message["id"]]
    assert created[0]["message"]["deleted"] is True
    assert created[0]["message"]["content"] == ""
    # The log itself keeps no copy either.
    assert not Event.objects.filter(payload__contains="0451").exists()


def test_edited_away_text_never_comes_back_over_resume(connect_as, alice, bob, room):
    message = post(alice, room["id"], "meet at the old mill")
    url = f"/api/v1/messages/{message['id']}"
    assert (
        client_for(alice).patch(url, {"content": "meet at the bridge"}, "json").status_code == 200
    )
    assert client_for(alice).patch(url, {"content": "meet at noon"}, "json").status_code == 200

    socket, _ = connect_as(bob)
    text = json.dumps(replay(socket))

    assert "old mill" not in text
    assert "bridge" not in text
    assert "meet at noon" in text


def test_text_deleted_after_an_edit_is_gone_from_every_frame(connect_as, alice, bob, room):
    message = post(alice, room["id"], "first draft")
    url = f"/api/v1/messages/{message['id']}"
    client_for(alice).patch(url, {"content": "second draft"}, "json")
    client_for(alice).delete(url)

    socket, _ = connect_as(bob)
    frames = replay(socket)

    text = json.dumps(frames)
    assert "first draft" not in text
    assert "second draft" not in text
    kinds = [f["type"] for f in frames if f.get("message", {}).get("id") == message["id"]]
    assert kinds == ["message.created", "message.updated", "message.deleted"]


def test_a_thread_reply_deleted_later_leaves_no_text_in_the_log(connect_as, alice, bob, room):
    root = post(alice, room["id"], "root")
    reply = post(bob, room["id"], "a private aside", parent_id=root["id"])
    client_for(bob).delete(f"/api/v1/messages/{reply['id']}")

    socket, _ = connect_as(alice)
    assert "private aside" not in json.dumps(replay(socket))


def test_a_member_added_later_gets_nothing_from_before_they_joined(connect_as, alice, room):
    post(alice, room["id"], "before carol")
    carol = UserFactory(username="carol")
    client_for(carol).post(f"/api/v1/rooms/{room['id']}/members", {}, format="json")
    after_join = post(alice, room["id"], "after carol")

    socket, _ = connect_as(carol)
    frames = replay(socket)

    assert "before carol" not in json.dumps(frames)
    assert [f["type"] for f in frames] == ["member.joined", "message.created"]
    assert frames[0]["user"]["id"] == carol.pk
    assert frames[1]["message"]["id"] == after_join["id"]


def test_a_member_of_a_private_room_added_later_gets_nothing_from_before(connect_as, alice, bob):
    room = (
        client_for(alice)
        .post("/api/v1/rooms", {"name": "secret", "type": "private"}, format="json")
        .json()
    )
    post(alice, room["id"], "said before bob came")
    client_for(alice).post(
        f"/api/v1/rooms/{room['id']}/members", {"user_id": bob.pk}, format="json"
    )

    socket, _ = connect_as(bob)
    frames = replay(socket)

    assert "before bob came" not in json.dumps(frames)
    assert [f["type"] for f in frames] == ["member.joined"]


def test_a_member_who_left_and_came_back_misses_what_was_said_in_between(
    connect_as, alice, bob, room
):
    client_for(bob).delete(f"/api/v1/rooms/{room['id']}/members/{bob.pk}")
    post(alice, room["id"], "while bob was away")
    client_for(bob).post(f"/api/v1/rooms/{room['id']}/members", {}, format="json")

    socket, _ = connect_as(bob)
    assert "while bob was away" not in json.dumps(replay(socket))


def test_a_removed_member_gets_no_room_events_after_the_removal(connect_as, alice, bob, room):
    post(alice, room["id"], "before the kick")
    client_for(alice).delete(f"/api/v1/rooms/{room['id']}/members/{bob.pk}")
    post(alice, room["id"], "after the kick")
    client_for(alice).patch(f"/api/v1/rooms/{room['id']}", {"topic": "kicked"}, "json")

    socket, _ = connect_as(bob)
    frames = replay(socket)

    text = json.dumps(frames)
    assert "after the kick" not in text
    assert not [f for f in frames if f["type"] == "room.updated"]
    # Their own removal is still theirs to see.
    assert [f for f in frames if f["type"] == "member.left"][-1]["user"]["id"] == bob.pk
