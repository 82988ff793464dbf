"""Operator console at scale: the admin API and the Django admin's pages on 1,000,000 messages.

Seeds a database the size of a busy installation with bulk SQL (benchmarks/lib/seed.py,
columns checked against the migrated tables first), starts the server with the command line
of ``make run`` (benchmarks/lib/server.py), signs in as a site admin twice (a JWT for the
admin API; a session cookie through the /admin/login/ form, CSRF token included, for the
Django admin), then requests each page --requests times, one request at a time, and prints
a markdown table: median and p95 latency, the server's (and PostgreSQL's) CPU per request,
and the SQL queries one request runs.

    .venv/bin/python benchmarks/operators_scale.py                 # SQLite, full scale
    .venv/bin/python benchmarks/operators_scale.py --reuse         # measure it again
    .venv/bin/python benchmarks/operators_scale.py --messages 20000 --users 500 \\
        --database-url sqlite:///bench-operators-small.sqlite3    # a quick iteration
    createdb -h 127.0.0.1 -U postgres bench_operators
    .venv/bin/python benchmarks/operators_scale.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_operators

What it seeds (seeded RNG: the same data every run), for --users U and --messages M:

- U users ``opsbench_00000`` .. sharing one real Argon2id hash, joined over two years,
  last seen: 20 % in the last day, 40 % in the last month, most of the rest in the year;
  U/500 moderators, 3 % guests, 1 % suspended, 0.5 % deactivated; plus the site admin
  ``opsbench_admin`` who signs in;
- rooms: one public room with everyone, U/50 public rooms (Zipf-sized: the first holds
  30 % of the users), U/25 private rooms of 3-30 members, U/5 direct rooms; 5 % of the
  public and private ones archived (about 7 memberships per user in all);
- M messages over the last year, ids in time order, in the rooms by weight (everyone's
  room 15 %, public rooms 55 % Zipf-weighted, private 20 %, direct 10 %), each by a member
  of its room, text as benchmarks/seed_messages.py writes it (RARE_WORD in ~10 of them);
- about 2.5 device sessions per user, a third of them revoked (every session of a
  suspended user), the rest expiring 30 days after they were last used;
- 5 audit entries per user over the year (failed sign-ins most, then revoked sessions,
  password changes, moderation and operator acts);
- the event log of the retention window (7 days): every message's ``message.created``,
  and read markers and reactions for some of them.

Without --reuse or --fresh, an already seeded database is an error (seeding 1,000,000
messages takes minutes: keep it, and pass --reuse). A page that answers 404 is reported as
"not available" and skipped: the admin API and several changelists are not built on every
commit. Nothing measured is retried; a page that answers something else than 200 is
reported with its status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import seed_messages  # noqa: E402
from lib import loadgen, passwords, seed  # noqa: E402
from lib.cpu import CpuMeter  # noqa: E402
from lib.dburl import Database, connect, parse_database_url  # noqa: E402
from lib.loadgen import BenchmarkError, Budget  # noqa: E402
from lib.seed import Seeder  # noqa: E402
from lib.server import Server, code_env, collect_static, migrate  # noqa: E402

USER_PREFIX = "opsbench_"
ADMIN_USERNAME = "opsbench_admin"
ROOM_PREFIX = "opsbench-"
PASSWORD = "Lair-bench-operators-pw-1"  # benchmark databases only
RNG_SEED = 20261202
USER_AGENT = "lair-bench-operators/1"
EVENT_WINDOW_DAYS = 7  # the event log's default retention (EVENT_LOG_RETENTION_DAYS)
SESSION_DAYS = 30  # the refresh token's default lifetime (REFRESH_TOKEN_LIFETIME_SECONDS)

# (label, path, kind): "api" pages are read with the JWT, "admin" pages with the cookie.
# {user_query} and {message_query} are filled from the options.
PAGES = (
    ("admin API: stats", "/api/v1/admin/stats", "api"),
    ("admin API: users", "/api/v1/admin/users", "api"),
    ("admin API: users ?q=", "/api/v1/admin/users?q={user_query}", "api"),
    ("admin API: rooms", "/api/v1/admin/rooms", "api"),
    ("admin API: audit log", "/api/v1/admin/audit-log", "api"),
    ("admin: index (dashboard)", "/admin/", "admin"),
    ("admin: users", "/admin/accounts/user/", "admin"),
    ("admin: users ?q=", "/admin/accounts/user/?q={user_query}", "admin"),
    ("admin: device sessions", "/admin/sessions_app/devicesession/", "admin"),
    ("admin: rooms", "/admin/rooms/room/", "admin"),
    ("admin: messages", "/admin/messaging/message/", "admin"),
    ("admin: messages ?q=", "/admin/messaging/message/?q={message_query}", "admin"),
    ("admin: event log", "/admin/realtime/event/", "admin"),
    ("admin: audit log", "/admin/lair/auditentry/", "admin"),
)

AUDIT_ACTIONS = (
    # (action, weight, who acts: "none" / "self" / "operator", target type)
    ("login.failed", 55.0, "none", "user"),
    ("login.locked_out", 4.0, "none", "user"),
    ("session.revoked", 20.0, "self", "session"),
    ("password.changed", 10.0, "self", "user"),
    ("message.deleted_by_moderator", 4.0, "operator", "message"),
    ("member.kicked", 2.0, "operator", "user"),
    ("user.role_changed", 1.0, "operator", "user"),
    ("user.suspended", 1.0, "operator", "user"),
    ("user.unsuspended", 0.5, "operator", "user"),
    ("room.archived", 0.5, "operator", "room"),
    ("user.deactivated", 0.3, "operator", "user"),
    ("config.changed", 0.2, "operator", "config"),
    ("broadcast.sent", 0.2, "operator", ""),
)
DEVICES = ("Firefox on Linux", "Chrome on macOS", "Safari on iPhone", "Lair for Android", "")
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "lair-android/2.4",
)
REVOKE_REASONS = ("logout", "logout", "revoked", "password_changed", "admin", "refresh_reuse")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- seeding -----------------------------------------------------------------------------


class _AnyRoomLoader:
    """seed_messages' bulk loaders (FTS5 trigger or GIN index dropped for the load, then
    rebuilt in one pass) write one room's rows; these rows name their room themselves."""

    def __init__(self, seeder: Seeder):
        self.seeder = seeder

    def execute(self, sql: str, params=()):
        return self.seeder.execute(sql, params)

    def add_messages(self, _room_id, rows) -> None:
        self.seeder.add_messages_in_rooms(rows)


