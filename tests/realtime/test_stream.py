"""The WebSocket stream as a client meets it: auth, events, membership, errors."""

from __future__ import annotations

import json
import time

import pytest

from accounts.models import User
from tests.helpers import client_for, token_for
from tests.helpers import posted as post

pytestmark = pytest.mark.django_db(transaction=True)


# --- authentication ---------------------------------------------------------


def test_auth_frame_with_a_valid_token_answers_ready_with_my_rooms(connect_as, bob, room):
    _, ready = connect_as(bob)
    assert ready["user"]["id"] == bob.pk
    assert ready["user"]["username"] == "bob"
    assert "email" not in ready["user"]
    assert ready["rooms"] == [room["id"]]


def test_a_bad_token_closes_with_4001(sockets, transactional_db):
    socket = sockets()
    assert socket.connect()
    socket.send({"type": "auth", "token": "not-a-token"})
    assert socket.closed_with() == 4001


def test_any_other_first_frame_closes_with_4001(sockets, transactional_db):
    socket = sockets()
    assert socket.connect()
    socket.send({"type": "ping"})
    assert socket.closed_with() == 4001


def test_no_auth_frame_in_time_closes_with_4001(sockets, settings, transactional_db):
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    socket = sockets()
    assert socket.connect()
    assert socket.closed_with(timeout=3) == 4001


def test_a_revoked_session_token_is_refused(sockets, bob):
    from sessions_app.models import DeviceSession
    from sessions_app.services import revoke_session

    access, session_id = token_for(bob)
    revoke_session(session=DeviceSession.objects.get(pk=session_id), reason="logout")
    socket = sockets()
    assert socket.connect()
    socket.send({"type": "auth", "token": access})
    assert socket.closed_with() == 4001


def test_revoking_the_session_closes_its_open_socket(connect_as, bob, room):
    socket, _ = connect_as(bob)
    other, _ = connect_as(bob)
    response = client_for(bob).delete(f"/api/v1/sessions/{socket.session_id}")
    assert response.status_code == 204
    assert socket.closed_with() == 4003
    # The other device's socket stays open.
    other.send({"type": "ping"})
    assert other.receive()["type"] == "pong"


def test_a_foreign_origin_is_refused(sockets, transactional_db):
    socket = sockets(headers=[(b"origin", b"http://evil.example")])
    assert not socket.connect()


def test_a_browser_from_our_origin_signs_in_with_its_session_cookie(sockets, bob, room, client):
    client.force_login(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = sockets(
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)]
    )
    assert socket.connect()
    ready = socket.receive()
    assert ready["type"] == "ready"
    assert ready["user"]["id"] == bob.pk


