"""History pages: their round trips, and that they answer what the ORM gives.

A page reads reactions and mentions in one raw-SQL query; these tests hold
its answer to the ORM aggregate it replaced, on every backend.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import connection
from django.db.models import Case, Count, IntegerField, Max, Min, When
from django.test.utils import CaptureQueriesContext

from messaging.models import Mention, Reaction
from messaging.selectors import message_dicts
from tests.factories import MessageFactory, UserFactory
from tests.helpers import API, client_for, history, join

# Membership with its room; the page with authors; reactions and mentions.
MEMBER_PAGE_QUERIES = 3


def reference_reactions(ids: list[int], viewer_id: int) -> dict[int, list[dict]]:
    """The reactions of ``ids`` through the ORM aggregate (the shape the API promises)."""
    rows = (
        Reaction.objects.filter(message_id__in=ids)
        .values("message_id", "emoji")
        .annotate(
            count=Count("id"),
            me=Max(Case(When(user_id=viewer_id, then=1), default=0, output_field=IntegerField())),
            first=Min("id"),
        )
        .order_by("message_id", "first")
    )
    result: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        result[row["message_id"]].append(
            {"emoji": row["emoji"], "count": row["count"], "me": bool(row["me"])}
        )
    return result


def reference_mentions(ids: list[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = defaultdict(list)
    for message_id, user_id in (
        Mention.objects.filter(message_id__in=ids)
        .order_by("message_id", "user_id")
        .values_list("message_id", "user_id")
    ):
        result[message_id].append(user_id)
    return result


def sql_of(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries]


def ok(response):
    assert response.status_code == 200, response.content
    return response


@pytest.fixture
def people(room):
    """Five members of ``room`` besides alice, bob and carol."""
    members = UserFactory.create_batch(5)
    for person in members:
        join(person, room)
    return members


@pytest.fixture
def busy_history(alice, bob, carol, room, people) -> list[int]:
    """Messages with mixed reactions and mentions, some with none; oldest first."""
    messages = MessageFactory.create_batch(12, room_id=room, author=alice)
    everyone = [alice, bob, carol, *people]
    emojis = ["🔥", "👍", "🎉", "👀"]
    for n, message in enumerate(messages):
        if n % 4 == 3:
            continue  # neither reactions nor mentions
        # Emojis first given in an order that is neither alphabetical nor by user.
        for k, person in enumerate(reversed(everyone[: n % 7 + 2])):
            Reaction.objects.create(message=message, user=person, emoji=emojis[(n + k) % 4])
            if k % 2:
                Reaction.objects.create(message=message, user=person, emoji="✅")
        # Mentions stored out of user-id order.
        for person in reversed(everyone[1 : n % 5 + 1]):
            Mention.objects.create(message=message, user=person, room_id=room)
    return [m.pk for m in messages]


def test_history_page_answers_what_the_orm_aggregates_give(bob, room, busy_history):
    page = history(bob, room, limit=50)["results"]

    ids = [m["id"] for m in page]
    assert ids == list(reversed(busy_history))
    reactions, mentions = reference_reactions(ids, bob.pk), reference_mentions(ids)
    assert [m["reactions"] for m in page] == [reactions.get(i, []) for i in ids]
    assert [m["mentions"] for m in page] == [mentions.get(i, []) for i in ids]
    assert any(r["me"] for m in page for r in m["reactions"])
    assert any(not r["me"] for m in page for r in m["reactions"])
    assert any(m["reactions"] == [] and m["mentions"] == [] for m in page)


def test_message_dicts_of_any_viewer_match_the_orm(alice, carol, people, busy_history):
    ids = list(reversed(busy_history))
    for viewer_id in (alice.pk, carol.pk, people[-1].pk, 0):
        dicts = message_dicts(ids, viewer_id)
        reactions = reference_reactions(ids, viewer_id)
        assert [d["reactions"] for d in dicts] == [reactions.get(i, []) for i in ids]


@pytest.mark.parametrize("limit", [3, 12, 50])
def test_a_member_history_page_is_three_queries(bob, room, busy_history, limit):
    client = client_for(bob)

    sql = sql_of(lambda: ok(client.get(f"{API}/rooms/{room}/messages", {"limit": limit})))

    assert len(sql) == MEMBER_PAGE_QUERIES, sql
    assert "rooms_room" in sql[0]
    assert "rooms_membership" in sql[0]


def test_an_outsider_reading_a_public_room_costs_one_more_query(outsider, room, busy_history):
    client = client_for(outsider)

    sql = sql_of(lambda: ok(client.get(f"{API}/rooms/{room}/messages")))

    assert len(sql) == MEMBER_PAGE_QUERIES + 1, sql


def test_an_empty_page_skips_reactions_and_mentions(bob, room):
    client = client_for(bob)

    sql = sql_of(lambda: ok(client.get(f"{API}/rooms/{room}/messages")))

    assert len(sql) == MEMBER_PAGE_QUERIES - 1, sql
    assert not any("messaging_reaction" in q for q in sql)
