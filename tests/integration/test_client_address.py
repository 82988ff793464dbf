"""The client address behind the per-IP limits, through the real server commands.

uvicorn rewrites the client address from X-Forwarded-For when a request comes
from an address it trusts (127.0.0.1 by default): a client on the same host,
or behind a proxy that passes the header on, could then pick its own address
and escape every per-IP limit. The servers run with proxy headers off and
Django alone decides (lair/client_ip.py, TRUSTED_PROXY_COUNT). Each test starts the
server exactly as it is run: the uvicorn command of `make run` and the
gunicorn worker of the Dockerfile.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.factories import PASSWORD, UserFactory
from tests.helpers import make_run_server_line, server_process
from tests.integration.test_two_processes import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def make_run_command(port: int) -> list[str]:
    """The server command of `make run`, as make would run it (without the migrate step)."""
    return ["sh", "-c", make_run_server_line(port, ROOT)]


def gunicorn_command(port: int) -> list[str]:
    """The Dockerfile's server: gunicorn with lair.workers.UvicornWorker (one worker)."""
    return [
        str(VENV / "bin" / "gunicorn"),
        "lair.asgi:application",
        "-k",
        "lair.workers.UvicornWorker",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
    ]


COMMANDS = {"make run": make_run_command, "gunicorn worker": gunicorn_command}


@pytest.fixture(params=sorted(COMMANDS))
def server(request, transactional_db):
    if request.param == "make run" and not shutil.which("make"):
        pytest.skip("needs make")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "lair.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        # One process with its own cache: the rate-limit counters start at zero.
        "REDIS_URL": "",
        "TRUSTED_PROXY_COUNT": "0",
        # A day window, so that it cannot roll over during the test; the
        # per-account limit is out of the way.
        "RATELIMIT_LOGIN_IP": "30/d",
        "RATELIMIT_LOGIN_USERNAME": "1000/d",
    }
    command = COMMANDS[request.param](port)
    log_path = ROOT / f".server-{port}.log"
    url = f"http://127.0.0.1:{port}"
    with (
        log_path.open("w+b") as log,
        server_process(command, env=env, log=log, cwd=ROOT) as process,
    ):
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"server did not start:\n{log.read().decode()[-3000:]}")
                time.sleep(0.2)
            with httpx.Client(base_url=url + "/api/v1", timeout=10) as client:
                yield client
        finally:
            log_path.unlink(missing_ok=True)


def test_forged_forwarded_for_neither_escapes_the_ip_limit_nor_names_the_session(server):
    user = UserFactory()

    def login(n: int, password: str):
        return server.post(
            "/auth/login",
            json={"username": user.username, "password": password},
            headers={"X-Forwarded-For": f"6.6.6.{n}"},
        )

    signed_in = login(0, PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["session"]["ip"] == "127.0.0.1"

    statuses = [login(n, "wrong password").status_code for n in range(1, 35)]

    # 30 per IP: the first login and 29 failures, then every forged address is refused.
    assert statuses[:29] == [401] * 29, statuses
    assert statuses[29:] == [429] * 5, statuses