def _ago(now: datetime, rng: random.Random, days: float) -> datetime:
    return now - timedelta(seconds=rng.random() * days * 86400)


def _user_states(rng: random.Random, ids: list[int], now: datetime) -> list[tuple]:
    """(id, date_joined, last_seen, role, is_suspended, is_active) of the regular users."""
    moderators = max(1, len(ids) // 500)
    rows = []
    for i, user_id in enumerate(ids):
        joined = _ago(now, rng, 730)
        draw = rng.random()
        if draw < 0.20:
            seen = _ago(now, rng, 1)
        elif draw < 0.60:
            seen = _ago(now, rng, 30)
        elif draw < 0.97:
            seen = _ago(now, rng, 365)
        else:
            seen = None
        if seen is not None and seen < joined:
            seen = joined + (now - joined) * rng.random()
        role = "moderator" if i < moderators else ("guest" if rng.random() < 0.03 else "user")
        suspended = i >= moderators and rng.random() < 0.01
        active = suspended or rng.random() >= 0.005
        rows.append((user_id, joined, seen, role, suspended, active))
    return rows


def _rooms(rng: random.Random, users: list[int], names: dict[int, str], admin: int, now):
    """Room rows (ANY_ROOMS order) and their member lists, keyed by room name."""
    rows: list[tuple] = []
    members: dict[str, list[int]] = {}

    def add(name: str, kind: str, people: list[int], archived: bool = False, key=None):
        created = _ago(now, rng, 700)
        archived_at = created + (now - created) * rng.random() if archived else None
        rows.append(
            (
                name,
                f"{kind} room of the benchmark",
                "",
                kind,
                created,
                now,
                archived_at,
                key,
                people[0],
            )
        )
        members[name] = people

    add(f"{ROOM_PREFIX}everyone", "public", [admin, *users])
    for k in range(max(3, len(users) // 50)):
        size = max(3, min(len(users), int(len(users) * 0.3 / (k + 1) ** 0.8)))
        add(f"{ROOM_PREFIX}public-{k:05d}", "public", rng.sample(users, size), rng.random() < 0.05)
    for k in range(max(2, len(users) // 25)):
        size = min(len(users), rng.randint(3, 30))
        add(
            f"{ROOM_PREFIX}private-{k:05d}", "private", rng.sample(users, size), rng.random() < 0.05
        )
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < max(1, len(users) // 5) and len(users) >= 2:
        a, b = sorted(rng.sample(users, 2))
        pairs.add((a, b))
    for a, b in sorted(pairs):
        add(f"{names[a]}, {names[b]}", "direct", [a, b], key=f"{a}:{b}")
    return rows, members


def _memberships(members: dict[int, list[int]]):
    for room_id, people in members.items():
        for i, user_id in enumerate(people):
            role = "owner" if i == 0 else ("moderator" if i == 1 and len(people) > 10 else "member")
            yield room_id, user_id, role


def _room_weights(rooms: dict[str, int], kinds: dict[str, str]) -> tuple[list[int], list[float]]:
    """Room ids and cumulative weights: everyone's room 15 %, public 55 % (Zipf), private 20 %,
    direct 10 %."""
    by_kind: dict[str, list[int]] = {"everyone": [], "public": [], "private": [], "direct": []}
    for name, room_id in rooms.items():
        kind = "everyone" if name == f"{ROOM_PREFIX}everyone" else kinds[name]
        by_kind[kind].append(room_id)
    shares = {"everyone": 0.15, "public": 0.55, "private": 0.20, "direct": 0.10}
    ids, cumulative, total = [], [], 0.0
    for kind, share in shares.items():
        group = sorted(by_kind[kind])
        if not group:
            continue
        raw = [1.0 / (rank + 1) if kind == "public" else 1.0 for rank in range(len(group))]
        scale = share / sum(raw)
        for room_id, weight in zip(group, raw, strict=True):
            total += weight * scale
            ids.append(room_id)
            cumulative.append(total)
    return ids, cumulative


def _messages(rng, count: int, room_ids, cum_weights, members, start: datetime, end: datetime):
    """(content, created_at, author id, room id), created_at increasing from start to end."""
    text = seed_messages.MessageText(RNG_SEED + 1)
    rare = seed_messages.rare_positions(count)
    chosen = rng.choices(room_ids, cum_weights=cum_weights, k=count)
    step = (end - start).total_seconds() / max(count, 1)
    for i, room_id in enumerate(chosen):
        at = start + timedelta(seconds=i * step + rng.random() * step * 0.9)
        people = members[room_id]
        content = text.make(common=rng.random() < seed_messages.COMMON_SHARE, rare=i in rare)
        yield content, at, people[rng.randrange(len(people))], room_id


def _device_sessions(rng, states: list[tuple], now: datetime):
    for user_id, joined, seen, _role, suspended, _active in states:
        for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))):
            created = joined + (now - joined) * rng.random()
            used = created + ((seen or now) - created) * rng.random()
            if used < created:
                used = created
            revoked_at, reason = None, ""
            if suspended:
                revoked_at, reason = used, "suspended"
            elif rng.random() < 0.33:
                revoked_at, reason = used, rng.choice(REVOKE_REASONS)
            yield (
                user_id,
                rng.choice(DEVICES),
                f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                rng.choice(AGENTS),
                created,
                used,
                used + timedelta(days=SESSION_DAYS),
                revoked_at,
                reason,
                f"{rng.getrandbits(128):032x}",
            )


def _audit_entries(rng, count: int, users: list[int], operators: list[int], rooms, now):
    actions = [a for a, *_ in AUDIT_ACTIONS]
    weights = [w for _, w, *_ in AUDIT_ACTIONS]
    how = {a: (who, target) for a, _, who, target in AUDIT_ACTIONS}
    start = now - timedelta(days=365)
    step = 365 * 86400 / max(count, 1)
    for i, action in enumerate(rng.choices(actions, weights=weights, k=count)):
        who, target_type = how[action]
        subject = users[rng.randrange(len(users))]
        actor = {"none": None, "self": subject, "operator": rng.choice(operators)}[who]
        details: dict = {}
        target_id = str(subject)
        if action.startswith("login."):
            details = {"via": rng.choice(("api", "api", "admin"))}
            if action == "login.locked_out":
                details["scope"] = rng.choice(("login_ip", "login_username"))
        elif target_type == "session":
            target_id = str(rng.randrange(1, len(users) * 2))
        elif target_type == "message":
            target_id = str(rng.randrange(1, 1_000_000))
            details = {"room_id": rng.choice(rooms)}
        elif target_type == "room":
            target_id = str(rng.choice(rooms))
            details = {"name": "a room"}
        elif action == "user.role_changed":
            details = {"old": "user", "new": "moderator"}
        elif action == "config.changed":
            target_id = "message_rate_limit"
            details = {"field": "message_rate_limit", "old": "20/10", "new": "30/10"}
        elif action == "broadcast.sent":
            target_id = ""
            details = {"content": "Maintenance tonight at 22:00 UTC."}
        yield (
            start + timedelta(seconds=i * step),
            actor,
            action,
            target_type,
            target_id,
            f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            json.dumps(details),
        )


def _events(rng, recent: list[tuple], names: dict[int, str]):
    """The event log of the retention window, from (id, room, author, content, at) rows."""
    for message_id, room_id, author, content, at in recent:
        message = {
            "id": message_id,
            "room_id": room_id,
            "author": {"id": author, "username": names.get(author, ""), "display_name": ""},
            "content": content,
            "created_at": at if isinstance(at, str) else at.isoformat(),
        }
        frame = {"type": "message.created", "room_id": room_id, "message": message}
        yield room_id, None, "message.created", message_id, json.dumps(frame), at
        if rng.random() < 0.3:
            read = {"type": "read", "room_id": room_id, "user_id": author, "message_id": message_id}
            yield room_id, None, "read", None, json.dumps(read), at
        if rng.random() < 0.1:
            reaction = {
                "type": "reaction.added",
                "room_id": room_id,
                "message_id": message_id,
                "emoji": "👍",
                "user_id": author,
            }
            yield room_id, None, "reaction.added", None, json.dumps(reaction), at


def _timed(label: str, started: float, timings: dict) -> float:
    now = time.perf_counter()
    timings[label] = round(now - started, 1)
    log(f"  {label}: {now - started:.1f} s")
    return now


def seed_database(db: Database, *, messages: int, users: int, pw_hash: str) -> dict:
    """Everything above in one transaction, then ANALYZE; returns counts and timings."""
    with Seeder(db, tables=seed.ALL_TABLES) as seeder:
        if seeder.execute("SELECT 1 FROM messaging_message LIMIT 1").fetchone():
            raise SystemExit("messaging_message is not empty: seed a freshly migrated database")
        sqlite = db.vendor == "sqlite"
        skip_fk_checks = False
        if sqlite:
            seeder.execute("PRAGMA synchronous=OFF")
            seeder.execute("PRAGMA cache_size=-262144")  # 256 MiB for this connection
            seeder.execute("PRAGMA temp_store=MEMORY")
        else:
            skip_fk_checks = seed_messages._prepare_postgresql(seeder)
        rng = random.Random(RNG_SEED)
        now = datetime.now(UTC)
        timings: dict[str, float] = {}
        t0 = t = time.perf_counter()
        with seeder.transaction():
            usernames = [f"{USER_PREFIX}{i:05d}" for i in range(users)]
            ids = seeder.add_users(
                [ADMIN_USERNAME, *usernames],
                pw_hash,
                ["Site Admin", *(f"Bench User {i}" for i in range(users))],
                now,
            )
            admin = ids[ADMIN_USERNAME]
            seeder.make_site_admin(admin)
            user_ids = [ids[name] for name in usernames]
            names = {user_id: name for name, user_id in ids.items()}
            states = _user_states(rng, user_ids, now)
            seeder.set_user_states(states)
            operators = [admin] + [s[0] for s in states if s[3] == "moderator"]
            t = _timed("users", t, timings)

            room_rows, room_members = _rooms(rng, user_ids, names, admin, now)
            seeder.add_any_rooms(room_rows)
            rooms = seeder.ids_of("rooms_room", "name", [row[0] for row in room_rows])
            kinds = {row[0]: row[3] for row in room_rows}
            members = {rooms[name]: people for name, people in room_members.items()}
            seeder.add_memberships(_memberships(members), joined_at=now)
            memberships = sum(len(people) for people in members.values())
            t = _timed("rooms and memberships", t, timings)

            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: check them row by
            # row, or millions of queued checks would block the index builds.
            if not sqlite and not skip_fk_checks:
                seeder.execute("SET CONSTRAINTS ALL IMMEDIATE")
            room_ids, cum_weights = _room_weights(rooms, kinds)
            rows = _messages(
                rng, messages, room_ids, cum_weights, members, now - timedelta(days=365), now
            )
            load = (
                seed_messages._sqlite_bulk_load if sqlite else seed_messages._postgresql_bulk_load
            )
            load(_AnyRoomLoader(seeder), None, rows, log)
            t = _timed(f"{messages:,} messages and the search index", t, timings)

            sessions = list(_device_sessions(rng, states, now))
            seeder.add_device_sessions(sessions)
            audit = users * 5
            seeder.add_audit_entries(
                _audit_entries(rng, audit, user_ids, operators, list(rooms.values()), now)
            )
            cutoff = now - timedelta(days=EVENT_WINDOW_DAYS)
            recent = seeder.execute(
                "SELECT id, room_id, author_id, content, created_at FROM messaging_message "
                f"WHERE created_at >= {seeder.ph} ORDER BY id",
                [seed.sqlite_timestamp(cutoff) if sqlite else cutoff],
            ).fetchall()
            events = list(_events(rng, recent, names))
            seeder.add_events(events)
            t = _timed("device sessions, audit log and event log", t, timings)
        if sqlite:
            seeder.execute("ANALYZE")
            seeder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            if skip_fk_checks:
                seeder.execute("SET session_replication_role = DEFAULT")
            for table in {table.name for table in seed.ALL_TABLES}:
                seeder.execute(f"VACUUM ANALYZE {table}")
        _timed("ANALYZE", t, timings)
    return {
        "users": users + 1,
        "rooms": len(room_rows),
        "memberships": memberships,
        "messages": messages,
        "device_sessions": len(sessions),
        "audit_entries": audit,
        "events": len(events),
        "seed_s": round(time.perf_counter() - t0, 1),
        "seed_steps_s": timings,
    }


def seeded_counts(db: Database) -> dict | None:
    """The row counts of an earlier seeding; None when the database holds none."""
    try:
        conn = connect(db)
    except Exception as exc:
        raise SystemExit(f"cannot open the database: {exc}") from exc
    try:
        try:
            admin = conn.execute(
                f"SELECT id FROM accounts_user WHERE username = {db.placeholder}",
                [ADMIN_USERNAME],
            ).fetchone()
        except Exception:  # not migrated yet: no table
            return None
        if admin is None:
            return None
        counts = {}
        for key, table in (
            ("users", "accounts_user"),
            ("rooms", "rooms_room"),
            ("memberships", "rooms_membership"),
            ("messages", "messaging_message"),
            ("device_sessions", "sessions_app_devicesession"),
            ("audit_entries", "lair_auditentry"),
            ("events", "messaging_event"),
        ):
            counts[key] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return counts
    finally:
        conn.close()


def wipe(db: Database) -> None:
    """--fresh: the SQLite file goes; a PostgreSQL database loses every table."""
    if db.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(db.target + suffix).unlink(missing_ok=True)
        return
    conn = connect(db)
    try:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    finally:
        conn.close()


# --- measuring ---------------------------------------------------------------------------


async def admin_sign_in(client: httpx.AsyncClient, username: str, password: str) -> None:
    """Sign in through the Django admin's own form, as a browser does: CSRF cookie and
    token from the login page, then the POST; a session cookie comes back."""
    page = await client.get("/admin/login/", params={"next": "/admin/"})
    if page.status_code != 200:
        raise BenchmarkError(f"/admin/login/: HTTP {page.status_code}")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if not match:
        raise BenchmarkError("/admin/login/ has no CSRF token in its form")
    done = await client.post(
        "/admin/login/",
        data={
            "csrfmiddlewaretoken": match.group(1),
            "username": username,
            "password": password,
            "next": "/admin/",
        },
        headers={"Referer": f"{client.base_url}admin/login/"},
    )
    if done.status_code != 302:
        raise BenchmarkError(
            f"admin sign-in refused (HTTP {done.status_code}): is {username} staff? "
            f"{done.text[:200]!r}"
        )


async def time_page(client, label: str, path: str, kind: str, args, meter: CpuMeter) -> dict:
    row = {"page": label, "path": path, "kind": kind}
    first = await client.get(path)
    if first.status_code == 404:
        return {**row, "status": "not available"}
    if first.status_code != 200:
        return {**row, "status": f"HTTP {first.status_code}"}
    for _ in range(max(0, args.warmup - 1)):
        await client.get(path)
    result = loadgen.Result(label, 1)
    budget = Budget(args.requests, time.perf_counter() + args.max_seconds)
    before = meter.snapshot()
    started_all = time.perf_counter()
    while budget.take():
        started = time.perf_counter()
        try:
            response = await client.get(path)
            ok, what = response.status_code == 200, f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, what = False, type(exc).__name__
        result.record(started, ok, what)
    result.elapsed_s = time.perf_counter() - started_all
    summary = result.summary()
    row.update(
        status="ok" if not result.errors else f"{result.errors} errors",
        count=summary["count"],
        p50_ms=summary["p50_ms"],
        p95_ms=summary["p95_ms"],
        max_ms=summary["max_ms"],
        errors=summary["error_samples"],
        bytes=len(first.content),
    )
    row.update(meter.report(before, meter.snapshot(), requests=summary["count"]))
    log(f"  {label}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms")
    return row


# Runs in a child process with the server's code and environment, so that this script
# itself imports no project code (benchmarks/lib/__init__.py): each page once through
# Django's test client, the queries of that request captured.
QUERY_COUNTER = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
spec = json.load(sys.stdin)
client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
for name, value in spec["cookies"].items():
    client.cookies[name] = value
out = {}
for path, kind in spec["pages"]:
    extra = {"HTTP_AUTHORIZATION": "Bearer " + spec["access"]} if kind == "api" else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    out[path] = {"status": response.status_code, "queries": len(queries.captured_queries)}
print(json.dumps(out))
"""


def count_queries(env: dict, pages: list[tuple[str, str]], access: str, cookies: dict) -> dict:
    spec = json.dumps({"pages": pages, "access": access, "cookies": cookies})
    done = subprocess.run(
        [sys.executable, "-c", QUERY_COUNTER],
        input=spec,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        log(f"  query counts failed: {done.stderr.strip()[-500:]}")
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


async def measure(server: Server, env: dict, pages: list[tuple], args, db: Database) -> list:
    meter = CpuMeter([server.pid], db.name)
    api = loadgen.new_client(server.url, USER_AGENT)
    browser = loadgen.new_client(server.url, USER_AGENT)
    try:
        tokens = await loadgen.login(api, ADMIN_USERNAME, args.password)
        api.headers["Authorization"] = f"Bearer {tokens['access']}"
        await admin_sign_in(browser, ADMIN_USERNAME, args.password)
        rows = []
        for label, path, kind in pages:
            client = api if kind == "api" else browser
            rows.append(await time_page(client, label, path, kind, args, meter))
        cookies = dict(browser.cookies.items())
    finally:
        await asyncio.gather(api.aclose(), browser.aclose())
    if args.queries:
        measured = [(row["path"], row["kind"]) for row in rows if "count" in row]
        counts = count_queries(env, measured, tokens["access"], cookies) if measured else {}
        for row in rows:
            found = counts.get(row["path"])
            if found and found["status"] == 200:
                row["queries"] = found["queries"]
    return rows


# --- report ------------------------------------------------------------------------------


def _cell(value) -> str:
    return "-" if value is None else str(value)


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| page | status | requests | median ms | p95 ms | server CPU ms/req "
        "| db CPU ms/req | SQL queries |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        page = f"{row['page']} `{row['path']}`"
        lines.append(
            f"| {page} | {row['status']} | {_cell(row.get('count'))} | {_cell(row.get('p50_ms'))} "
            f"| {_cell(row.get('p95_ms'))} | {_cell(row.get('server_cpu_ms_per_req'))} "
            f"| {_cell(row.get('db_cpu_ms_per_req'))} | {_cell(row.get('queries'))} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring (the top of this file) for what is seeded.",
    )
    parser.add_argument(
        "--database-url",
        default="sqlite:///bench-operators.sqlite3",
        help="SQLite file (relative to the current folder, kept for --reuse) or a loopback "
        "PostgreSQL database that exists (createdb); default %(default)s",
    )
    parser.add_argument(
        "--messages", type=int, default=1_000_000, help="messages to seed (%(default)s)"
    )
    parser.add_argument(
        "--users", type=int, default=10_000, help="users to seed, the admin aside (%(default)s)"
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database seeded by an earlier run (seeds it if it holds none)",
    )
    state.add_argument(
        "--fresh",
        action="store_true",
        help="delete the SQLite file, or every table of the PostgreSQL database, and seed anew",
    )
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    parser.add_argument(
        "--requests", type=int, default=30, help="timed requests per page (%(default)s)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="untimed requests per page first (%(default)s; the first one also says "
        "whether the page exists)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="stop timing a page after this many seconds, whatever --requests says (%(default)s)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated substrings: measure only the pages whose label or path "
        "contains one (e.g. 'admin/,stats')",
    )
    parser.add_argument(
        "--user-query",
        default="bench_0042",
        help="the ?q= of the user searches (%(default)s: about 10 seeded users)",
    )
    parser.add_argument(
        "--message-query",
        default=seed_messages.RARE_WORD,
        help="the ?q= of the admin's message search (%(default)s: in about 10 messages, "
        "so the search reads the whole table)",
    )
    parser.add_argument(
        "--queries",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also count the SQL queries of one request per page (Django's test client in "
        "a child process with the server's settings)",
    )
    parser.add_argument("--port", type=int, default=8310, help="server port (%(default)s)")
    parser.add_argument(
        "--redis-url",
        default="",
        help="serve with this REDIS_URL (cache and channel layer); default: none, as make run",
    )
    parser.add_argument(
        "--server-log",
        default="bench-operators-server.log",
        help="where the server's output goes (%(default)s)",
    )
    parser.add_argument("--password", default=PASSWORD, help="the seeded users' password")
    parser.add_argument(
        "--argon2",
        type=passwords.parse_parameters,
        default=passwords.DEFAULT_PARAMETERS,
        help="t,m,p of the seeded hash (default: the server's ARGON2_* settings)",
    )
    parser.add_argument("--json", action="store_true", help="also print the report as JSON")
    args = parser.parse_args(argv)
    if not 100 <= args.users <= 1_000_000:
        parser.error("--users must be 100..1,000,000")
    if not 1000 <= args.messages <= seed_messages.MAX_MESSAGES:
        parser.error(f"--messages must be 1,000..{seed_messages.MAX_MESSAGES:,}")
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be 1..10,000")
    if not 1 <= args.warmup <= 100:
        parser.error("--warmup must be 1..100")
    if not 0 < args.max_seconds <= 3600:
        parser.error("--max-seconds must be in (0, 3600]")
    return args


def selected_pages(args) -> list[tuple[str, str, str]]:
    wanted = [part.strip() for part in args.only.split(",") if part.strip()]
    pages = []
    for label, path, kind in PAGES:
        path = path.format(user_query=args.user_query, message_query=args.message_query)
        if not wanted or any(w in label or w in path for w in wanted):
            pages.append((label, path, kind))
    return pages


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    # Plain HTTP on loopback: the admin's cookies must not be Secure-only, or the
    # client would never send them back.
    env = code_env(
        REPO,
        {
            "DATABASE_URL": database_url,
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            # The admin's pages need the static manifest (DEBUG is off), in a folder
            # of the benchmark's own.
            "STATIC_ROOT": str(BENCH_DIR / "results" / "operators-static"),
        },
    )
    for name in ("REDIS_URL", "CHANNEL_LAYER"):
        env.pop(name, None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    db = parse_database_url(args.database_url)
    database_url = args.database_url
    if db.vendor == "sqlite":
        # The server runs in the repository: a relative path must name the same file.
        db = Database("sqlite", str(Path(db.target).resolve()))
        database_url = f"sqlite:///{db.target}"
    env = server_env(database_url, args.redis_url)
    report: dict = {"vendor": db.vendor, "database": database_url}

    if args.fresh:
        wipe(db)
    counts = seeded_counts(db) if db.vendor != "sqlite" or Path(db.target).exists() else None
    if counts is not None and not args.reuse:
        raise SystemExit(
            f"{args.database_url} is already seeded ({counts['messages']:,} messages): "
            "pass --reuse to measure it again, or --fresh to seed it anew"
        )
    if counts is None:
        log(f"migrating {database_url} ...")
        migrate(REPO, env)
        log(f"seeding {args.messages:,} messages, {args.users:,} users ...")
        started = time.perf_counter()
        pw_hash = passwords.django_argon2_hash(args.password, args.argon2)
        info = seed_database(db, messages=args.messages, users=args.users, pw_hash=pw_hash)
        log(f"seeded in {time.perf_counter() - started:.0f} s")
        report["seed"] = info
        counts = seeded_counts(db)
    else:
        log(f"reusing {database_url}: {counts}")
    report["counts"] = counts
    if args.seed_only:
        if args.json:
            print(json.dumps(report, indent=2))
        return 0

    pages = selected_pages(args)
    collect_static(REPO, env)
    log_path = Path(args.server_log).resolve()
    with Server(REPO, env, args.port, log_path) as server:
        log(f"server {server.url} (pid {server.pid}), log {log_path}")
        try:
            rows = loadgen.event_loop_runner()(measure(server, env, pages, args, db))
        except BenchmarkError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    report["pages"] = rows
    report["loadavg_1m"] = round(os.getloadavg()[0], 2)
    summary = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in counts.items())
    print(f"\n{db.vendor}: {summary}\n")
    print(markdown_table(rows))
    others = [row.get("other_cpu_pct") for row in rows if row.get("other_cpu_pct") is not None]
    if others:
        print(
            f"\nother processes used up to {max(others)} % of one core during a page "
            f"(1-minute load {report['loadavg_1m']}): above ~10 % the figures are not clean"
        )
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
