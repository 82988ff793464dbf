"""GET /rooms/{id}/messages: order, id cursors, limits, complete paging, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.models import Mention, Message, Reaction
from tests.factories import MessageFactory, UserFactory
from tests.helpers import API, MESSAGE_KEYS, assert_error, client_for, history, join, posted


def stored_messages(room_id: int, author, count: int) -> list[int]:
    """``count`` messages in the room, oldest first; returns their ids."""
    return [m.pk for m in MessageFactory.create_batch(count, room_id=room_id, author=author)]


def ids_of(page: dict) -> list[int]:
    return [message["id"] for message in page["results"]]


def test_history_is_newest_first_by_default(alice, room):
    ids = [posted(alice, room, f"m{i}")["id"] for i in range(3)]

    page = history(alice, room)

    assert ids_of(page) == list(reversed(ids))
    assert [m["content"] for m in page["results"]] == ["m2", "m1", "m0"]
    assert all(set(m) == MESSAGE_KEYS for m in page["results"])
    assert page["next"] is None
    assert page["previous"] is None


def test_empty_room_has_an_empty_page(alice, room):
    assert history(alice, room) == {"results": [], "next": None, "previous": None}


def test_before_gives_older_messages_newest_first(alice, room):
    ids = stored_messages(room, alice, 5)

    assert ids_of(history(alice, room, before=ids[3])) == [ids[2], ids[1], ids[0]]


def test_after_gives_newer_messages_oldest_first(alice, room):
    ids = stored_messages(room, alice, 5)

    assert ids_of(history(alice, room, after=ids[1])) == [ids[2], ids[3], ids[4]]


def test_after_zero_reads_the_room_from_its_first_message(alice, room):
    ids = stored_messages(room, alice, 3)

    assert ids_of(history(alice, room, after=0)) == ids


def test_history_holds_only_this_rooms_messages(alice, room, private_room):
    mine = stored_messages(room, alice, 2)
    stored_messages(private_room, alice, 2)

    assert sorted(ids_of(history(alice, room))) == mine


def test_limit_defaults_to_50(alice, room):
    stored_messages(room, alice, 60)

    assert len(history(alice, room)["results"]) == 50


def test_limit_above_100_is_clamped_to_100(alice, room):
    stored_messages(room, alice, 120)

    assert len(history(alice, room, limit=1000)["results"]) == 100


@pytest.mark.parametrize("limit", ["abc", "1.5", "true", "٣", ""])
def test_a_limit_that_is_not_an_integer_is_refused(alice, room, limit):
    response = client_for(alice).get(f"{API}/rooms/{room}/messages", {"limit": limit})

    error = assert_error(response, 400, "validation_error")
    assert "limit" in error["details"]


@pytest.mark.parametrize(("limit", "expected"), [("0", 1), ("-5", 1), ("7", 7)])
def test_small_limits_are_kept_within_1_to_100(alice, room, limit, expected):
    stored_messages(room, alice, 10)

    assert len(history(alice, room, limit=limit)["results"]) == expected


@pytest.mark.parametrize("param", ["before", "after"])
@pytest.mark.parametrize("value", ["abc", "-1", "1.5"])
def test_bad_cursor_is_a_validation_error(alice, room, param, value):
    response = client_for(alice).get(f"{API}/rooms/{room}/messages", {param: value})

    error = assert_error(response, 400, "validation_error")
    assert param in error["details"], error


@pytest.mark.parametrize("param", ["before", "after"])
def test_cursor_beyond_the_database_integer_range_is_a_validation_error(alice, room, param):
    stored_messages(room, alice, 2)

    response = client_for(alice).get(
        f"{API}/rooms/{room}/messages", {param: "99999999999999999999999"}
    )

    error = assert_error(response, 400, "validation_error")
    assert param in error["details"], error


def test_public_room_history_is_readable_by_non_members(alice, room, outsider):
    ids = stored_messages(room, alice, 2)

    assert ids_of(history(outsider, room)) == list(reversed(ids))


def test_private_room_history_is_404_to_outsiders(alice, private_room, outsider):
    stored_messages(private_room, alice, 2)

    response = client_for(outsider).get(f"{API}/rooms/{private_room}/messages")

    assert_error(response, 404, "not_found")


def test_unknown_room_history_is_404(alice, room):
    assert_error(client_for(alice).get(f"{API}/rooms/{room + 99}/messages"), 404, "not_found")


def follow(client, url: str) -> list[dict]:
    """Every page from ``url`` on, following ``next`` links."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1]["next"]
    return pages


