"""Helpers shared by every test folder."""

from __future__ import annotations

import contextlib

from rest_framework.test import APIClient


def assert_error(response, status: int, code: str) -> dict:
    """The answer is ``status`` with exactly the envelope {"error": {code, message, details}}.

    Returns the inner ``error`` object.
    """
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, body
    assert error["code"] == code, body
    assert isinstance(error["message"], str), body
    assert error["message"], body
    assert isinstance(error["details"], dict), body
    return error


def client_for(user) -> APIClient:
    """An API client acting as ``user`` without a login round trip (auth is tested apart)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def disconnect_redis_caches() -> None:
    """Close the Redis connections of this thread's cache instances.

    Django's Redis cache never closes its pools; a test that swaps CACHES
    would drop them open (a ResourceWarning, an error under -W error).
    """
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        for pool in getattr(getattr(cache, "_cache", None), "_pools", {}).values():
            pool.disconnect()


def make_run_server_line(port: int, root) -> str:
    """The server line of `make run` (without its migrate step) for this port, for `sh -c`.

    Tests that need the exact server `make run` starts (its flags are security
    controls: no proxy headers, the frame limit) run this line, not a copy of it.
    """
    import subprocess
    import sys
    from pathlib import Path

    printed = subprocess.run(
        ["make", "-s", "-n", "run", f"VENV={Path(sys.prefix)}", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    (line,) = [row for row in printed.replace("\\\n", " ").splitlines() if "uvicorn" in row]
    return line


@contextlib.contextmanager
def server_process(command, *, env: dict, log, cwd):
    """Run a server (a shell line, or an argument list) in its own session; stop it all after.

    A shell line's server is the shell's child: ending only the shell would
    leave the server running and holding the test database.
    """
    import os
    import signal
    import subprocess

    process = subprocess.Popen(
        command,
        shell=isinstance(command, str),
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
