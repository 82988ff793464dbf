"""POST /rooms/{id}/messages: the message shape, content rules, who may post, idempotency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from messaging.models import Message
from tests.factories import UserFactory
from tests.helpers import (
    API,
    ISO_UTC,
    MESSAGE_KEYS,
    archive,
    assert_error,
    client_for,
    create_room,
    disconnect_redis_caches,
    join,
    post_message,
    posted,
)


def test_posted_message_answers_201_with_the_full_message_shape(alice, room):
    response = post_message(alice, room, "hello, world")

    assert response.status_code == 201, response.content
    message = response.json()
    assert set(message) == MESSAGE_KEYS
    assert isinstance(message["id"], int)
    assert message["room_id"] == room
    assert message["author"] == {
        "id": alice.pk,
        "username": "alice",
        "display_name": "Alice",
        "avatar_url": None,
    }
    assert message["content"] == "hello, world"
    assert ISO_UTC.match(message["created_at"]), message["created_at"]
    assert message["edited_at"] is None
    assert message["deleted"] is False
    assert message["parent_id"] is None
    assert message["reply_count"] == 0
    assert message["reactions"] == []
    assert message["mentions"] == []
    stored = Message.objects.get(pk=message["id"])
    assert (stored.room_id, stored.author_id, stored.content) == (room, alice.pk, "hello, world")


def test_posted_message_answers_the_same_shape_as_get(alice, room):
    message = posted(alice, room, "same everywhere")

    assert client_for(alice).get(f"{API}/messages/{message['id']}").json() == message


def test_posting_works_with_a_trailing_slash(alice, room):
    response = client_for(alice).post(
        f"{API}/rooms/{room}/messages/", {"content": "slash"}, format="json"
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "content",
    ["", "   ", "\n\t  \n", "\x00\x01", "x" * 4001],
    ids=["empty", "spaces", "whitespace", "control-characters", "4001-chars"],
)
def test_invalid_content_is_a_validation_error_on_content(alice, room, content):
    error = assert_error(post_message(alice, room, content), 400, "validation_error")

    assert "content" in error["details"], error
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", [{}, {"content": None}, {"content": ["a"]}])
def test_missing_or_non_text_content_is_a_validation_error(alice, room, body):
    response = client_for(alice).post(f"{API}/rooms/{room}/messages", body, format="json")

    error = assert_error(response, 400, "validation_error")
    assert "content" in error["details"], error


def test_content_of_exactly_4000_characters_is_accepted(alice, room):
    message = posted(alice, room, "x" * 4000)

    assert message["content"] == "x" * 4000


def test_content_keeps_its_surrounding_whitespace_and_newlines(alice, room):
    message = posted(alice, room, "  line one\nline two  ")

    assert message["content"] == "  line one\nline two  "


def test_max_message_length_setting_is_respected(alice, room, runtime_config):
    runtime_config(max_message_length=10)

    assert posted(alice, room, "x" * 10)["content"] == "x" * 10
    error = assert_error(post_message(alice, room, "x" * 11), 400, "validation_error")
    assert "content" in error["details"]


def test_non_member_of_public_room_cannot_post(room, outsider):
    assert_error(post_message(outsider, room), 403, "permission_denied")
    assert not Message.objects.exists()


def test_outsider_of_private_room_gets_404_not_403(private_room, outsider):
    assert_error(post_message(outsider, private_room), 404, "not_found")


def test_member_of_private_room_can_post(private_room, bob):
    assert posted(bob, private_room)["room_id"] == private_room


def test_posting_into_an_unknown_room_is_404(alice, room):
    assert_error(post_message(alice, room + 1000), 404, "not_found")


def test_guest_cannot_post_even_after_joining_a_public_room(room, guest):
    join(guest, room)

    assert_error(post_message(guest, room), 403, "permission_denied")


def test_nobody_can_post_in_an_archived_room(alice, bob, room):
    archive(alice, room)

    assert_error(post_message(alice, room), 403, "permission_denied")
    assert_error(post_message(bob, room), 403, "permission_denied")


def test_unauthenticated_post_is_401(room):
    response = APIClient().post(f"{API}/rooms/{room}/messages", {"content": "x"}, format="json")

    assert_error(response, 401, "not_authenticated")


def test_client_cannot_choose_author_room_id_time_or_state(alice, bob, room):
    other_room = create_room(bob, name="elsewhere")

    message = posted(
        alice,
        room,
        "mine",
        author=bob.pk,
        author_id=bob.pk,
        room_id=other_room,
        id=424242,
        created_at="2001-01-01T00:00:00Z",
        edited_at="2001-01-01T00:00:00Z",
        deleted=True,
        reply_count=7,
        reactions=[{"emoji": "x", "count": 9, "me": True}],
        mentions=[bob.pk],
    )

    assert message["author"]["id"] == alice.pk
    assert message["room_id"] == room
    assert message["id"] != 424242
    assert not message["created_at"].startswith("2001")
    assert message["edited_at"] is None
    assert message["deleted"] is False
    assert message["reply_count"] == 0
    assert message["reactions"] == []
    assert message["mentions"] == []
    stored = Message.objects.get(pk=message["id"])
    assert (stored.author_id, stored.room_id, stored.deleted_at) == (alice.pk, room, None)


# --- client_id idempotency -------------------------------------------------


def test_repeated_client_id_answers_200_with_the_same_message(alice, room):
    first = post_message(alice, room, "once", client_id="abc-1")
    again = post_message(alice, room, "once", client_id="abc-1")

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert Message.objects.filter(author=alice, client_id="abc-1").count() == 1
    assert Message.objects.count() == 1


def test_client_ids_are_per_author(alice, bob, room):
    mine = posted(alice, room, "mine", client_id="shared")
    theirs = posted(bob, room, "theirs", client_id="shared")

    assert mine["id"] != theirs["id"]
    assert Message.objects.count() == 2


def test_posts_without_client_id_are_never_merged(alice, room):
    first = posted(alice, room, "same")
    second = posted(alice, room, "same")

    assert first["id"] != second["id"]


def test_client_id_reused_in_another_room_is_a_conflict(alice, room):
    other_room = create_room(alice, name="other")
    posted(alice, room, "here", client_id="abc-2")

    error = assert_error(
        post_message(alice, other_room, "there", client_id="abc-2"), 409, "conflict"
    )

    assert "client_id" in error["details"]
    assert Message.objects.count() == 1


def test_client_id_longer_than_64_characters_is_a_validation_error(alice, room):
    error = assert_error(post_message(alice, room, client_id="c" * 65), 400, "validation_error")

    assert "client_id" in error["details"]


CONCURRENT_POSTS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_client_id_store_exactly_one_message():
    alice = UserFactory(username="alice")
    room = create_room(alice)
    barrier = threading.Barrier(CONCURRENT_POSTS, timeout=30)

    def post_once(_):
        try:
            client = client_for(alice)
            connection.ensure_connection()
            barrier.wait()
            response = client.post(
                f"{API}/rooms/{room}/messages",
                {"content": "retry me", "client_id": "same-key"},
                format="json",
            )
            return response.status_code, response.json()
        finally:
            connection.close()
            disconnect_redis_caches()

    with ThreadPoolExecutor(max_workers=CONCURRENT_POSTS) as pool:
        results = list(pool.map(post_once, range(CONCURRENT_POSTS)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (CONCURRENT_POSTS - 1) + [201], results
    assert len({body["id"] for _, body in results}) == 1, results
    assert Message.objects.filter(client_id="same-key").count() == 1
    assert Message.objects.count() == 1


def test_a_post_is_stored_and_answered_when_the_cache_is_down(
    alice, room, settings, django_capture_on_commit_callbacks
):
    disconnect_redis_caches()
    # Presence, rate limits and publishing touch the cache: an outage there
    # must not turn a stored message into a server error.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post_message(alice, room, "still here")
    assert response.status_code == 201, response.content
    assert Message.objects.filter(content="still here").exists()
