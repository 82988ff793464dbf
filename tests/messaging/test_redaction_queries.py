"""An edit or delete rewrites the logged frames of its message through an index,
never by scanning the event log; posting pays nothing for it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from realtime.models import Event
from tests.helpers import API, client_for, posted


def event_log_reads(request, status: int) -> list[str]:
    """SQL of the SELECTs on the event log that ``request()`` ran (it answers ``status``)."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == status, response.content
    table = Event._meta.db_table
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A tiny test table is cheaper to scan: ask whether the index can serve.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize(("change", "status"), [("edit", 200), ("delete", 204)])
def test_an_edit_or_delete_finds_its_logged_frames_through_the_message_index(
    alice, room, change, status
):
    message = posted(alice, room, "to be changed")
    client = client_for(alice)
    url = f"{API}/messages/{message['id']}"

    def request():
        if change == "edit":
            return client.patch(url, {"content": "changed"}, format="json")
        return client.delete(url)

    reads = [sql for sql in event_log_reads(request, status) if "message_id" in sql]

    assert reads, "the edit read no logged frames of its message"
    for sql in reads:
        plan = plan_of(sql)
        assert "event_message_idx" in plan, plan


def test_the_logged_frame_of_a_post_names_its_message(alice, room):
    message = posted(alice, room, "hello")

    assert Event.objects.filter(message_id=message["id"], type="message.created").count() == 1
