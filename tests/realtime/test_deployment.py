"""How the server is run: the worker class."""

from __future__ import annotations

import uvicorn
import uvicorn_worker

from lair.workers import UvicornWorker


def test_the_gunicorn_worker_serves_websockets_without_compression():
    assert issubclass(UvicornWorker, uvicorn_worker.UvicornWorker)
    config = uvicorn.Config("lair.asgi:application", **UvicornWorker.CONFIG_KWARGS)
    assert config.ws_per_message_deflate is False
    assert UvicornWorker.CONFIG_KWARGS["loop"] == uvicorn_worker.UvicornWorker.CONFIG_KWARGS["loop"]
