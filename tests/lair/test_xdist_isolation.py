"""Parallel test workers (pytest-xdist) share one Redis and never see each other's keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from tests.helpers import clear_cache

ROOT = Path(__file__).resolve().parents[2]


def prefixes_of_worker(worker: str, **env: str) -> dict:
    """The cache key prefix and channel-layer prefix the test settings give ``worker``."""
    code = (
        "import json, lair.test_settings as s; print(json.dumps(["
        "s.CACHES['default'].get('KEY_PREFIX'), "
        "s.CHANNEL_LAYERS['default']['CONFIG'].get('prefix')]))"
    )
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CACHE_", "CHANNEL_"))
    }
    clean.update(REDIS_URL="redis://127.0.0.1:6379/8", PYTEST_XDIST_WORKER=worker, **env)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    cache_prefix, layer_prefix = json.loads(result.stdout)
    return {"cache": cache_prefix, "layer": layer_prefix}


def test_each_worker_gets_its_own_cache_keys_and_channel_names():
    assert prefixes_of_worker("gw0") == {"cache": "lair-gw0", "layer": "lair-gw0"}
    assert prefixes_of_worker("gw1", CACHE_KEY_PREFIX="ci", CHANNEL_LAYER_PREFIX="ci") == {
        "cache": "ci-gw1",
        "layer": "ci-gw1",
    }


@pytest.mark.skipif(not settings.REDIS_URL, reason="the cache is Redis only with REDIS_URL")
def test_clearing_the_cache_leaves_another_workers_keys_alone():
    ours = caches["default"]
    assert isinstance(ours, RedisCache)
    theirs = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"{ours.key_prefix}-other"})
    try:
        ours.set("ratelimit-window", 1)
        theirs.set("ratelimit-window", 2)

        clear_cache()

        assert ours.get("ratelimit-window") is None
        assert theirs.get("ratelimit-window") == 2
    finally:
        theirs.delete("ratelimit-window")
        theirs.close()
        for pool in theirs._cache._pools.values():
            pool.disconnect()
