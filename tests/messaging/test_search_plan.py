"""PostgreSQL search: the planner sees the query's words.

Written in a CTE, the tsquery was opaque to the planner: it guessed the match
count, fetched every match of a common word and sorted them all on disk. As
an inline immutable ``plainto_tsquery(config, text)`` it is folded into a
constant, and the statistics of the tsvector column apply.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import found_ids, posted

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search plan"
)


def search_sql(user, **params) -> str:
    with CaptureQueriesContext(connection) as queries:
        found_ids(user, **params)
    (sql,) = [q["sql"] for q in queries.captured_queries if "ts_headline" in q["sql"]]
    return sql


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_tsquery_is_a_constant_in_the_plan(alice, room):
    posted(alice, room, "fresh coffee for everyone")

    plan = plan_of(search_sql(alice, q="coffee"))

    assert "'''coffe'''::tsquery" in plan, plan
    assert "CTE" not in plan, plan
    assert "InitPlan" not in plan, plan


def test_candidates_carry_only_id_and_rank_and_headlines_are_made_for_the_page(
    alice, room, many_posts
):
    for n in range(30):
        posted(alice, room, f"coffee number {n}")

    lines = plan_of(search_sql(alice, q="coffee", limit=5)).splitlines()

    # One node computes headlines: the top one, over the page's rows.
    assert [n for n, line in enumerate(lines) if "ts_headline" in line] == [1], lines
    ranking = [line for line in lines[2:] if "Output:" in line and "ts_rank(" in line]
    assert ranking, lines
    assert not [line for line in ranking if "content" in line], lines


@pytest.mark.django_db
def test_the_index_pending_list_is_kept_short():
    """Every search scans the GIN pending list: it is merged every ~3,000 messages."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'messaging_message_search_idx'"
        )
        (options,) = cursor.fetchone()
    assert "gin_pending_list_limit=256" in options
