"""GET /admin/stats counts the sockets of every server process, not only its own.

Two real server processes on PostgreSQL and Redis (tests/integration's
pair); skipped without them, like those tests.
"""

from __future__ import annotations

import asyncio

from accounts.models import User
from tests.integration import test_two_processes as two

pytestmark = two.pytestmark
servers = two.servers  # the fixture: two uvicorn processes sharing the database and Redis


def test_stats_on_one_process_count_users_and_sockets_on_both(servers):
    a, b = servers
    alice, bob, admin = two.Api(a, "alice"), two.Api(b, "bob"), two.Api(a, "sadie")
    User.objects.filter(pk=admin.user_id).update(role=User.Role.ADMIN)

    async def scenario():
        opened = [
            await two.open_socket(a, alice.token),
            await two.open_socket(b, alice.token),
            await two.open_socket(b, bob.token),
        ]
        try:
            for server in (a, b):
                stats = admin.on(server).call("GET", "/admin/stats").json()
                assert stats["users"]["online"] == 2
                assert stats["websocket"] == {"connections": 3}
        finally:
            for ws, _ in opened:
                await ws.close()

    asyncio.run(scenario())