def test_a_cookie_without_an_origin_header_is_not_trusted(sockets, bob, client):
    client.force_login(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = sockets(headers=[(b"cookie", cookie)])
    assert socket.connect()
    socket.send({"type": "ping"})
    assert socket.closed_with() == 4001


# --- events -------------------------------------------------------------------


def test_a_message_posted_over_rest_reaches_members_with_its_event_id(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    message = post(alice, room["id"], "hello bob")
    frame = socket.receive()
    assert frame["type"] == "message.created"
    assert frame["room_id"] == room["id"]
    assert frame["message"]["id"] == message["id"]
    assert frame["message"]["content"] == "hello bob"
    assert isinstance(frame["event_id"], int)


def test_edits_deletions_and_reactions_are_streamed_in_order(connect_as, alice, bob, room):
    message = post(alice, room["id"], "first version")
    socket, _ = connect_as(bob)
    api = client_for(alice)
    api.patch(f"/api/v1/messages/{message['id']}", {"content": "second"}, format="json")
    client_for(bob).post(f"/api/v1/messages/{message['id']}/reactions", {"emoji": "🎉"}, "json")
    client_for(bob).delete(f"/api/v1/messages/{message['id']}/reactions/🎉")
    api.delete(f"/api/v1/messages/{message['id']}")
    frames = [socket.receive() for _ in range(4)]
    assert [f["type"] for f in frames] == [
        "message.updated",
        "reaction.added",
        "reaction.removed",
        "message.deleted",
    ]
    assert frames[0]["message"]["content"] == "second"
    assert frames[1] | {"event_id": 0} == {
        "event_id": 0,
        "type": "reaction.added",
        "room_id": room["id"],
        "message_id": message["id"],
        "emoji": "🎉",
        "user_id": bob.pk,
    }
    assert frames[3]["message"]["deleted"] is True
    ids = [f["event_id"] for f in frames]
    assert ids == sorted(ids)


def test_a_mention_notifies_the_mentioned_member(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    post(alice, room["id"], "ping @bob")
    assert socket.receive()["type"] == "message.created"
    notification = socket.receive()
    assert notification["type"] == "notification"
    assert notification["kind"] == "mention"
    assert notification["message"]["content"] == "ping @bob"


def test_a_direct_message_notifies_the_other_person(connect_as, alice, bob):
    socket, _ = connect_as(bob)
    direct = client_for(alice).post("/api/v1/rooms/direct", {"user_id": bob.pk}, format="json")
    room_id = direct.json()["id"]
    joined = socket.receive_until("member.joined")
    assert joined["room_id"] == room_id
    post(alice, room_id, "psst")
    notification = socket.receive_until("notification")
    assert notification["kind"] == "direct_message"


def test_an_invitation_reaches_the_invitee(connect_as, alice, bob):
    socket, _ = connect_as(bob)
    api = client_for(alice)
    private = api.post("/api/v1/rooms", {"name": "secret", "type": "private"}, format="json")
    api.post(f"/api/v1/rooms/{private.json()['id']}/invitations", {"user_id": bob.pk}, "json")
    invitation = socket.receive_until("invitation")
    assert invitation["invitation"]["room"]["name"] == "secret"
    assert socket.receive_until("notification")["kind"] == "invitation"


def test_a_joining_member_starts_receiving_at_once(connect_as, alice, bob):
    api = client_for(alice)
    room_id = api.post("/api/v1/rooms", {"name": "later"}, format="json").json()["id"]
    socket, ready = connect_as(bob)
    assert room_id not in ready["rooms"]
    client_for(bob).post(f"/api/v1/rooms/{room_id}/members", {}, format="json")
    assert socket.receive()["type"] == "member.joined"
    post(alice, room_id, "welcome")
    assert socket.receive()["message"]["content"] == "welcome"


def test_a_kicked_member_stops_receiving_room_events(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    response = client_for(alice).delete(f"/api/v1/rooms/{room['id']}/members/{bob.pk}")
    assert response.status_code == 204
    left = socket.receive()
    assert left["type"] == "member.left"
    assert left["user"]["id"] == bob.pk
    assert left["kicked"] is True
    post(alice, room["id"], "bob is gone")
    assert socket.nothing_received()


def test_a_departing_member_stops_receiving(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    client_for(bob).delete(f"/api/v1/rooms/{room['id']}/members/{bob.pk}")
    assert socket.receive()["type"] == "member.left"
    post(alice, room["id"], "after you left")
    assert socket.nothing_received()


def test_room_changes_and_read_markers_are_streamed(connect_as, alice, bob, room):
    message = post(alice, room["id"], "read me")
    socket, _ = connect_as(alice)
    client_for(alice).patch(f"/api/v1/rooms/{room['id']}", {"topic": "news"}, format="json")
    updated = socket.receive()
    assert updated["type"] == "room.updated"
    assert updated["room"]["topic"] == "news"
    client_for(bob).post(f"/api/v1/rooms/{room['id']}/read", {"message_id": message["id"]}, "json")
    read = socket.receive()
    assert read["type"] == "read"
    assert (read["user_id"], read["message_id"]) == (bob.pk, message["id"])


def test_a_deleted_room_says_so_and_stops(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    client_for(alice).delete(f"/api/v1/rooms/{room['id']}")
    frame = socket.receive()
    assert (frame["type"], frame["room_id"]) == ("room.deleted", room["id"])
    assert frame["room"]["deleted"] is True


def test_operator_broadcast_reaches_every_socket(connect_as, alice, bob, room):
    from messaging.services import broadcast_system_message

    first, _ = connect_as(alice)
    second, _ = connect_as(bob)
    admin = User.objects.create_user("root", "root@example.org", "x", role=User.Role.ADMIN)
    broadcast_system_message(actor=admin, content="maintenance at noon")
    for socket in (first, second):
        frame = socket.receive_until("system")
        assert frame["content"] == "maintenance at noon"


# --- client frames and errors ---------------------------------------------------


def test_ping_answers_pong_with_its_id(connect_as, bob):
    socket, _ = connect_as(bob)
    socket.send({"type": "ping", "id": 42})
    assert socket.receive() == {"type": "pong", "id": 42}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "parse_error"),
        ("[1, 2]", "validation_error"),
        ('{"no": "type"}', "validation_error"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "resume", "after": "yesterday"}', "validation_error"),
        ('{"type": "typing", "room_id": 999999, "state": "start"}', "not_found"),
        ('{"type": "presence", "status": "asleep"}', "validation_error"),
    ],
)
def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(connect_as, bob, frame, code):
    socket, _ = connect_as(bob)
    socket.send(frame)
    error = socket.receive()
    assert error["type"] == "error"
    assert error["code"] == code
    socket.send({"type": "ping"})
    assert socket.receive()["type"] == "pong"


def test_oversized_frames_are_refused_without_closing(connect_as, bob, settings):
    socket, _ = connect_as(bob)
    socket.send(json.dumps({"type": "ping", "pad": "x" * (settings.WS_MAX_FRAME_BYTES + 1)}))
    assert socket.receive()["code"] == "payload_too_large"
    socket.send({"type": "ping"})
    assert socket.receive()["type"] == "pong"


def test_binary_frames_are_refused_without_closing(connect_as, bob):
    socket, _ = connect_as(bob)
    socket.send_bytes(b"\x00\x01")
    assert socket.receive()["code"] == "unsupported_frame"


def test_a_silent_socket_is_closed_after_the_idle_timeout(connect_as, bob, settings):
    settings.WS_IDLE_TIMEOUT_SECONDS = 0.6
    socket, _ = connect_as(bob)
    assert socket.closed_with(timeout=5) == 4000


# --- typing and presence -------------------------------------------------------------


def test_typing_is_relayed_to_the_room_and_expires(connect_as, alice, bob, room, settings):
    settings.TYPING_TIMEOUT_SECONDS = 0.4
    watcher, _ = connect_as(bob)
    typist, _ = connect_as(alice)
    typist.send({"type": "typing", "room_id": room["id"], "state": "start"})
    started = watcher.receive_until("typing")
    assert started["state"] == "start"
    assert started["user"]["id"] == alice.pk
    assert "event_id" not in started
    stopped = watcher.receive_until("typing", timeout=3)
    assert stopped["state"] == "stop"


def test_explicit_typing_stop_is_relayed(connect_as, alice, bob, room):
    watcher, _ = connect_as(bob)
    typist, _ = connect_as(alice)
    typist.send({"type": "typing", "room_id": room["id"], "state": "start"})
    assert watcher.receive_until("typing")["state"] == "start"
    typist.send({"type": "typing", "room_id": room["id"], "state": "stop"})
    assert watcher.receive_until("typing")["state"] == "stop"


def presence_of(socket, user) -> dict:
    """The next presence frame about ``user`` (others' comings and goings are skipped)."""
    while True:
        frame = socket.receive_until("presence", timeout=3)
        if frame["user_id"] == user.pk:
            return frame


def test_presence_goes_online_away_and_offline_after_the_grace_period(
    connect_as, alice, bob, room, settings
):
    settings.PRESENCE_GRACE_SECONDS = 0.2
    watcher, _ = connect_as(bob)
    socket, _ = connect_as(alice)
    assert presence_of(watcher, alice)["status"] == "online"
    profile = client_for(bob).get(f"/api/v1/users/{alice.pk}").json()
    assert profile["presence"] == "online"

    socket.send({"type": "presence", "status": "away"})
    assert presence_of(watcher, alice)["status"] == "away"

    socket.disconnect()
    offline = presence_of(watcher, alice)
    assert offline["status"] == "offline"
    assert offline["last_seen"]
    profile = client_for(bob).get(f"/api/v1/users/{alice.pk}").json()
    assert profile["presence"] == "offline"
    assert profile["last_seen"] is not None


def test_a_second_socket_keeps_the_user_online(connect_as, alice, bob, room, settings):
    settings.PRESENCE_GRACE_SECONDS = 0.2
    watcher, _ = connect_as(bob)
    first, _ = connect_as(alice)
    second, _ = connect_as(alice)
    assert presence_of(watcher, alice)["status"] == "online"
    first.disconnect()
    assert watcher.nothing_received(timeout=0.6)
    assert client_for(bob).get(f"/api/v1/users/{alice.pk}").json()["presence"] == "online"
    second.disconnect()


def test_each_process_refreshes_the_presence_of_all_its_users_at_once(
    connect_as, alice, bob, room, settings
):
    from realtime import presence

    settings.PRESENCE_SOCKETS_TTL_SECONDS = 1  # refreshed every 0.25 s
    connect_as(alice)
    connect_as(alice)
    connect_as(bob)
    # A user counted by a process that then stopped refreshing (it crashed).
    crashed = 987654
    presence.socket_opened(crashed)
    deadline = time.monotonic() + 10
    while presence.presence_of(crashed) != "offline":
        assert time.monotonic() < deadline, "a count nobody refreshes never expired"
        time.sleep(0.1)
    # Past the time-to-live: every user with a socket here was kept online.
    assert presence.presence_many([alice.pk, bob.pk]) == {alice.pk: "online", bob.pk: "online"}


# --- resume -------------------------------------------------------------------------


def test_resume_replays_missed_events_in_order_then_says_resumed(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    first = post(alice, room["id"], "seen")
    seen = socket.receive()
    socket.disconnect()
    missed = [post(alice, room["id"], f"missed {i}")["id"] for i in range(3)]
    client_for(alice).delete(f"/api/v1/messages/{first['id']}")

    socket, _ = connect_as(bob)
    socket.send({"type": "resume", "after": seen["event_id"]})
    frames = [socket.receive() for _ in range(5)]
    assert [f["type"] for f in frames] == ["message.created"] * 3 + [
        "message.deleted",
        "resumed",
    ]
    assert [f["message"]["id"] for f in frames[:3]] == missed
    ids = [f["event_id"] for f in frames[:4]]
    assert ids == sorted(ids)
    assert frames[4]["last_event_id"] == ids[-1]


def test_resume_with_nothing_missed_just_says_resumed(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    post(alice, room["id"], "live")
    live = socket.receive()
    socket.send({"type": "resume", "after": live["event_id"]})
    assert socket.receive() == {"type": "resumed", "last_event_id": live["event_id"]}


def test_resume_skips_events_already_delivered_on_this_socket(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    post(alice, room["id"], "one")
    before = socket.receive()["event_id"] - 1
    socket.send({"type": "resume", "after": before})
    assert socket.receive()["type"] == "resumed"


def test_resume_past_the_retention_asks_for_a_resync(connect_as, alice, bob, room):
    from datetime import timedelta

    from django.utils import timezone

    from realtime.log import prune_event_log
    from realtime.models import Event

    first = post(alice, room["id"], "old news")
    post(alice, room["id"], "newer")
    Event.objects.filter(payload__contains=f'"id":{first["id"]},').update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert prune_event_log() >= 1
    socket, _ = connect_as(bob)
    socket.send({"type": "resume", "after": 0})
    assert socket.receive() == {"type": "resync_required"}


def test_resume_replays_my_own_removal_from_a_room(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)
    post(alice, room["id"], "before")
    seen = socket.receive()["event_id"]
    socket.disconnect()
    client_for(alice).delete(f"/api/v1/rooms/{room['id']}/members/{bob.pk}")
    socket, ready = connect_as(bob)
    assert room["id"] not in ready["rooms"]
    socket.send({"type": "resume", "after": seen})
    left = socket.receive()
    assert left["type"] == "member.left"
    assert left["user"]["id"] == bob.pk
    assert socket.receive()["type"] == "resumed"


def test_prune_command_deletes_events_past_retention(alice, room, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from realtime.models import Event

    post(alice, room["id"], "x")
    Event.objects.update(
        created_at=timezone.now() - timedelta(days=settings.EVENT_LOG_RETENTION_DAYS + 1)
    )
    post(alice, room["id"], "y")
    call_command("prune_event_log")
    assert list(Event.objects.values_list("type", flat=True)) == ["message.created"]


def test_suspending_a_user_in_the_admin_closes_their_sockets(connect_as, bob, client):
    admin = User.objects.create_superuser("root", "root@example.org", "a-long-admin-password")
    socket, _ = connect_as(bob)
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{bob.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "avatar", "groups", "user_permissions")
    }
    data.update(
        {
            "is_suspended": "on",
            "is_active": "on",
            "date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
            "settings-TOTAL_FORMS": "1",
            "settings-INITIAL_FORMS": "1",
            "settings-MIN_NUM_FORMS": "0",
            "settings-MAX_NUM_FORMS": "1",
            "settings-0-user": str(bob.pk),
            "settings-0-theme": "system",
            "settings-0-notify": "all",
            "settings-0-language": "en",
            "settings-0-show_presence": "on",
            "settings-0-enter_to_send": "on",
        }
    )
    data.pop("last_login", None)
    data.pop("last_seen", None)
    data.pop("date_joined", None)
    response = client.post(f"/admin/accounts/user/{bob.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    bob.refresh_from_db()
    assert bob.is_suspended
    assert socket.closed_with() == 4003
