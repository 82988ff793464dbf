"""Limits the ASGI server enforces before our code sees a frame: a real `make run` process."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path

import pytest
import websockets
from django.conf import settings

from lair.workers import UvicornWorker
from tests.helpers import make_run_server_line, server_process

ROOT = Path(__file__).resolve().parents[2]
FRAME_LIMIT = 4096


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_run_server(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "lair.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "WS_MAX_FRAME_BYTES": str(FRAME_LIMIT),
    }
    env.pop("REDIS_URL", None)
    url = f"ws://127.0.0.1:{port}/api/v1/ws/"
    with (
        (tmp_path / "server.log").open("w+b") as log,
        server_process(make_run_server_line(port, ROOT), env=env, log=log, cwd=ROOT) as process,
    ):
        yield url, process, log


async def connect_when_up(url: str, process, log):
    for _ in range(150):
        if process.poll() is not None:
            break
        try:
            return await websockets.connect(url, max_size=None)
        except OSError:
            await asyncio.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"server did not start:\n{log.read().decode()[-3000:]}")


def test_make_run_closes_a_socket_that_sends_a_frame_over_ws_max_frame_bytes(make_run_server):
    url, process, log = make_run_server

    async def scenario():
        ws = await connect_when_up(url, process, log)
        await ws.send("x" * (FRAME_LIMIT + 1))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        return closed.value.rcvd.code

    assert asyncio.run(scenario()) == 1009


def test_make_run_lets_frames_up_to_the_limit_reach_the_stream(make_run_server):
    url, process, log = make_run_server

    async def scenario():
        ws = await connect_when_up(url, process, log)
        await ws.send(json.dumps({"type": "ping", "pad": "x" * (FRAME_LIMIT - 100)}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        return closed.value.rcvd.code

    # Our own rule answers (not authenticated yet), not the server's size limit.
    assert asyncio.run(scenario()) == 4001


def test_the_gunicorn_worker_limits_frames_to_ws_max_frame_bytes():
    assert UvicornWorker.CONFIG_KWARGS["ws_max_size"] == settings.WS_MAX_FRAME_BYTES
