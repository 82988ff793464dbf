"""Two real server processes sharing PostgreSQL and Redis, driven over real sockets.

A client on process A must see what another client did through process B,
and a client that drops and resumes must end up with exactly the event log.
Runs when DATABASE_URL is PostgreSQL and REDIS_URL is set (CI's second run).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets
from django.conf import settings
from django.db import connection

from realtime.models import Event

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("postgres") and settings.REDIS_URL),
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws/"
        self.log = open(ROOT / f".server-{self.port}.log", "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "lair.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--lifespan",
                "off",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.log.seek(0)
        raise RuntimeError(f"server did not start:\n{self.log.read().decode()[-3000:]}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def server_env(redis_url: str, **extra: str) -> dict:
    """A production-like environment on the test database."""
    db = connection.settings_dict
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "lair.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATELIMIT_ENABLE": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        **extra,
    }


def running_pair(env: dict):
    """Two servers on ``env``, stopped (with every HTTP client) afterwards."""
    pair = [Server(env), Server(env)]
    try:
        for server in pair:
            server.wait_ready()
        yield pair
    finally:
        while OPEN_CLIENTS:
            OPEN_CLIENTS.pop().close()
        for server in pair:
            server.stop()


@pytest.fixture
def servers(transactional_db):
    yield from running_pair(server_env(settings.REDIS_URL, PRESENCE_GRACE_SECONDS="0.5"))


OPEN_CLIENTS: list[httpx.Client] = []


def http_client(server: Server, **kwargs) -> httpx.Client:
    client = httpx.Client(base_url=server.url + "/api/v1", timeout=10, **kwargs)
    OPEN_CLIENTS.append(client)
    return client


class Api:
    def __init__(self, server: Server, username: str):
        self.client = http_client(server)
        answer = self.client.post(
            "/auth/register",
            json={"username": username, "email": f"{username}@example.org", "password": PASSWORD},
        )
        assert answer.status_code == 201, answer.text
        body = answer.json()
        self.user_id = body["user"]["id"]
        self.token = body["access"]
        self.client.headers["Authorization"] = f"Bearer {self.token}"

    def on(self, server: Server) -> Api:
        """The same user (same token) talking to another process."""
        other = object.__new__(Api)
        other.client = http_client(server, headers={"Authorization": f"Bearer {self.token}"})
        other.user_id, other.token = self.user_id, self.token
        return other

    def post(self, path, payload=None):
        response = self.client.post(path, json=payload or {})
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def call(self, method, path, payload=None):
        response = self.client.request(method, path, json=payload)
        assert response.status_code < 300, response.text
        return response


async def open_socket(server: Server, token: str):
    ws = await websockets.connect(server.ws_url)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    ready = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ready["type"] == "ready", ready
    return ws, ready


async def next_durable(ws, timeout=2.0) -> dict:
    """The next frame that carries an event_id (presence and typing are skipped)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if "event_id" in frame or frame["type"] in ("resumed", "resync_required"):
            return frame


async def silent(ws, timeout=1.0) -> bool:
    try:
        await next_durable(ws, timeout)
    except TimeoutError:
        return True
    return False


def setup_room(a: Server, b: Server):
    alice, bob = Api(b, "alice"), Api(b, "bob")
    room = alice.post("/rooms", {"name": "general"})
    bob.post(f"/rooms/{room['id']}/members")
    return alice, bob, room


def test_a_socket_on_one_process_receives_what_was_posted_to_the_other(servers):
    a, b = servers
    alice, bob, room = setup_room(a, b)

    async def scenario():
        ws, ready = await open_socket(a, bob.token)
        assert room["id"] in ready["rooms"]
        started = time.monotonic()
        message = alice.post(f"/rooms/{room['id']}/messages", {"content": "across processes"})
        frame = await next_durable(ws, timeout=1.0)
        assert time.monotonic() - started < 1.0
        assert frame["type"] == "message.created"
        assert frame["message"]["id"] == message["id"]
        await ws.close()

    asyncio.run(scenario())


def test_a_kicked_members_socket_on_the_other_process_stops_receiving(servers):
    a, b = servers
    alice, bob, room = setup_room(a, b)

    async def scenario():
        ws, _ = await open_socket(a, bob.token)
        alice.call("DELETE", f"/rooms/{room['id']}/members/{bob.user_id}")
        left = await next_durable(ws)
        assert (left["type"], left["user"]["id"]) == ("member.left", bob.user_id)
        alice.post(f"/rooms/{room['id']}/messages", {"content": "not for bob"})
        assert await silent(ws)
        await ws.close()

    asyncio.run(scenario())


