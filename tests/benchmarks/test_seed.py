"""The benchmarks seed with bulk SQL (benchmarks/lib/seed.py), not the ORM: these tests
make a model change that the seed's column lists do not follow fail here, in CI, instead
of in the middle of a benchmark sitting, and show that the server reads seeded rows as
its own."""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

# Appended, not prepended: the benchmark scripts' names must not shadow anything.
sys.path.append(str(Path(__file__).resolve().parents[2] / "benchmarks"))
from lib.dburl import Database
from lib.passwords import django_argon2_hash
from lib.seed import MESSAGES, Seeder, check_schema, plain_html
from seed_messages import MessageText

from messaging.rendering import render_content

pytestmark = pytest.mark.django_db

PASSWORD = "Seeded-password-1"


def _vendor() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def _seeder() -> Seeder:
    connection.ensure_connection()
    return Seeder(Database(_vendor(), ""), conn=connection.connection)


def test_the_seed_writes_exactly_the_columns_of_the_migrated_tables():
    connection.ensure_connection()
    check_schema(connection.connection, _vendor())  # SystemExit names any column that differs


def test_a_seeded_member_signs_in_and_reads_the_seeded_history():
    now = datetime.now(UTC)
    seeder = _seeder()
    users = seeder.add_users(["seeded_ann"], django_argon2_hash(PASSWORD), ["Ann"], now)
    ann = users["seeded_ann"]
    room = seeder.add_rooms(
        ["seeded-room"], owner_id=ann, description="Seeded", created_at=now, now=now
    )["seeded-room"]
    seeder.add_memberships([(room, ann, "owner")], joined_at=now)
    seeder.add_messages(
        room,
        [
            ("the older seeded message", now - timedelta(minutes=1), ann),
            ("the newer seeded message", now, ann),
        ],
    )
    client = APIClient()
    login = client.post(
        "/api/v1/auth/login", {"username": "seeded_ann", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200, login.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")

    page = client.get(f"/api/v1/rooms/{room}/messages")

    assert page.status_code == 200, page.content
    assert [m["content"] for m in page.json()["results"]] == [
        "the newer seeded message",
        "the older seeded message",
    ]
    assert {m["author"]["username"] for m in page.json()["results"]} == {"seeded_ann"}
    assert [m["html"] for m in page.json()["results"]] == [
        "<p>the newer seeded message</p>",
        "<p>the older seeded message</p>",
    ]


def test_the_seeded_html_is_what_the_server_renders_for_the_seeded_texts():
    text = MessageText()
    samples = [text.make(common=i % 3 == 0, rare=i % 50 == 0) for i in range(2000)]
    assert [plain_html(s) for s in samples] == [render_content(s, mentions={}) for s in samples]


def test_an_older_schema_without_the_html_column_is_seeded_without_it():
    """compare_commits.py seeds a commit from before issue 11 with this code too."""
    older = sqlite3.connect(":memory:")
    older.execute(
        f"CREATE TABLE messaging_message (id INTEGER PRIMARY KEY, {', '.join(MESSAGES.columns)})"
    )
    seeder = Seeder(Database("sqlite", ""), conn=older, tables=(MESSAGES,))

    seeder.add_messages(7, [("from before html", datetime.now(UTC), 1)])

    assert older.execute("SELECT content, room_id FROM messaging_message").fetchall() == [
        ("from before html", 7)
    ]
