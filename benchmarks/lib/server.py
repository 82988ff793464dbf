"""Start and stop a server under test with the command line of ``make run``.

One uvicorn process serving lair.asgi (HTTP through a2wsgi, WebSocket through Channels,
the in-memory channel layer): the topology every figure of docs/PERFORMANCE.md compared
side by side used. The flags are those of the Makefile's ``run`` target; keep them equal.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

# The environment of a measured server (docs/PERFORMANCE.md): no debug bookkeeping, no rate
# limits (the load comes from one address), socket caps lifted (every socket comes from
# 127.0.0.1, several per user), tokens valid for the whole sitting, idle sockets kept.
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-server-only-" + "k" * 40,
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "RATELIMIT_ENABLE": "false",
    "LOG_LEVEL": "WARNING",
    "WS_IDLE_TIMEOUT_SECONDS": "600",
    "WS_MAX_SOCKETS_PER_IP": "0",
    "WS_MAX_SOCKETS_PER_USER": "0",
    "ACCESS_TOKEN_LIFETIME_SECONDS": "14400",
}


def venv_bin() -> Path:
    """The bin directory of the Python running this script (the project's .venv)."""
    return Path(sys.executable).parent


def run_command(host: str, port: int, ws_max_size: int = 16384) -> list[str]:
    """The server command of ``make run`` (Makefile), for ``host``:``port``."""
    return [
        str(venv_bin() / "uvicorn"),
        "lair.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--ws-per-message-deflate",
        "false",
        "--no-proxy-headers",
        "--ws-max-size",
        str(ws_max_size),
    ]


def code_env(code_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    """This environment, the benchmark settings, ``extra``, and ``code_dir`` first on the
    import path: the .venv's editable install points at another checkout."""
    env = {**os.environ, **BENCH_ENV, **extra}
    env["PYTHONPATH"] = str(code_dir)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def migrate(code_dir: Path, env: dict[str, str]) -> None:
    """``manage.py migrate`` of the code in ``code_dir`` against env's DATABASE_URL."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=code_dir,
        env=env,
        check=True,
    )


def collect_static(code_dir: Path, env: dict[str, str]) -> None:
    """``manage.py collectstatic`` into env's STATIC_ROOT: with DEBUG off the pages (the
    admin's) name their files through the manifest, as behind a production server."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=code_dir,
        env=env,
        check=True,
    )


class Server:
    """A server process of the code in ``code_dir``; ``start()`` waits for /health."""

    def __init__(self, code_dir: Path, env: dict[str, str], port: int, log_path: Path):
        self.code_dir = code_dir
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60.0) -> Server:
        # Someone else's server on the port would answer the health check and be measured.
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise SystemExit(f"port {self.port} is in use: pick another one (--port)")
        with open(self.log_path, "ab") as log:
            # A session of its own: stop() signals the server and nothing else.
            self.process = subprocess.Popen(
                run_command("127.0.0.1", self.port),
                cwd=self.code_dir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"server exited with {self.process.returncode}: see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"server not healthy after {timeout:g} s: see {self.log_path}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