def test_resume_replays_exactly_the_missed_events_in_order(servers):
    a, b = servers
    alice, bob, room = setup_room(a, b)
    rid = room["id"]

    async def scenario():
        ws, _ = await open_socket(a, bob.token)
        first = alice.post(f"/rooms/{rid}/messages", {"content": "seen live"})
        seen = await next_durable(ws)
        assert seen["message"]["id"] == first["id"]
        await ws.close()

        missed = [alice.post(f"/rooms/{rid}/messages", {"content": f"m{i}"}) for i in range(20)]
        alice.call("PATCH", f"/messages/{missed[0]['id']}", {"content": "edited"})
        alice.call("DELETE", f"/messages/{missed[1]['id']}")
        bob.on(b).post(f"/messages/{missed[2]['id']}/reactions", {"emoji": "👍"})

        ws, _ = await open_socket(a, bob.token)
        await ws.send(json.dumps({"type": "resume", "after": seen["event_id"]}))
        replayed = []
        while True:
            frame = await next_durable(ws)
            if frame["type"] == "resumed":
                break
            replayed.append(frame)
        await ws.close()
        return seen, replayed, frame

    seen, replayed, resumed = asyncio.run(scenario())
    types = [f["type"] for f in replayed]
    assert types == ["message.created"] * 20 + [
        "message.updated",
        "message.deleted",
        "reaction.added",
    ]
    ids = [f["event_id"] for f in replayed]
    assert ids == sorted(set(ids))
    expected = list(
        Event.objects.filter(room_id=rid, id__gt=seen["event_id"])
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert ids == expected
    assert resumed["last_event_id"] == ids[-1]


def test_concurrent_posters_and_a_mid_way_resume_lose_and_repeat_nothing(servers):
    a, b = servers
    _alice, bob, room = setup_room(a, b)
    rid = room["id"]
    posters = [Api(server, f"poster{i}") for i, server in enumerate([a, b] * 4)]
    for poster in posters:
        poster.post(f"/rooms/{rid}/members")

    async def post_many(poster: Api, count: int):
        async with httpx.AsyncClient(
            base_url=str(poster.client.base_url),
            headers={"Authorization": f"Bearer {poster.token}"},
            timeout=20,
        ) as client:
            for i in range(count):
                response = await client.post(
                    f"/rooms/{rid}/messages", json={"content": f"{poster.user_id}:{i}"}
                )
                assert response.status_code == 201, response.text

    baseline = Event.objects.filter(room_id=rid).order_by("-id").values_list("id", flat=True)
    baseline = baseline.first() or 0

    async def scenario():
        received: list[dict] = []
        ws, _ = await open_socket(a, bob.token)
        load = asyncio.gather(*(post_many(p, 15) for p in posters))

        async def collect(ws, until: float):
            while time.monotonic() < until:
                try:
                    frame = await next_durable(ws, timeout=0.3)
                except TimeoutError:
                    continue
                if "event_id" in frame:
                    received.append(frame)

        await collect(ws, time.monotonic() + 0.8)
        await ws.close()  # dropped mid-way
        await asyncio.sleep(0.5)
        ws, _ = await open_socket(a, bob.token)
        last = received[-1]["event_id"] if received else baseline
        await ws.send(json.dumps({"type": "resume", "after": last}))
        await load
        await collect(ws, time.monotonic() + 3.0)
        await ws.close()
        return received

    received = asyncio.run(scenario())
    log = list(
        Event.objects.filter(room_id=rid, id__gt=baseline)
        .order_by("id")
        .values_list("id", flat=True)
    )
    got = [f["event_id"] for f in received]
    assert len(log) == 8 * 15
    assert len(got) == len(set(got)), "an event arrived twice"
    assert sorted(got) == log, "events missing"


def test_a_foreign_origin_and_a_bad_token_are_refused(servers):
    a, _ = servers

    async def scenario():
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(a.ws_url, additional_headers={"Origin": "http://evil.example"})
        ws = await websockets.connect(a.ws_url)
        await ws.send(json.dumps({"type": "auth", "token": "forged"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd.code == 4001

    asyncio.run(scenario())
