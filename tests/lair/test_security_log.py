"""Refused requests leave one log line each, not a traceback: a real `make run` server."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import make_run_server_line, server_process
from tests.integration.test_two_processes import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_server(tmp_path):
    """`make run`'s server with DEBUG off, on a scratch SQLite file; (url, log path)."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "lair.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-secret-for-this-test-only-that-is-long-enough-0123456789",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": "",
    }
    (tmp_path / "media").mkdir()
    log_path = tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    with (
        log_path.open("wb") as log,
        server_process(make_run_server_line(port, ROOT), env=env, log=log, cwd=ROOT) as process,
    ):
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/api/v1/server", timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()[-3000:]) from None
                time.sleep(0.2)
        yield url, log_path


def test_a_foreign_host_and_a_path_out_of_media_are_refused_with_one_line_each(
    production_server,
):
    url, log_path = production_server

    foreign = httpx.get(url + "/api/v1/server", headers={"Host": "evil.example"})
    # httpx would normalise "..": send the raw path.
    climbing = httpx.get(url + "/media/..%2F..%2Flair%2Fsettings.py")

    assert foreign.status_code == 400
    assert climbing.status_code == 400
    assert "SECRET_KEY" not in climbing.text
    time.sleep(0.5)  # the log is written by the server process
    log = log_path.read_text()
    assert "Traceback" not in log
    assert "DisallowedHost" in log or "Invalid HTTP_HOST" in log
