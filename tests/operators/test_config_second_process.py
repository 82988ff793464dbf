"""A runtime config change made here is in force in another server process within seconds."""

from __future__ import annotations

import time

from django.conf import settings

from lair import config
from tests.integration import test_two_processes as two

pytestmark = two.pytestmark


def test_a_lower_max_message_length_reaches_a_running_server_without_restart(transactional_db):
    server = two.Server(two.server_env(settings.REDIS_URL, CONFIG_REFRESH_SECONDS="1"))
    try:
        server.wait_ready()
        alice = two.Api(server, "alice")
        room = alice.post("/rooms", {"name": "general"})
        path = f"/rooms/{room['id']}/messages"
        assert alice.client.post(path, json={"content": "x" * 20}).status_code == 201

        config.change(actor=None, changes={"max_message_length": 10})

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status = alice.client.post(path, json={"content": "y" * 20}).status_code
            if status == 400:
                break
            time.sleep(0.2)
        assert status == 400
    finally:
        while two.OPEN_CLIENTS:
            two.OPEN_CLIENTS.pop().close()
        server.stop()
