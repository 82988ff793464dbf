"""schemathesis against a live server: every operation, every check, seeded.

A real server process (uvicorn, the production ASGI app) serves the test
database on a free port with the rate limits lifted. One user owns a public
and a private room with messages, a reaction and pending invitations, so
that small path ids hit real objects; operations that end sessions sign in
afresh for every case (tests/schema/fuzz_hooks.py). The run must end with
no server error, no schema violation and no invalid request accepted.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.db import connection

from messaging.models import Message, Reaction
from rooms.models import Invitation, Membership, Room
from sessions_app.services import open_session
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SEED = 20261201
EXAMPLES = 50


def database_url() -> str:
    """The URL of the test database this process uses, for the server process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def live_server_url(transactional_db, tmp_path):
    """A uvicorn process serving the test database on a free port; stopped at the end."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lair.test_settings",
        "DATABASE_URL": database_url(),
        "RATELIMIT_ENABLE": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "0",
        # Registrations and the fresh logins hash passwords: the cheapest
        # Argon2id keeps the run about the API, not about hashing.
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "64",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "lair.asgi:application",
            "--fd",
            str(listener.fileno()),
            "--lifespan",
            "off",
            "--no-access-log",
            "--ws-per-message-deflate",
            "false",
        ],
        cwd=ROOT,
        env=env,
        pass_fds=[listener.fileno()],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    listener.close()
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        else:
            pytest.fail("the server did not start: " + (tmp_path / "server.log").read_text())
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def world():
    """Objects with small ids: rooms, members, messages, a reaction, invitations."""
    me = UserFactory(username="fuzzer")
    friend = UserFactory(username="friend")
    spare = UserFactory(username="spare")
    public = Room.objects.create(name="lobby", type=Room.Type.PUBLIC, created_by=me)
    private = Room.objects.create(name="den", type=Room.Type.PRIVATE, created_by=friend)
    Membership.objects.create(room=public, user=me, role=Membership.Role.OWNER)
    Membership.objects.create(room=public, user=friend)
    Membership.objects.create(room=private, user=friend, role=Membership.Role.OWNER)
    first = Message.objects.create(room=public, author=me, content="hello @friend")
    Message.objects.create(room=public, author=friend, content="a reply", parent=first)
    Reaction.objects.create(message=first, user=friend, emoji="👍")
    Invitation.objects.create(room=private, inviter=friend, invitee=me)
    return {"me": me, "spare": spare}


# The schema in two halves by tag, fuzzed side by side by two schemathesis
# processes (one worker each: with two threads in one process, CPython 3.11
# once failed inside schemathesis with "AST constructor recursion depth
# mismatch"). Together they are every operation, as the next test checks.
HALVES = {
    "rooms": ["rooms", "invitations", "sessions", "admin"],
    "messages": ["messages", "users", "auth", "operators"],
}


def test_the_halves_cover_every_operation(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    tags = {
        tag
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", ["(untagged)"])
    }
    assert tags == {tag for half in HALVES.values() for tag in half}


def schemathesis_command(url: str, tags: list[str], report_dir: Path) -> list[str]:
    # No --checks: every check is on by default (the set of --checks all), and
    # an explicit list would override the per-operation exceptions of the
    # config file.
    return [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{url}/api/v1/schema/",
        *[option for tag in tags for option in ("--include-tag", tag)],
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]


def test_the_api_holds_against_schemathesis(live_server_url, world, tmp_path):
    access = open_session(user=world["me"], device_name="fuzz").tokens.access
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.schema.fuzz_hooks",
        "FUZZ_BASE_URL": live_server_url,
        "FUZZ_ACCESS": access,
        "FUZZ_SPARE_USERNAME": world["spare"].username,
        "FUZZ_PASSWORD": PASSWORD,
        "PYTHONPATH": str(ROOT),
    }
    runs = {
        half: subprocess.Popen(
            schemathesis_command(live_server_url, tags, tmp_path / half),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for half, tags in HALVES.items()
    }
    outputs, total_cases, total_operations = {}, 0, 0
    try:
        for half, run in runs.items():
            outputs[half], _ = run.communicate(timeout=900)
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
            run.communicate()
    for half, run in runs.items():
        cases = re.search(r"(\d+) generated", outputs[half])
        operations = re.search(r"Tested: (\d+)", outputs[half])
        assert run.returncode == 0, outputs[half][-20000:]
        assert cases, outputs[half][-3000:]
        assert operations, outputs[half][-3000:]
        total_cases += int(cases.group(1))
        total_operations += int(operations.group(1))
    print(f"schemathesis: {total_cases} cases over {total_operations} operations")
    assert total_operations >= 40
    assert total_cases >= 30 * total_operations
