"""How the server is run: the worker class and the channel layer chosen for Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import uvicorn
import uvicorn_worker

from lair.workers import UvicornWorker

ROOT = Path(__file__).resolve().parents[2]


def test_the_gunicorn_worker_serves_websockets_without_compression():
    assert issubclass(UvicornWorker, uvicorn_worker.UvicornWorker)
    config = uvicorn.Config("lair.asgi:application", **UvicornWorker.CONFIG_KWARGS)
    assert config.ws_per_message_deflate is False
    assert UvicornWorker.CONFIG_KWARGS["loop"] == uvicorn_worker.UvicornWorker.CONFIG_KWARGS["loop"]


def channel_layer_with(**env: str) -> dict:
    """The default channel layer that lair.settings builds from this environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CHANNEL_"))}
    clean.update(DJANGO_SETTINGS_MODULE="lair.settings", DEBUG="true", **env)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.CHANNEL_LAYERS['default']))",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_redis_uses_the_pubsub_layer_by_default():
    layer = channel_layer_with(REDIS_URL="redis://127.0.0.1:6379/0", CHANNEL_LAYER="")
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"


def test_the_core_layer_reads_longer_than_it_blocks_and_pools_more_connections():
    layer = channel_layer_with(REDIS_URL="redis://127.0.0.1:6379/0", CHANNEL_LAYER="core")
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    (host,) = layer["CONFIG"]["hosts"]
    assert host["address"] == "redis://127.0.0.1:6379/0"
    # channels-redis blocks 5 s in BZPOPMIN; redis-py's own timeout is 5 s.
    assert host["socket_timeout"] > 5
    assert host["max_connections"] >= 1000
