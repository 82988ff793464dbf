"""Thread replies: parent_id, reply_count, GET /messages/{id}/thread."""

from __future__ import annotations

from messaging.models import Message
from tests.helpers import (
    API,
    MESSAGE_KEYS,
    assert_error,
    client_for,
    create_room,
    get_message,
    post_message,
    posted,
)


def thread(user, message_id: int, **params) -> dict:
    response = client_for(user).get(f"{API}/messages/{message_id}/thread", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_reply_points_to_its_root_and_counts_on_it(alice, bob, room):
    root = posted(alice, room, "question?")

    reply = posted(bob, room, "answer", parent_id=root["id"])

    assert reply["parent_id"] == root["id"]
    assert get_message(alice, root["id"])["reply_count"] == 1
    posted(alice, room, "thanks", parent_id=root["id"])
    assert get_message(alice, root["id"])["reply_count"] == 2


def test_thread_lists_replies_oldest_first(alice, bob, room):
    root = posted(alice, room, "root")
    posted(alice, room, "unrelated")
    replies = [
        posted(user, room, f"r{i}", parent_id=root["id"])["id"]
        for i, user in enumerate([bob, alice, bob])
    ]

    page = thread(alice, root["id"])

    assert [m["id"] for m in page["results"]] == replies
    assert all(set(m) == MESSAGE_KEYS for m in page["results"])
    assert page["next"] is None


def test_thread_pages_follow_next_links(alice, room):
    root = posted(alice, room, "root")
    replies = [posted(alice, room, f"r{i}", parent_id=root["id"])["id"] for i in range(5)]
    client = client_for(alice)

    first = client.get(f"{API}/messages/{root['id']}/thread", {"limit": 3}).json()
    second = client.get(first["next"]).json()

    assert [m["id"] for m in first["results"]] == replies[:3]
    assert [m["id"] for m in second["results"]] == replies[3:]
    assert second["next"] is None


def test_replies_also_appear_in_room_history(alice, room):
    root = posted(alice, room, "root")
    reply = posted(alice, room, "reply", parent_id=root["id"])

    results = client_for(alice).get(f"{API}/rooms/{room}/messages").json()["results"]

    assert [m["id"] for m in results] == [reply["id"], root["id"]]


def test_reply_to_a_reply_joins_the_roots_thread(alice, bob, room):
    root = posted(alice, room, "root")
    reply = posted(bob, room, "reply", parent_id=root["id"])

    nested = posted(alice, room, "nested", parent_id=reply["id"])

    assert nested["parent_id"] == root["id"]
    assert get_message(alice, root["id"])["reply_count"] == 2
    assert get_message(alice, reply["id"])["reply_count"] == 0
    assert [m["id"] for m in thread(alice, root["id"])["results"]] == [reply["id"], nested["id"]]


def test_parent_from_another_room_is_a_validation_error(alice, room):
    elsewhere = posted(alice, create_room(alice, name="elsewhere"), "elsewhere")

    error = assert_error(
        post_message(alice, room, "reply", parent_id=elsewhere["id"]), 400, "validation_error"
    )

    assert "parent_id" in error["details"]
    assert get_message(alice, elsewhere["id"])["reply_count"] == 0
    assert not Message.objects.filter(room_id=room).exists()


def test_unknown_parent_is_a_validation_error(alice, room):
    error = assert_error(
        post_message(alice, room, "reply", parent_id=999999), 400, "validation_error"
    )

    assert "parent_id" in error["details"]


def test_parent_in_an_invisible_private_room_is_a_validation_error(
    alice, private_room, carol, room
):
    secret = posted(alice, private_room, "secret")

    assert_error(post_message(carol, room, "peek", parent_id=secret["id"]), 400, "validation_error")


def test_deleting_a_reply_takes_it_off_the_count_once(alice, bob, room):
    root = posted(alice, room, "root")
    reply = posted(bob, room, "reply", parent_id=root["id"])
    posted(bob, room, "another", parent_id=root["id"])

    client_for(bob).delete(f"{API}/messages/{reply['id']}")
    client_for(bob).delete(f"{API}/messages/{reply['id']}")

    assert get_message(alice, root["id"])["reply_count"] == 1


def test_thread_of_a_private_rooms_message_is_404_to_outsiders(alice, private_room, outsider):
    root = posted(alice, private_room, "secret root")
    posted(alice, private_room, "secret reply", parent_id=root["id"])

    response = client_for(outsider).get(f"{API}/messages/{root['id']}/thread")

    assert_error(response, 404, "not_found")


def test_thread_of_an_unknown_message_is_404(alice, room):
    assert_error(client_for(alice).get(f"{API}/messages/999999/thread"), 404, "not_found")
