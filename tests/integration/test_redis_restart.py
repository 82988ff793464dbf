"""A Redis restart between two real server processes loses no event on an open socket.

Messages posted while Redis is down are stored (201) but their broadcasts
fail. Once Redis is back, the next broadcast names a predecessor the
receiving process never delivered, and its fan-out reads the gap from the
event log: the open socket gets everything, in log order, exactly once.
Runs with PostgreSQL (DATABASE_URL) and a redis-server binary; the Redis
used here is a private one on its own port, killed and restarted by the test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time

import pytest
import redis
from django.conf import settings

from realtime.models import Event
from tests.integration.test_two_processes import (
    Api,
    free_port,
    next_durable,
    open_socket,
    running_pair,
    server_env,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (
            os.environ.get("DATABASE_URL", "").startswith("postgres")
            and settings.REDIS_URL
            and shutil.which("redis-server")
        ),
        reason="needs PostgreSQL (DATABASE_URL), Redis (REDIS_URL) and redis-server",
    ),
]


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self):
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def servers_on_private_redis(transactional_db, private_redis):
    yield from running_pair(server_env(private_redis.url))


def test_messages_posted_while_redis_restarts_reach_an_open_socket_in_order(
    servers_on_private_redis, private_redis
):
    a, b = servers_on_private_redis
    alice, bob = Api(b, "alice"), Api(b, "bob")
    room = alice.post("/rooms", {"name": "general"})
    bob.post(f"/rooms/{room['id']}/members")
    rid = room["id"]

    async def scenario():
        ws, _ = await open_socket(a, bob.token)
        alice.post(f"/rooms/{rid}/messages", {"content": "before"})
        before = await next_durable(ws)
        assert before["message"]["content"] == "before"

        private_redis.kill()
        during = [
            alice.post(f"/rooms/{rid}/messages", {"content": f"during {i}"}) for i in range(3)
        ]
        private_redis.start()
        await asyncio.sleep(1.5)  # the processes reconnect to Redis
        alice.post(f"/rooms/{rid}/messages", {"content": "after"})

        received = []
        while len(received) < 4:
            received.append(await next_durable(ws, timeout=5))
        await ws.close()
        return before, during, received

    before, during, received = asyncio.run(scenario())
    assert [f["message"]["content"] for f in received] == [
        "during 0",
        "during 1",
        "during 2",
        "after",
    ]
    assert [f["message"]["id"] for f in received[:3]] == [m["id"] for m in during]
    logged = list(
        Event.objects.filter(room_id=rid, id__gt=before["event_id"])
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert [f["event_id"] for f in received] == logged
