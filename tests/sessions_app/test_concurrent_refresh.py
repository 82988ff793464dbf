"""Many clients refreshing the same token at once: exactly one rotation wins.

Runs against the real database with real connections (one per thread), so it
exercises SQLite's write lock and PostgreSQL's row locks alike.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import disconnect_redis_caches, sign_in

CLIENTS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_let_exactly_one_win():
    user = UserFactory()
    refresh = sign_in(APIClient(), user.username)["refresh"]
    barrier = threading.Barrier(CLIENTS, timeout=30)

    def refresh_once(_):
        try:
            client = APIClient()
            # Connect first, so that all threads reach the database together.
            connection.ensure_connection()
            barrier.wait()
            response = client.post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")
            return response.status_code, response.json()
        finally:
            connection.close()
            disconnect_redis_caches()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(refresh_once, range(CLIENTS)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * (CLIENTS - 1), results
    for status, body in results:
        if status == 401:
            assert body["error"]["code"] == "token_invalid", body
        else:
            assert set(body) == {"access", "refresh"}
