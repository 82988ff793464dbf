"""WebSocket benchmark: sockets held, delivery latency and deliveries/s, over real sockets.

Runs against a Lair Chat server on loopback (refuses any other host) whose database it
can write to (--database-url, loopback PostgreSQL or a SQLite file), with rate limits
off. Example (see benchmarks/RESULTS-ws.md for every variant measured):

    DATABASE_URL=sqlite:///bench-ws.sqlite3 .venv/bin/python manage.py migrate
    DEBUG=false SECRET_KEY=<40+ chars> SECURE_SSL_REDIRECT=false \
        ALLOWED_HOSTS=127.0.0.1,localhost RATELIMIT_ENABLE=false \
        WS_IDLE_TIMEOUT_SECONDS=600 DATABASE_URL=sqlite:///bench-ws.sqlite3 \
        WS_MAX_SOCKETS_PER_IP=0 WS_MAX_SOCKETS_PER_USER=0 \
        .venv/bin/uvicorn lair.asgi:application --port 8300 --lifespan off --no-access-log
    .venv/bin/python benchmarks/ws.py --url http://127.0.0.1:8300 \
        --database-url sqlite:///bench-ws.sqlite3 --sockets 1000 --rooms 1

Setup (idempotent, bulk SQL checked against the schema by benchmarks/lib/seed.py, no
Argon2 per user): users ``wsbu00000``.. (--users, default one per socket) and posters ``wsbp00``.. with one precomputed Django Argon2id
hash (--argon2 t,m,p: match the server's ARGON2_* settings or every first login
rehashes), rooms ``wsbroom-<R>-<k>`` for the --rooms layout, user u a member of room
u % R, posters members of every room; memberships of bench users in bench rooms of other
layouts are removed. Tokens come from POST /api/v1/auth/login, one per user (sockets
of one user share its token), cached in --token-cache if given.

Socket i signs in as user i % U and so follows room (i % U) % R. With U = sockets
(default) every socket is its own user, and each one coming online broadcasts a
presence frame to its room: opening N sockets in rooms of n members makes ~N*n/2
presence deliveries (the reconnect storm, reported as "presence frames"). With fewer
users (several sockets per user) presence goes out once per user only.

Tokens: POST /api/v1/auth/login costs an Argon2 verify (~45 ms) and leaves the server's
RSS ~165 MB higher (allocator arenas), so fill --token-cache once per database with
``--scenarios login`` and restart the server before measuring memory. Start the server
with ACCESS_TOKEN_LIFETIME_SECONDS above the time the cache is reused.

Scenarios (--scenarios, default all, in this order, on the same sockets):

- open:       open --sockets sockets (--connect-concurrency at a time), authenticate by
              first frame, wait for "ready", wait for the presence storm to settle;
              report sockets held, connect time, and the server's RSS (VmRSS of every
              process holding the listening socket, or --server-pid) and CPU; then
              --idle seconds with nothing posted (the server CPU that holding costs).
- latency:    one poster POSTs a message into room 0 every --latency-interval s for
              --latency-duration s, the send time (perf_counter_ns) in the content;
              every member socket of room 0 records receive - send: p50/p90/p99/max
              over all deliveries, plus per message the spread (first to last
              receiver: the fan-out's own duration) and send -> first receiver (the
              pipeline: request, commit, publish, channel layer).
- throughput: --posters posters POST as fast as the server answers into room 0 (or
              round-robin into every room with --spread) for --duration s; counts
              frames received per second across all sockets, then waits for the
              backlog to drain (at most --drain s).

--resume-check K: after latency, K sockets that missed messages (or any K) send
{"type": "resume", "after": <event before the phase>} and the script counts the
messages that neither the live stream nor the replay brought.

CPU columns: server = the server processes' utime+stime, client = this script, other =
the rest of the machine (other benchmarks running at the same time), each in % of one
core over the phase. "server us/delivery" = server CPU of the throughput phase (posting
included) / deliveries.

Everything is bounded: a deadline for the whole run (--max-runtime), per-phase
deadlines, and counts. The load generator shares the machine's cores with the server:
its own CPU time is reported next to the server's. Output: a summary table, or one
JSON object with --json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import secrets
import sys
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import websockets
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib.cpu import TICK, CpuMeter, proc_stat
from lib.dburl import parse_database_url
from lib.loadgen import event_loop_runner
from lib.loopback import require_loopback
from lib.passwords import DEFAULT_PARAMETERS, django_argon2_hash, parse_parameters
from lib.seed import Seeder

API = "/api/v1"
USER_PREFIX = "wsbu"
POSTER_PREFIX = "wsbp"
ROOM_PREFIX = "wsbroom"
PASSWORD = "Lair-bench-ws-password-1"  # benchmark databases only
MARK = "wsb~"

MAX_SOCKETS = 20_000
MAX_USERS = 20_000
MAX_ROOMS = 1_000
MAX_POSTERS = 64
MAX_DURATION_S = 600.0
MAX_POSTS_PER_POSTER = 200_000
MAX_FRAMES_PER_SOCKET = 10_000_000
HTTP_TIMEOUT_S = 30.0
HANDSHAKE_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 30.0
LOGIN_CONCURRENCY = 8
QUIET_S = 2.0
SETTLE_MAX_S = 300.0
PAD = (
    " lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua"
)


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


# --- safety: loopback only, raised fd limit ------------------------------------------


def parse_server_url(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemExit("--url must look like http://127.0.0.1:8300")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    require_loopback(parts.hostname, port, "server")
    base = f"{parts.scheme}://{parts.netloc}"
    ws_base = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
    return base, ws_base, port


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    if soft < needed:
        raise SystemExit(f"RLIMIT_NOFILE hard limit {hard} < {needed} needed; lower --sockets")
    return soft


# --- server processes: RSS and CPU from /proc ----------------------------------------


def listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    return inodes


def server_pids(port: int) -> list[int]:
    """Every process holding the listening socket of ``port`` (gunicorn: master + workers)."""
    targets = {f"socket:[{inode}]" for inode in listening_inodes(port)}
    if not targets:
        return []
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in targets:
                    pids.append(int(entry.name))
                    break
        except OSError:
            continue
    return sorted(pids)


def proc_status(pid: int) -> dict:
    out = {"pid": pid}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
        out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
        out["cpu_s"] = proc_cpu(pid)
        out["cmd"] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    except OSError:
        out["gone"] = True
    return out


def proc_cpu(pid: int) -> float:
    try:
        return proc_stat(pid)[1] / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


class Meter:
    """CPU used by the server, by this load generator, and by everything else, over a phase."""

    def __init__(self, pids: list[int]):
        self.cpu = CpuMeter(pids)
        self.before = self.cpu.snapshot()

    def stop(self) -> dict:
        shares = self.cpu.shares(self.before, self.cpu.snapshot())
        return {
            k: shares[k] for k in ("wall_s", "server_cpu_pct", "client_cpu_pct", "other_cpu_pct")
        }


def memory(pids: list[int]) -> dict:
    procs = [proc_status(p) for p in pids]
    return {
        "rss_mb": round(sum(p.get("VmRSS", 0) for p in procs) / 1024, 1),
        "hwm_mb": round(sum(p.get("VmHWM", 0) for p in procs) / 1024, 1),
        "fds": sum(p.get("fds", 0) for p in procs),
        "per_process": [
            {
                "pid": p["pid"],
                "rss_mb": round(p.get("VmRSS", 0) / 1024, 1),
                "hwm_mb": round(p.get("VmHWM", 0) / 1024, 1),
                "threads": p.get("Threads"),
                "fds": p.get("fds"),
            }
            for p in procs
        ],
    }


# --- database setup --------------------------------------------------------------------


@dataclass
class Layout:
    sockets: int
    users: int
    rooms: int
    posters: int

    def user_name(self, u: int) -> str:
        return f"{USER_PREFIX}{u:05d}"

    def poster_name(self, k: int) -> str:
        return f"{POSTER_PREFIX}{k:02d}"

    def room_name(self, r: int) -> str:
        return f"{ROOM_PREFIX}-{self.rooms}-{r:03d}"

    def user_of_socket(self, i: int) -> int:
        return i % self.users

    def room_of_user(self, u: int) -> int:
        return u % self.rooms


def setup_database(database_url: str, layout: Layout, pw_hash: str) -> dict:
    """Create missing users, posters, rooms and memberships; returns {room index: room id}."""
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    with Seeder(parse_database_url(database_url, must_exist=True)) as db, db.transaction():
        names = [layout.user_name(u) for u in range(layout.users)] + [
            layout.poster_name(k) for k in range(layout.posters)
        ]
        existing = db.ids_like("accounts_user", "username", (USER_PREFIX, POSTER_PREFIX))
        missing = [n for n in names if n not in existing]
        if missing:
            existing |= db.add_users(missing, pw_hash, [f"Bench {n}" for n in missing], now)
        user_ids = [existing[layout.user_name(u)] for u in range(layout.users)]
        poster_ids = [existing[layout.poster_name(k)] for k in range(layout.posters)]

        room_names = [layout.room_name(r) for r in range(layout.rooms)]
        rooms = db.ids_like("rooms_room", "name", (ROOM_PREFIX + "-",))
        new_rooms = [name for name in room_names if name not in rooms]
        if new_rooms:
            rooms |= db.add_rooms(
                new_rooms,
                owner_id=poster_ids[0] if poster_ids else user_ids[0],
                description="WebSocket benchmark room",
                created_at=now,
                now=now,
            )
        room_ids = [rooms[name] for name in room_names]
        other_rooms = [rid for name, rid in rooms.items() if name not in set(room_names)]
        bench_users = list(existing.values())
        removed = 0
        if other_rooms:
            # Users of another layout must not follow extra rooms (presence, deliveries).
            ph = db.ph
            for start in range(0, len(bench_users), 500):
                chunk = bench_users[start : start + 500]
                cur = db.execute(
                    f"DELETE FROM rooms_membership WHERE room_id IN "
                    f"({','.join([ph] * len(other_rooms))}) AND user_id IN "
                    f"({','.join([ph] * len(chunk))})",
                    [*other_rooms, *chunk],
                )
                removed += max(cur.rowcount, 0)
        have = set()
        for rid in room_ids:
            for row in db.execute(
                f"SELECT user_id FROM rooms_membership WHERE room_id = {db.ph}", [rid]
            ).fetchall():
                have.add((rid, row[0]))
        wanted = [
            (room_ids[layout.room_of_user(u)], uid, "member") for u, uid in enumerate(user_ids)
        ]
        wanted += [
            (rid, pid, "owner" if k == 0 else "member")
            for k, pid in enumerate(poster_ids)
            for rid in room_ids
        ]
        new = [(rid, uid, role) for rid, uid, role in wanted if (rid, uid) not in have]
        if new:
            db.add_memberships(new, joined_at=now)
    return {
        "vendor": db.vendor,
        "room_ids": room_ids,
        "new_users": len(missing),
        "new_memberships": len(new),
        "removed_memberships": removed,
        "seconds": round(time.perf_counter() - t0, 2),
    }


# --- tokens ----------------------------------------------------------------------------


def jwt_exp(token: str) -> float:
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return float(json.loads(base64.urlsafe_b64decode(payload))["exp"])
    except (IndexError, ValueError, KeyError):
        return 0.0


class Tokens:
    """username -> access token; logins in parallel; optional JSON cache file."""

    def __init__(self, base: str, cache_path: str | None, database_url: str, valid_for: float):
        self.base = base
        self.cache_path = Path(cache_path) if cache_path else None
        self.key = database_url  # tokens are valid on any server of this database
        self.valid_for = valid_for
        self.tokens: dict[str, str] = {}
        self.from_cache: set[str] = set()
        self.logins = 0
        self.login_seconds = 0.0
        if self.cache_path and self.cache_path.exists():
            try:
                data = json.loads(self.cache_path.read_text())
            except ValueError:
                data = {}
            if data.get("key") == self.key:
                horizon = time.time() + valid_for
                for name, token in data.get("tokens", {}).items():
                    if jwt_exp(token) > horizon:
                        self.tokens[name] = token
                        self.from_cache.add(name)

    def save(self) -> None:
        if self.cache_path:
            tmp = self.cache_path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"key": self.key, "tokens": self.tokens}))
            os.chmod(tmp, 0o600)
            tmp.replace(self.cache_path)

    async def ensure(self, names: list[str], *, force: bool = False) -> None:
        todo = [n for n in dict.fromkeys(names) if force or n not in self.tokens]
        if not todo:
            return
        t0 = time.perf_counter()
        queue = list(reversed(todo))
        errors: list[str] = []

        async def worker():
            async with httpx.AsyncClient(base_url=self.base, timeout=HTTP_TIMEOUT_S) as http:
                while queue and len(errors) < 10:
                    name = queue.pop()
                    r = await http.post(
                        f"{API}/auth/login",
                        json={"username": name, "password": PASSWORD, "device_name": "ws-bench"},
                    )
                    if r.status_code != 200:
                        errors.append(f"{name}: HTTP {r.status_code} {r.text[:200]}")
                        continue
                    self.tokens[name] = r.json()["access"]
                    self.from_cache.discard(name)
                    self.logins += 1
                    if self.logins % 500 == 0:
                        log(f"  {self.logins} logins")

        await asyncio.gather(*(worker() for _ in range(min(LOGIN_CONCURRENCY, len(todo)))))
        self.login_seconds += time.perf_counter() - t0
        if errors:
            raise SystemExit("login failed:\n  " + "\n  ".join(errors))
        self.save()


# --- sockets -----------------------------------------------------------------------------


def quantiles(values, qs=(0.5, 0.9, 0.99)) -> dict:
    if not values:
        return {f"p{int(q * 100)}": None for q in qs} | {"max": None, "n": 0}
    data = sorted(values)
    n = len(data)
    out = {f"p{int(q * 100)}": round(data[min(n - 1, int(q * n))], 2) for q in qs}
    out["max"] = round(data[-1], 2)
    out["n"] = n
    return out


@dataclass(eq=False)
class Sock:
    idx: int
    user: str
    room: int  # room index in the layout
    ws: object = None
    reader: asyncio.Task | None = None
    frames: int = 0
    close_code: int | None = None
    replaying: bool = False
    replayed: set = field(default_factory=set)
    live_seqs: set = field(default_factory=set)
    replay_done: asyncio.Event | None = None
    first_event_id: int | None = None
    raw: RawReader | None = None


class RawReader(asyncio.Protocol):
    """A minimal WebSocket frame reader put in place of the client library once sockets settle.

    With 1,000 sockets in one client process, the websockets library's
    per-frame cost (~20 us) staggers the receive timestamps by ~20 ms per
    event: the "spread" then measures the client. This reader parses the
    server's unmasked frames straight from the transport, answers pings and
    takes each frame's timestamp when its bytes arrive (--reader raw).
    """

    def __init__(self, bench: Bench, sock: Sock, transport):
        self.bench, self.sock, self.transport = bench, sock, transport
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter_ns()
        self.bench.last_frame_at = time.perf_counter()
        buf = self.buf
        buf += data
        while len(buf) >= 2:
            opcode, size, start = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if size == 126:
                if len(buf) < 4:
                    return
                size, start = int.from_bytes(buf[2:4], "big"), 4
            elif size == 127:
                if len(buf) < 10:
                    return
                size, start = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < start + size:
                return
            payload = bytes(buf[start : start + size])
            del buf[: start + size]
            if opcode == 1:
                self.bench.on_frame(self.sock, payload.decode(), now)
            elif opcode == 9:
                self.send(0xA, payload)
            elif opcode == 8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                self.sock.close_code = code
                key = str(code)
                self.bench.close_codes[key] = self.bench.close_codes.get(key, 0) + 1
                self.transport.close()
                return

    def send(self, opcode: int, payload: bytes) -> None:
        """A masked client frame (payloads under 126 bytes: pong and close only)."""
        mask = secrets.token_bytes(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        if not self.transport.is_closing():
            self.send(0x8, (1000).to_bytes(2, "big"))
            self.transport.close()

    def connection_lost(self, exc) -> None:
        pass


class Bench:
    def __init__(self, args, base: str, ws_base: str, pids: list[int]):
        self.args = args
        self.base = base
        self.ws_url = ws_base + API + "/ws/"
        self.pids = pids
        self.t0 = time.perf_counter()
        self.socks: list[Sock] = []
        self.frames_total = 0
        self.types: dict[str, int] = {}
        self.last_frame_at = time.perf_counter()
        self.buckets = array("l", [0] * int(args.max_runtime + 60))
        # Delivery bookkeeping of the phase in progress ("L" latency, "T" throughput).
        self.phase = ""
        self.lat_ms = array("d")
        self.per_seq: dict[int, list] = {}
        self.stray = 0  # frames of an earlier phase arriving late
        self.close_codes: dict[str, int] = {}

    # -- receiving

    def on_frame(self, sock: Sock, text, now_ns: int) -> None:
        self.frames_total += 1
        sock.frames += 1
        sec = int(now_ns / 1e9 - self.t0)
        if 0 <= sec < len(self.buckets):
            self.buckets[sec] += 1
        if not isinstance(text, str):
            self.types["binary"] = self.types.get("binary", 0) + 1
            return
        i = text.find(MARK)
        if i < 0:
            kind = _frame_type(text)
            self.types[kind] = self.types.get(kind, 0) + 1
            if sock.replay_done is not None and kind in ("resumed", "resync_required"):
                if kind == "resync_required":
                    sock.replayed.add(-1)
                sock.replay_done.set()
            return
        self.types["message.created"] = self.types.get("message.created", 0) + 1
        j = i + len(MARK)
        tag = text[j]
        k = text.index("~", j + 2)
        seq = int(text[j + 2 : k])
        end = text.index("~", k + 1)
        sent_ns = int(text[k + 1 : end])
        if sock.replaying:
            if tag == "L":
                sock.replayed.add(seq)
            return
        if tag != self.phase:
            self.stray += 1
            return
        if tag == "L":
            sock.live_seqs.add(seq)
            if sock.first_event_id is None and text.startswith('{"event_id":'):
                sock.first_event_id = int(text[12 : text.index(",", 12)])
        self.lat_ms.append((now_ns - sent_ns) / 1e6)
        entry = self.per_seq.get(seq)
        if entry is None:
            self.per_seq[seq] = [1, now_ns, now_ns]
        else:
            entry[0] += 1
            entry[2] = now_ns

    async def read(self, sock: Sock) -> None:
        recv = sock.ws.recv
        clock = time.perf_counter_ns
        try:
            for _ in range(MAX_FRAMES_PER_SOCKET):
                text = await recv()
                self.last_frame_at = time.perf_counter()
                self.on_frame(sock, text, clock())
        except ConnectionClosed as exc:
            sock.close_code = exc.rcvd.code if exc.rcvd else None
            key = str(sock.close_code)
            self.close_codes[key] = self.close_codes.get(key, 0) + 1

    # -- opening

    async def open_one(self, sock: Sock, tokens: Tokens, stats: dict) -> None:
        for attempt in range(2):
            try:
                ws = await asyncio.wait_for(
                    ws_connect(
                        self.ws_url,
                        compression=None if self.args.compression == "none" else "deflate",
                        open_timeout=HANDSHAKE_TIMEOUT_S,
                        ping_interval=None,
                        close_timeout=2,
                        max_size=2**20,
                        max_queue=1024,
                        user_agent_header="lair-ws-bench",
                    ),
                    HANDSHAKE_TIMEOUT_S + 1,
                )
            except (OSError, TimeoutError, InvalidHandshake, InvalidStatus) as exc:
                stats["errors"].append(f"connect: {type(exc).__name__}: {exc}"[:160])
                return
            try:
                await ws.send(json.dumps({"type": "auth", "token": tokens.tokens[sock.user]}))
                first = await asyncio.wait_for(ws.recv(), READY_TIMEOUT_S)
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                if code == 4001 and attempt == 0 and sock.user in tokens.from_cache:
                    await tokens.ensure([sock.user], force=True)  # stale cached token
                    continue
                stats["errors"].append(f"auth: closed {code}")
                return
            except TimeoutError:
                stats["errors"].append("auth: no ready frame in time")
                await ws.close()
                return
            if _frame_type(first) != "ready":
                stats["errors"].append(f"auth: first frame {first[:80]!r}")
                await ws.close()
                return
            if self.args.compression != "none":
                stats["deflate"] += bool(ws.protocol.extensions)
            sock.ws = ws
            sock.reader = asyncio.ensure_future(self.read(sock))
            return

    async def open_all(self, layout: Layout, tokens: Tokens) -> dict:
        args = self.args
        stats = {"errors": [], "deflate": 0}
        self.socks = [
            Sock(i, layout.user_name(layout.user_of_socket(i)), 0) for i in range(layout.sockets)
        ]
        for s in self.socks:
            s.room = layout.room_of_user(layout.user_of_socket(s.idx))
        sem = asyncio.Semaphore(args.connect_concurrency)
        done = 0
        t0 = time.perf_counter()

        async def one(sock):
            nonlocal done
            async with sem:
                await self.open_one(sock, tokens, stats)
                done += 1
                if done % 1000 == 0:
                    log(f"  {done} sockets opened ({time.perf_counter() - t0:.1f} s)")

        await asyncio.wait_for(asyncio.gather(*(one(s) for s in self.socks)), args.max_runtime)
        connect_s = time.perf_counter() - t0
        held = sum(1 for s in self.socks if s.ws is not None)
        presence_before = self.types.get("presence", 0)
        # The presence storm: wait until no frame arrived for QUIET_S seconds.
        settle_t0 = time.perf_counter()
        while time.perf_counter() - settle_t0 < SETTLE_MAX_S:
            await asyncio.sleep(0.5)
            if time.perf_counter() - self.last_frame_at >= QUIET_S:
                break
        settle_s = max(0.0, self.last_frame_at - t0 - connect_s)
        if args.reader == "raw":
            self.go_raw()
        return {
            "sockets_requested": layout.sockets,
            "sockets_held": held,
            "connect_s": round(connect_s, 2),
            "connects_per_s": round(held / connect_s, 1) if connect_s else None,
            "presence_frames": self.types.get("presence", 0),
            "presence_during_connect": presence_before,
            "settle_after_connect_s": round(settle_s, 2),
            "deflate_negotiated": stats["deflate"],
            "errors": len(stats["errors"]),
            "error_samples": stats["errors"][:5],
        }

    def go_raw(self) -> None:
        """Hand every settled socket's transport to a RawReader (see its docstring)."""
        for sock in self.socks:
            if sock.ws is None:
                continue
            if sock.reader is not None:
                sock.reader.cancel()
                sock.reader = None
            transport = sock.ws.transport
            sock.raw = RawReader(self, sock, transport)
            transport.set_protocol(sock.raw)

    def open_socks(self, room: int | None = None) -> list[Sock]:
        return [
            s
            for s in self.socks
            if s.ws is not None and s.close_code is None and (room is None or s.room == room)
        ]

    def reset_phase(self, tag: str) -> None:
        self.phase = tag
        self.lat_ms = array("d")
        self.per_seq = {}
        self.stray = 0

    # -- posting

    async def post(self, http: httpx.AsyncClient, room_id: int, tag: str, seq: int) -> tuple:
        sent = time.perf_counter_ns()
        content = f"{MARK}{tag}~{seq}~{sent}~{PAD}"
        try:
            r = await http.post(f"{API}/rooms/{room_id}/messages", json={"content": content})
            status = r.status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        return status, (time.perf_counter_ns() - sent) / 1e6

    async def wait_deliveries(self, expected: int, limit_s: float) -> float:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < limit_s:
            if len(self.lat_ms) >= expected:
                break
            if time.perf_counter() - self.last_frame_at > max(QUIET_S, 3.0) and (
                time.perf_counter() - t0 > 3.0
            ):
                break
            await asyncio.sleep(0.05)
        return time.perf_counter() - t0

    async def latency(self, room_ids: list[int], token: str) -> dict:
        args = self.args
        receivers = self.open_socks(room=0)
        self.reset_phase("L")
        posts = int(args.latency_duration / args.latency_interval)
        statuses: dict[str, int] = {}
        post_ms = []
        ok_seqs = []
        sent_ns: dict[int, int] = {}
        meter = Meter(self.pids)
        timeline = []
        first_bucket = int(time.perf_counter() - self.t0)
        async with httpx.AsyncClient(
            base_url=self.base, timeout=HTTP_TIMEOUT_S, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            t0 = time.perf_counter()
            for seq in range(posts):
                target = t0 + seq * args.latency_interval
                delay = target - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent_ns[seq] = time.perf_counter_ns()
                status, ms = await self.post(http, room_ids[0], "L", seq)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                post_ms.append(ms)
                if status == 201:
                    ok_seqs.append(seq)
                timeline.append((round(time.perf_counter() - t0, 2), seq, status))
        expected = len(ok_seqs) * len(receivers)
        drain_s = await self.wait_deliveries(expected, args.drain)
        usage = meter.stop()
        spreads = [(e[2] - e[1]) / 1e6 for e in self.per_seq.values()]
        # POST sent -> first receiver: the pipeline (commit, publish, layer), without the
        # time the fan-out takes to reach the other receivers (the spread).
        firsts = [(e[1] - sent_ns[seq]) / 1e6 for seq, e in self.per_seq.items() if seq in sent_ns]
        incomplete = sorted(
            seq for seq in ok_seqs if self.per_seq.get(seq, [0])[0] < len(receivers)
        )
        out = {
            "receivers": len(receivers),
            "posts": posts,
            "post_status": statuses,
            "post_ms": quantiles(post_ms),
            "expected_deliveries": expected,
            "deliveries": len(self.lat_ms),
            "missing_deliveries": expected - len(self.lat_ms),
            "incomplete_messages": len(incomplete),
            "incomplete_sample": incomplete[:20],
            "latency_ms": quantiles(self.lat_ms),
            "spread_ms": quantiles(spreads),
            "late_frames_of_earlier_phase": self.stray,
            "first_receiver_ms": quantiles(firsts),
            "drain_s": round(drain_s, 2),
            "cpu": usage,
        }
        if args.resume_check:
            out["resume"] = await self.resume_check(receivers, ok_seqs, statuses)
        if args.timeline:
            out["post_timeline"] = timeline
            last_bucket = int(time.perf_counter() - self.t0)
            out["frames_per_second_timeline"] = list(self.buckets[first_bucket : last_bucket + 1])
        return out

    async def resume_check(self, receivers: list[Sock], ok_seqs: list[int], statuses) -> dict:
        """Ask sockets to replay the phase; count messages neither live nor replay brought."""
        all_seqs = set(range(int(self.args.latency_duration / self.args.latency_interval)))
        missed = [s for s in receivers if s.close_code is None and len(s.live_seqs) < len(ok_seqs)]
        chosen = (missed or receivers)[: self.args.resume_check]
        first_ids = [s.first_event_id for s in receivers if s.first_event_id is not None]
        if not first_ids:
            return {"error": "no event ids seen"}
        after = min(first_ids) - 1
        results = []
        for sock in chosen:
            sock.replaying = True
            sock.replay_done = asyncio.Event()
            await sock.ws.send(json.dumps({"type": "resume", "after": after}))
            try:
                await asyncio.wait_for(sock.replay_done.wait(), 30)
            except TimeoutError:
                results.append({"socket": sock.idx, "error": "no resumed frame in 30 s"})
                continue
            finally:
                sock.replaying = False
            got = sock.live_seqs | sock.replayed
            results.append(
                {
                    "socket": sock.idx,
                    "live": len(sock.live_seqs),
                    "replayed": len(sock.replayed - {-1}),
                    "resync_required": -1 in sock.replayed,
                    "missing_ok_posts_after_resume": len(set(ok_seqs) - got),
                    # Posts that failed (e.g. HTTP 500 after the commit) may still be stored.
                    "failed_posts_replayed": len((all_seqs - set(ok_seqs)) & sock.replayed),
                }
            )
        return {"after_event_id": after, "sockets": results}

    async def throughput(self, room_ids: list[int], tokens: Tokens, layout: Layout) -> dict:
        args = self.args
        self.reset_phase("T")
        rooms = list(range(layout.rooms)) if args.spread else [0]
        members = {r: len(self.open_socks(room=r)) for r in rooms}
        statuses: dict[str, int] = {}
        post_ms = []
        expected = 0
        seq_counter = 0
        meter = Meter(self.pids)
        t_start = time.perf_counter()
        deadline = t_start + args.duration
        first_bucket = int(t_start - self.t0)

        async def poster(k: int):
            nonlocal expected, seq_counter
            name = layout.poster_name(k)
            async with httpx.AsyncClient(
                base_url=self.base,
                timeout=HTTP_TIMEOUT_S,
                headers={"Authorization": f"Bearer {tokens.tokens[name]}"},
            ) as http:
                for n in range(MAX_POSTS_PER_POSTER):
                    if time.perf_counter() >= deadline:
                        break
                    r = rooms[(k + n) % len(rooms)]
                    seq = seq_counter
                    seq_counter += 1
                    status, ms = await self.post(http, room_ids[r], "T", seq)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
                    post_ms.append(ms)
                    if status == 201:
                        expected += members[r]

        await asyncio.gather(*(poster(k) for k in range(args.posters)))
        t_end = time.perf_counter()
        during = len(self.lat_ms)
        drain_s = await self.wait_deliveries(expected, args.drain)
        usage = meter.stop()
        total = len(self.lat_ms)
        last_bucket = int(self.last_frame_at - self.t0)
        per_second = list(self.buckets[first_bucket : last_bucket + 1])
        posts_ok = statuses.get("201", 0)
        window = t_end - t_start
        return {
            "posters": args.posters,
            "rooms_posted": len(rooms),
            "receivers": sum(members.values()),
            "duration_s": round(window, 2),
            "posts_ok": posts_ok,
            "posts_per_s": round(posts_ok / window, 1),
            "post_status": statuses,
            "post_ms": quantiles(post_ms),
            "expected_deliveries": expected,
            "deliveries": total,
            "missing_deliveries": expected - total,
            "deliveries_per_s_window": round(during / window),
            "deliveries_per_s_incl_drain": round(total / (window + drain_s)) if total else 0,
            "drain_s": round(drain_s, 2),
            "frames_per_second_timeline": per_second,
            "latency_ms": quantiles(self.lat_ms),
            "cpu": usage,
            "server_cpu_us_per_delivery": (
                round(usage["server_cpu_pct"] / 100 * usage["wall_s"] / total * 1e6, 1)
                if total
                else None
            ),
        }

    async def close_all(self) -> dict:
        t0 = time.perf_counter()
        sem = asyncio.Semaphore(500)

        async def one(sock):
            async with sem:
                if sock.raw is not None:
                    sock.raw.close()
                elif sock.ws is not None:
                    try:
                        await asyncio.wait_for(sock.ws.close(), 5)
                    except (TimeoutError, OSError, ConnectionClosed):
                        pass
                if sock.reader is not None:
                    sock.reader.cancel()

        await asyncio.wait_for(asyncio.gather(*(one(s) for s in self.socks)), 120)
        return {"close_s": round(time.perf_counter() - t0, 2)}


def _frame_type(text: str) -> str:
    i = text.find('"type":"')
    if i < 0:
        return "?"
    j = text.find('"', i + 8)
    return text[i + 8 : j]


# --- main ----------------------------------------------------------------------------------


async def run(args) -> dict:
    base, ws_base, port = parse_server_url(args.url)
    layout = Layout(args.sockets, args.users or args.sockets, args.rooms, max(1, args.posters))
    if layout.users > layout.sockets:
        raise SystemExit("--users must not exceed --sockets")
    argon2 = parse_parameters(args.argon2)
    pids = [int(p) for p in args.server_pid.split(",")] if args.server_pid else server_pids(port)
    if not pids:
        log(f"warning: no process found listening on port {port}; RSS/CPU not reported")
    result: dict = {
        "config": {
            "url": args.url,
            "sockets": layout.sockets,
            "users": layout.users,
            "rooms": layout.rooms,
            "posters": args.posters,
            "compression": args.compression,
            "duration_s": args.duration,
            "latency_duration_s": args.latency_duration,
            "latency_interval_s": args.latency_interval,
            "server_pids": pids,
            "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
            "client": f"websockets {websockets.__version__}, httpx {httpx.__version__}, "
            f"{type(asyncio.get_running_loop()).__module__.split('.')[0]} loop",
        }
    }
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        try:
            r = await http.get(f"{API}/health")
        except httpx.HTTPError as exc:
            raise SystemExit(f"server not reachable at {base}: {exc}") from exc
        if r.status_code != 200:
            raise SystemExit(f"health check: HTTP {r.status_code} {r.text[:200]}")

    log("setup: users, rooms, memberships")
    pw_hash = await asyncio.to_thread(django_argon2_hash, PASSWORD, argon2)
    setup = await asyncio.to_thread(setup_database, args.database_url, layout, pw_hash)
    result["setup"] = setup
    log(f"  {setup}")

    tokens = Tokens(base, args.token_cache, args.database_url, args.max_runtime + 60)
    names = [layout.user_name(u) for u in range(layout.users)]
    names += [layout.poster_name(k) for k in range(layout.posters)]
    log(f"login: {len(names)} users ({len(set(names) & set(tokens.tokens))} cached tokens)")
    await tokens.ensure(names)
    result["logins"] = {"count": tokens.logins, "seconds": round(tokens.login_seconds, 1)}
    if args.scenarios == "login":  # only fill the token cache (logins inflate server RSS)
        return result

    bench = Bench(args, base, ws_base, pids)
    scenarios = set(args.scenarios.split(","))
    result["memory_baseline"] = memory(pids)
    # Cooldown: let the server finish the logins' background work before measuring.
    await asyncio.sleep(1)
    try:
        log(f"open: {layout.sockets} sockets, {layout.users} users, {layout.rooms} rooms")
        meter = Meter(pids)
        result["open"] = await bench.open_all(layout, tokens)
        result["open"]["cpu"] = meter.stop()
        result["memory_open"] = memory(pids)
        held = result["open"]["sockets_held"]
        base_rss = result["memory_baseline"]["rss_mb"]
        if held:
            result["open"]["server_kb_per_socket"] = round(
                (result["memory_open"]["rss_mb"] - base_rss) * 1024 / held, 1
            )
        log(f"  {result['open']}")
        log(f"  server RSS {result['memory_open']['rss_mb']} MB")
        if args.idle:
            # Sockets open, nothing posted: what holding them costs (heartbeats, pings).
            frames0 = bench.frames_total
            meter = Meter(pids)
            await asyncio.sleep(args.idle)
            result["idle"] = meter.stop() | {"frames": bench.frames_total - frames0}
            log(f"  idle {result['idle']}")
        poster_token = tokens.tokens[layout.poster_name(0)]
        if "latency" in scenarios:
            log(f"latency: {args.latency_duration} s, one post every {args.latency_interval} s")
            result["latency"] = await bench.latency(setup["room_ids"], poster_token)
            log(f"  {result['latency']['latency_ms']}")
        if "throughput" in scenarios:
            log(f"throughput: {args.posters} posters, {args.duration} s")
            result["throughput"] = await bench.throughput(setup["room_ids"], tokens, layout)
            log(f"  {result['throughput']['deliveries_per_s_window']} deliveries/s")
        result["memory_end"] = memory(pids)
    finally:
        result["frame_types"] = dict(bench.types)
        result["close_codes_seen"] = dict(bench.close_codes)
        result["sockets_closed_by_server"] = sum(1 for s in bench.socks if s.close_code is not None)
        log("closing sockets")
        result["close"] = await bench.close_all()
    if args.cooldown:
        await asyncio.sleep(args.cooldown)
        result["memory_after_close"] = memory(pids)
    result["config"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    return result


def fmt_q(q: dict | None) -> str:
    if not q or q.get("n") in (0, None):
        return "-"
    return f"{q['p50']} / {q['p90']} / {q['p99']} / {q['max']}"


def summary(result: dict) -> str:
    rows = [("logins", str(result.get("logins")))]
    c = result["config"]
    rows.append(("sockets / users / rooms", f"{c['sockets']} / {c['users']} / {c['rooms']}"))
    rows.append(("compression offered", c["compression"]))
    o = result.get("open")
    if o:
        rows.append(("sockets held", f"{o['sockets_held']} (errors {o['errors']})"))
        rows.append(("connect time", f"{o['connect_s']} s ({o['connects_per_s']}/s)"))
        rows.append(
            (
                "presence frames / settle",
                f"{o['presence_frames']} / {o['settle_after_connect_s']} s",
            )
        )
        rows.append(
            (
                "server RSS baseline -> open",
                f"{result['memory_baseline']['rss_mb']} -> "
                f"{result['memory_open']['rss_mb']} MB ({o.get('server_kb_per_socket')} KB/socket)",
            )
        )
    idle = result.get("idle")
    if idle:
        rows.append(
            (
                "idle cpu server/client/other %",
                "{server_cpu_pct}/{client_cpu_pct}/{other_cpu_pct}".format(**idle),
            )
        )
    lat = result.get("latency")
    if lat:
        rows.append(
            (
                "latency receivers / posts",
                f"{lat['receivers']} / {lat['posts']} {lat['post_status']}",
            )
        )
        rows.append(("latency ms p50/p90/p99/max", fmt_q(lat["latency_ms"])))
        rows.append(("spread ms p50/p90/p99/max", fmt_q(lat["spread_ms"])))
        rows.append(("first receiver ms p50/p90/p99/max", fmt_q(lat.get("first_receiver_ms"))))
        rows.append(("POST ms p50/p90/p99/max", fmt_q(lat["post_ms"])))
        rows.append(
            ("missing deliveries", f"{lat['missing_deliveries']} of {lat['expected_deliveries']}")
        )
        rows.append(
            (
                "cpu server/client/other %",
                "{server_cpu_pct}/{client_cpu_pct}/{other_cpu_pct}".format(**lat["cpu"]),
            )
        )
        if "resume" in lat:
            rows.append(("resume check", json.dumps(lat["resume"])[:200]))
    th = result.get("throughput")
    if th:
        rows.append(
            (
                "throughput posts/s",
                f"{th['posts_per_s']} ({th['posts_ok']} ok, {th['post_status']})",
            )
        )
        rows.append(("deliveries/s (window)", f"{th['deliveries_per_s_window']}"))
        rows.append(
            (
                "deliveries/s (incl. drain)",
                f"{th['deliveries_per_s_incl_drain']} (drain {th['drain_s']} s)",
            )
        )
        rows.append(
            ("missing deliveries", f"{th['missing_deliveries']} of {th['expected_deliveries']}")
        )
        rows.append(("delivery latency ms p50/p90/p99/max", fmt_q(th["latency_ms"])))
        rows.append(("POST ms p50/p90/p99/max", fmt_q(th["post_ms"])))
        rows.append(
            (
                "cpu server/client/other %",
                "{server_cpu_pct}/{client_cpu_pct}/{other_cpu_pct}".format(**th["cpu"]),
            )
        )
        rows.append(("server CPU us/delivery", str(th["server_cpu_us_per_delivery"])))
    if "memory_end" in result:
        rows.append(
            (
                "server RSS end / peak",
                f"{result['memory_end']['rss_mb']} / {result['memory_end']['hwm_mb']} MB",
            )
        )
    rows.append(("closed by server", str(result.get("sockets_closed_by_server"))))
    rows.append(("loadavg start -> end", f"{c['loadavg_start']} -> {c.get('loadavg_end')}"))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8300")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--users", type=int, default=0, help="distinct users (default: sockets)")
    parser.add_argument("--rooms", type=int, default=1)
    parser.add_argument("--posters", type=int, default=4)
    parser.add_argument("--duration", type=float, default=15.0, help="throughput seconds")
    parser.add_argument("--latency-duration", type=float, default=10.0)
    parser.add_argument("--latency-interval", type=float, default=0.1)
    parser.add_argument("--drain", type=float, default=30.0, help="max wait for the backlog")
    parser.add_argument(
        "--scenarios",
        default="open,latency,throughput",
        help="comma-separated; 'login' alone only fills --token-cache",
    )
    parser.add_argument("--spread", action="store_true", help="throughput into every room")
    parser.add_argument(
        "--compression",
        choices=("deflate", "none"),
        default="deflate",
        help="offer permessage-deflate like browsers (default) or not",
    )
    parser.add_argument(
        "--reader",
        choices=["websockets", "raw"],
        default="websockets",
        help="after the sockets settle, read frames with the client library or a raw parser",
    )
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument(
        "--argon2",
        default=",".join(str(v) for v in DEFAULT_PARAMETERS),
        help="t,m,p of the seeded hash (default: the server's ARGON2_* settings)",
    )
    parser.add_argument("--token-cache", default=None, help="JSON file to reuse tokens")
    parser.add_argument("--server-pid", default="", help="comma-separated; default: by port")
    parser.add_argument("--resume-check", type=int, default=0)
    parser.add_argument("--timeline", action="store_true", help="per-post status timeline")
    parser.add_argument("--idle", type=float, default=10.0, help="idle seconds measured after open")
    parser.add_argument("--cooldown", type=float, default=8.0, help="wait after closing")
    parser.add_argument("--max-runtime", type=float, default=900.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.reader == "raw" and args.resume_check:
        parser.error("--resume-check sends frames: use it with --reader websockets")
    if not 1 <= args.sockets <= MAX_SOCKETS:
        raise SystemExit(f"--sockets must be 1..{MAX_SOCKETS}")
    if not 0 <= args.users <= MAX_USERS or not 1 <= args.rooms <= min(MAX_ROOMS, args.sockets):
        raise SystemExit("--users 0..20000, --rooms 1..min(1000, sockets)")
    if not 0 <= args.posters <= MAX_POSTERS:
        raise SystemExit(f"--posters must be 0..{MAX_POSTERS}")
    if not 0 <= args.idle <= MAX_DURATION_S:
        raise SystemExit("--idle out of range")
    for name in ("duration", "latency_duration", "drain", "max_runtime"):
        if not 0 < getattr(args, name) <= MAX_DURATION_S * 3:
            raise SystemExit(f"--{name.replace('_', '-')} out of range")
    if not 0.005 <= args.latency_interval <= 10:
        raise SystemExit("--latency-interval must be 0.005..10 s")
    if args.posters == 0:
        args.scenarios = ",".join(s for s in args.scenarios.split(",") if s == "open")
    raise_fd_limit(args.sockets + 256)

    async def bounded():
        return await asyncio.wait_for(run(args), args.max_runtime + 180)

    result = event_loop_runner()(bounded())
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