def test_paging_backwards_through_120_messages_sees_each_exactly_once(alice, room):
    ids = stored_messages(room, alice, 120)

    pages = follow(client_for(alice), f"http://testserver{API}/rooms/{room}/messages?limit=50")

    assert [len(page["results"]) for page in pages] == [50, 50, 20]
    seen = [i for page in pages for i in ids_of(page)]
    assert seen == list(reversed(ids))
    assert pages[-1]["next"] is None
    assert pages[1]["previous"] is not None


def test_paging_forwards_through_120_messages_sees_each_exactly_once(alice, room):
    ids = stored_messages(room, alice, 120)

    pages = follow(
        client_for(alice), f"http://testserver{API}/rooms/{room}/messages?after=0&limit=50"
    )

    assert [len(page["results"]) for page in pages] == [50, 50, 20]
    assert [i for page in pages for i in ids_of(page)] == ids
    assert "after=" in pages[0]["next"]
    assert "limit=50" in pages[0]["next"]


def test_previous_link_of_an_older_page_leads_back_to_newer_messages(alice, room):
    ids = stored_messages(room, alice, 10)
    client = client_for(alice)
    older = client.get(f"{API}/rooms/{room}/messages", {"before": ids[5], "limit": 3}).json()
    assert ids_of(older) == [ids[4], ids[3], ids[2]]

    newer = client.get(older["previous"]).json()

    assert ids_of(newer) == [ids[5], ids[6], ids[7]]


def test_catching_up_with_after_sees_messages_posted_since(alice, bob, room):
    first = posted(alice, room, "first")
    page = history(bob, room, after=first["id"])
    assert page["results"] == []

    later = posted(alice, room, "later")

    assert ids_of(history(bob, room, after=first["id"])) == [later["id"]]


def decorated_history(room_id: int, author, others: list, count: int) -> None:
    """``count`` messages, each with two reactions and a mention."""
    for message in MessageFactory.create_batch(count, room_id=room_id, author=author):
        for other in others:
            Reaction.objects.create(message=message, user=other, emoji="👍")
        Mention.objects.create(message=message, user=others[0], room_id=room_id)


# Membership with its room, the page of messages with authors, and its
# reactions and mentions together.
HISTORY_PAGE_QUERIES = 3


@pytest.mark.parametrize("count", [5, 50])
def test_history_page_takes_a_constant_number_of_queries(alice, bob, carol, room, count):
    decorated_history(room, alice, [bob, carol], count)
    client = client_for(bob)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/rooms/{room}/messages", {"limit": 50})

    assert response.status_code == 200
    page = response.json()["results"]
    assert len(page) == count
    assert all(m["reactions"] == [{"emoji": "👍", "count": 2, "me": True}] for m in page)
    assert all(m["mentions"] == [bob.pk] for m in page)
    assert len(queries) == HISTORY_PAGE_QUERIES, [q["sql"] for q in queries]


def test_history_query_count_does_not_grow_with_authors_or_reactors(alice, room):
    people = UserFactory.create_batch(6)
    for person in people:
        join(person, room)
    for person in people:
        message = MessageFactory(room_id=room, author=person)
        for reactor in people:
            Reaction.objects.create(message=message, user=reactor, emoji="🎉")
            Reaction.objects.create(message=message, user=reactor, emoji="👀")
    client = client_for(alice)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/rooms/{room}/messages")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 6
    assert len(queries) == HISTORY_PAGE_QUERIES, [q["sql"] for q in queries]


def test_deleted_message_stays_in_history_as_a_placeholder(alice, room):
    kept = posted(alice, room, "kept")
    gone = posted(alice, room, "gone")
    assert client_for(alice).delete(f"{API}/messages/{gone['id']}").status_code == 204

    results = history(alice, room)["results"]

    assert [m["id"] for m in results] == [gone["id"], kept["id"]]
    assert results[0]["deleted"] is True
    assert results[0]["content"] == ""
    assert Message.objects.filter(pk=gone["id"]).exists()
