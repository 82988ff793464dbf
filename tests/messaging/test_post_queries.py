"""Posting and editing: mention rows are touched only when there is something to do.

A new message has no mentions to delete, and plain text (no ``@name``) needs
neither the member lookup nor an insert.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.models import Mention, Message
from tests.helpers import API, client_for, get_message, posted


def sql_of(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries]


def test_posting_plain_text_touches_no_mention_rows(alice, room):
    sql = sql_of(lambda: posted(alice, room, "just text, nobody@example.com"))

    assert not any("messaging_mention" in q for q in sql), sql
    # One membership read, visible_room's: no lookup of mentioned members.
    assert len([q for q in sql if "rooms_membership" in q]) == 1, sql


def test_posting_a_mention_inserts_it_without_deleting_first(alice, bob, room):
    sql = sql_of(lambda: posted(alice, room, "hi @bob and @nobody"))

    mention_sql = [q for q in sql if "messaging_mention" in q]
    assert len(mention_sql) == 1, sql
    assert mention_sql[0].lstrip().upper().startswith("INSERT"), mention_sql
    assert Mention.objects.get().user_id == bob.pk


def test_posting_an_unknown_name_stores_no_mention(alice, room):
    message = posted(alice, room, "hi @nobody")

    assert message["mentions"] == []
    assert not Mention.objects.exists()


def test_editing_still_replaces_the_mentions(alice, bob, carol, room):
    message = posted(alice, room, "hi @bob")
    client = client_for(alice)

    response = client.patch(
        f"{API}/messages/{message['id']}", {"content": "hi @carol"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert get_message(alice, message["id"])["mentions"] == [carol.pk]

    response = client.patch(f"{API}/messages/{message['id']}", {"content": "hi all"}, format="json")
    assert response.status_code == 200, response.content
    assert get_message(alice, message["id"])["mentions"] == []
    assert not Mention.objects.filter(message_id=message["id"]).exists()
    assert Message.objects.filter(pk=message["id"]).exists()
