"""The benchmarks seed with bulk SQL (benchmarks/lib/seed.py), not the ORM: these tests
make a model change that the seed's column lists do not follow fail here, in CI, instead
of in the middle of a benchmark sitting, and show that the server reads seeded rows as
its own."""

from __future__ import annotations

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
from lib.seed import Seeder, check_schema

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
