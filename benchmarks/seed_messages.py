"""Seed a Lair Chat database with one public room of N messages, fast, for benchmarks/messages.py.

Writes straight into the database of the server under test (a freshly migrated one: the
messages table must be empty), with bulk SQL instead of the ORM:

- SQLite: one transaction, ``PRAGMA synchronous=OFF``, ``executemany``. The FTS5 insert
  trigger is dropped for the bulk insert and re-created exactly as migration
  messaging/0002 defines it, then the FTS index is rebuilt in one pass ('rebuild'),
  which is several times faster than 1,000,000 trigger calls. Then ``ANALYZE``.
- PostgreSQL: ``COPY ... FROM STDIN`` through psycopg (the stored generated tsvector
  column is computed by PostgreSQL during the COPY). The GIN index is dropped for the
  load and re-created exactly as migration messaging/0002 defines it (one sorted build
  instead of 1,000,000 pending-list insertions). Then ``VACUUM ANALYZE``.

What it creates:

- ``users`` users ``msgbench_00`` .. with one real Argon2 hash (Django's make_password
  with the project's hasher, computed once and shared), each with default settings;
- one public room ``msgbench-room`` with all of them as members (the first is owner);
- ``messages`` messages, ids increasing, ``created_at`` increasing over the year before
  now, authors drawn among the first ``authors`` users, text of 2-60 words drawn from a
  fixed vocabulary with Zipf-like frequencies (seeded RNG: the same every run);
- the COMMON_WORD in ~30 % of messages and the RARE_WORD in exactly RARE_COUNT messages
  spread evenly over the history (neither occurs otherwise).

Usable alone:  .venv/bin/python benchmarks/seed_messages.py --database-url sqlite:////tmp/x.db
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import socket
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent

ROOM_NAME = "msgbench-room"
USER_PREFIX = "msgbench_"
DEFAULT_PASSWORD = "Lair-bench-messages-pw-1"  # benchmark databases only
COMMON_WORD = "coffee"
COMMON_SHARE = 0.30
RARE_WORD = "zanzibar"
RARE_COUNT = 10
MAX_MESSAGES = 20_000_000
RNG_SEED = 20261122

# Plain lowercase words only: no tab, backslash or newline, so rows go to COPY as is.
VOCABULARY = """
the i you to a and it is that of in for on this we be have not are with just so but
was do what can me my at if it's all like no yes will get there one about up out
know think now good time how they then see would should here let's going ok okay thanks
need make go really some more when also well today right work still maybe why
could want new back got did done sure because much any been build test tests
meeting tomorrow yesterday morning afternoon lunch team release branch merge review
deploy deployment server database query index cache latency p95 error errors bug fix
fixed issue ticket sprint standup demo customer user users login password session token
room rooms channel message messages chat search history page scroll thread reply
reaction emoji mention notification push mobile desktop browser client api endpoint
docs readme config settings env staging production prod rollback migration schema
table column row postgres sqlite redis queue worker workers cpu memory disk network
slow fast faster quick weekend friday monday holiday vacation office remote home
call zoom link calendar invite agenda notes summary plan roadmap quarter goal goals
design mockup figma ui ux button color font layout mobile tablet screen dark theme
pull request pr approve approved comment comments nit lgtm ship shipped hotfix patch
version tag changelog ci pipeline build failing green red flaky retry timeout logs
metrics dashboard alert alerts oncall incident outage postmortem status update
benchmark profile profiling trace spans sql explain plan scan seek join sort limit
python django rest json http websocket socket async thread process gunicorn uvicorn
please thank great nice cool awesome sounds perfect agree disagree idea question
answer problem solution option options tradeoff cost budget estimate hours days weeks
lol haha hmm wow oops sorry brb afk omw ttyl np ty yep nope kinda sorta pretty
water tea pizza sandwich salad dinner breakfast snack cake cookies fruit
cat dog walk run gym bike train bus car traffic weather rain snow sun cold hot
book movie music song podcast game games play played watch watched read
first second third last next previous early late soon later never always often
small big large tiny huge long short old young fresh clean messy simple hard easy
open close closed start started stop stopped wait waiting ready almost finished
""".split()  # noqa: SIM905


def _vocabulary() -> list[str]:
    seen: set[str] = set()
    words = []
    for word in VOCABULARY:
        if word in seen or word in (COMMON_WORD, RARE_WORD):
            continue
        seen.add(word)
        words.append(word)
    return words


class MessageText:
    """Deterministic, varied chat-like text from the fixed vocabulary."""

    def __init__(self, seed: int = RNG_SEED):
        self.rng = random.Random(seed)
        self.words = _vocabulary()
        # Zipf-like: the n-th word of the list (function words first) is 1/n^0.9 as
        # frequent as the first.
        cumulative, total = [], 0.0
        for rank in range(len(self.words)):
            total += 1.0 / (rank + 1) ** 0.9
            cumulative.append(total)
        self.cum_weights = cumulative
        self.endings = ["", "", "", ".", "?", "!", "...", " :)"]

    def make(self, *, common: bool, rare: bool) -> str:
        rng = self.rng
        length = min(60, 2 + int(rng.expovariate(1 / 9.0)))
        words = rng.choices(self.words, cum_weights=self.cum_weights, k=length)
        if common:
            words.insert(rng.randrange(len(words) + 1), COMMON_WORD)
        if rare:
            words.insert(rng.randrange(len(words) + 1), RARE_WORD)
        if rng.random() < 0.35:
            words[0] = words[0].capitalize()
        return " ".join(words) + rng.choice(self.endings)


def rare_positions(count: int) -> set[int]:
    if count <= 0:
        return set()
    n = min(RARE_COUNT, count)
    return {int((i + 0.5) * count / n) for i in range(n)}


def generate(count: int, authors: list[int], start: datetime, end: datetime):
    """Yield ``(content, created_at, author_id)``, created_at increasing from start to end."""
    text = MessageText()
    rng = random.Random(RNG_SEED + 2)
    rare = rare_positions(count)
    span = (end - start).total_seconds()
    step = span / max(count, 1)
    for i in range(count):
        # Increasing, with jitter inside each slot so the times look organic.
        at = start + timedelta(seconds=i * step + rng.random() * step * 0.9)
        content = text.make(common=rng.random() < COMMON_SHARE, rare=i in rare)
        yield content, at, authors[rng.randrange(len(authors))]


# --- database URLs -----------------------------------------------------------


def parse_database_url(url: str) -> tuple[str, str]:
    """``sqlite:////abs/path`` -> ("sqlite", path); ``postgres(ql)://...`` -> ("postgresql", url).

    PostgreSQL must be on loopback: the benchmark never writes to a remote database.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("//"):
            path = path[1:]
        elif path.startswith("/"):
            path = path[1:] or path
        if not path or path == ":memory:":
            raise SystemExit("--database-url sqlite needs a file path: sqlite:////tmp/x.sqlite3")
        return "sqlite", path
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        host = parts.hostname or "localhost"
        if not host.startswith("/"):
            try:
                infos = socket.getaddrinfo(host, parts.port or 5432, proto=socket.IPPROTO_TCP)
            except socket.gaierror as exc:
                raise SystemExit(f"cannot resolve database host {host!r}: {exc}") from exc
            if not all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos):
                raise SystemExit(f"refusing non-loopback database host {host!r}")
        dbname = parts.path.lstrip("/")
        if dbname == "test" or dbname.startswith("test_"):
            raise SystemExit(f"refusing database {dbname!r}: test databases belong to the tests")
        return "postgresql", "postgresql://" + url.split("://", 1)[1]
    raise SystemExit(f"unsupported --database-url scheme {parts.scheme!r}")


def password_hash(password: str, database_url: str) -> str:
    """One real hash with the project's first hasher (Argon2id), as the server will verify it."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("SECRET_KEY", "benchmark-seeding-only-" + "x" * 40)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    return make_password(password)


# --- seeding -----------------------------------------------------------------


def _user_rows(users: int, password: str, now: datetime) -> list[tuple]:
    return [
        (
            password,
            f"{USER_PREFIX}{i:02d}",
            f"{USER_PREFIX}{i:02d}@example.test",
            f"Bench User {i}",
            now,
        )
        for i in range(users)
    ]


SQLITE_FTS_INSERT_TRIGGER = (
    "CREATE TRIGGER messaging_message_fts_insert AFTER INSERT ON messaging_message BEGIN "
    "INSERT INTO messaging_message_fts(rowid, content) VALUES (new.id, new.content); END"
)
PG_GIN_INDEX = (
    "CREATE INDEX messaging_message_search_idx ON messaging_message USING GIN (search_vector)"
)


def _summary(db, placeholder: str, room_id: int, marks: tuple) -> dict:
    """The seeded id range and the phase timings (start, insert, index, analyze)."""
    t0, t1, t2, t3, t4, t5 = marks
    first, last = db.execute(
        f"SELECT MIN(id), MAX(id) FROM messaging_message WHERE room_id = {placeholder}",
        [room_id],
    ).fetchone()
    return {
        "room_id": room_id,
        "first_message_id": first,
        "last_message_id": last,
        "insert_s": round(t2 - t1, 1),
        "index_s": round(t3 - t2, 1),
        "analyze_s": round(t5 - t4, 1),
        "total_s": round(t5 - t0, 1),
    }


def _sqlite_ts(value: datetime) -> str:
    # Django's SQLite format: naive UTC, "YYYY-MM-DD HH:MM:SS.ffffff".
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def seed_sqlite(path: str, *, messages: int, users: int, authors: int, pw_hash: str, log) -> dict:
    if not Path(path).exists():
        raise SystemExit(f"{path} does not exist: run manage.py migrate against it first")
    db = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        if db.execute("SELECT 1 FROM messaging_message LIMIT 1").fetchone():
            raise SystemExit("messaging_message is not empty: seed a freshly migrated database")
        has_trigger = db.execute(
            "SELECT 1 FROM sqlite_master "
            "WHERE type = 'trigger' AND name = 'messaging_message_fts_insert'"
        ).fetchone()
        if not has_trigger:
            raise SystemExit("FTS insert trigger missing: is migration messaging 0002 applied?")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-262144")  # 256 MiB for this connection
        db.execute("PRAGMA temp_store=MEMORY")
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO accounts_user (password, last_login, is_superuser, first_name, "
                "last_name, is_staff, is_active, date_joined, username, email, role, "
                "display_name, bio, avatar, status_text, timezone, is_suspended, last_seen) "
                "VALUES (?, NULL, 0, '', '', 0, 1, ?, ?, ?, 'user', ?, '', '', '', 'UTC', 0, NULL)",
                [(h, _sqlite_ts(t), u, e, d) for h, u, e, d, t in _user_rows(users, pw_hash, now)],
            )
            user_ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM accounts_user WHERE username LIKE ? ORDER BY username",
                    [USER_PREFIX + "%"],
                )
            ]
            db.executemany(
                "INSERT INTO accounts_usersettings (user_id, theme, notify, language, "
                "show_presence, enter_to_send) VALUES (?, 'system', 'all', 'en', 1, 1)",
                [(uid,) for uid in user_ids],
            )
            ts_now = _sqlite_ts(now)
            cur = db.execute(
                "INSERT INTO rooms_room (name, description, topic, type, created_at, updated_at, "
                "archived_at, direct_key, created_by_id) "
                "VALUES (?, 'Benchmark room', '', 'public', ?, ?, NULL, NULL, ?)",
                [ROOM_NAME, _sqlite_ts(now - timedelta(days=366)), ts_now, user_ids[0]],
            )
            room_id = cur.lastrowid
            db.executemany(
                "INSERT INTO rooms_membership (role, joined_at, last_read_message_id, user_id, "
                "room_id) VALUES (?, ?, 0, ?, ?)",
                [
                    ("owner" if i == 0 else "member", ts_now, uid, room_id)
                    for i, uid in enumerate(user_ids)
                ],
            )
            db.execute("DROP TRIGGER messaging_message_fts_insert")
            t1 = time.perf_counter()
            rows = (
                (content, _sqlite_ts(at), room_id, author)
                for content, at, author in generate(
                    messages, user_ids[:authors], now - timedelta(days=365), now
                )
            )
            db.executemany(
                "INSERT INTO messaging_message (content, created_at, edited_at, deleted_at, "
                "reply_count, client_id, author_id, parent_id, room_id) "
                "VALUES (?, ?, NULL, NULL, 0, NULL, ?, NULL, ?)",
                ((c, t, a, r) for c, t, r, a in rows),
            )
            t2 = time.perf_counter()
            log(f"  inserted {messages:,} messages in {t2 - t1:.1f} s")
            db.execute(SQLITE_FTS_INSERT_TRIGGER)
            db.execute(
                "INSERT INTO messaging_message_fts(messaging_message_fts) VALUES ('rebuild')"
            )
            t3 = time.perf_counter()
            log(f"  rebuilt the FTS5 index in {t3 - t2:.1f} s")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")  # the trigger drop is rolled back with it
            raise
        t4 = time.perf_counter()
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        t5 = time.perf_counter()
        log(f"  commit {t4 - t3:.1f} s, ANALYZE + checkpoint {t5 - t4:.1f} s")
        return _summary(db, "?", room_id, (t0, t1, t2, t3, t4, t5))
    finally:
        db.close()


def seed_postgresql(
    conninfo: str, *, messages: int, users: int, authors: int, pw_hash: str, log
) -> dict:
    import psycopg

    # Autocommit connection: db.transaction() below is then one real transaction, and
    # VACUUM can run after it.
    with psycopg.connect(conninfo, autocommit=True) as db:
        if db.execute("SELECT 1 FROM messaging_message LIMIT 1").fetchone():
            raise SystemExit("messaging_message is not empty: seed a freshly migrated database")
        has_index = db.execute(
            "SELECT 1 FROM pg_indexes WHERE indexname = 'messaging_message_search_idx'"
        ).fetchone()
        if not has_index:
            raise SystemExit("GIN search index missing: is migration messaging 0002 applied?")
        db.execute("SET synchronous_commit = off")
        db.execute("SET maintenance_work_mem = '512MB'")
        # Skip the per-row foreign-key triggers during the load (the rows are built
        # consistent here); needs a superuser, else the checks run row by row.
        try:
            db.execute("SET session_replication_role = replica")
            skip_fk_checks = True
        except psycopg.errors.InsufficientPrivilege:
            skip_fk_checks = False
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        with db.transaction():
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO accounts_user (password, last_login, is_superuser, first_name, "
                    "last_name, is_staff, is_active, date_joined, username, email, role, "
                    "display_name, bio, avatar, status_text, timezone, is_suspended, last_seen) "
                    "VALUES (%s, NULL, false, '', '', false, true, %s, %s, %s, 'user', %s, '', "
                    "'', '', 'UTC', false, NULL)",
                    [(h, t, u, e, d) for h, u, e, d, t in _user_rows(users, pw_hash, now)],
                )
            user_ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM accounts_user WHERE username LIKE %s ORDER BY username",
                    [USER_PREFIX + "%"],
                )
            ]
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO accounts_usersettings (user_id, theme, notify, language, "
                    "show_presence, enter_to_send) VALUES (%s, 'system', 'all', 'en', true, true)",
                    [(uid,) for uid in user_ids],
                )
            room_id = db.execute(
                "INSERT INTO rooms_room (name, description, topic, type, created_at, updated_at, "
                "archived_at, direct_key, created_by_id) "
                "VALUES (%s, 'Benchmark room', '', 'public', %s, %s, NULL, NULL, %s) RETURNING id",
                [ROOM_NAME, now - timedelta(days=366), now, user_ids[0]],
            ).fetchone()[0]
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO rooms_membership (role, joined_at, last_read_message_id, "
                    "user_id, room_id) VALUES (%s, %s, 0, %s, %s)",
                    [
                        ("owner" if i == 0 else "member", now, uid, room_id)
                        for i, uid in enumerate(user_ids)
                    ],
                )
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: check them row by
            # row, or 2,000,000 queued checks would block the index build below.
            if not skip_fk_checks:
                db.execute("SET CONSTRAINTS ALL IMMEDIATE")
            db.execute("DROP INDEX messaging_message_search_idx")
            t1 = time.perf_counter()
            with db.cursor().copy(
                "COPY messaging_message (content, created_at, reply_count, author_id, room_id) "
                "FROM STDIN"
            ) as copy:
                chunk: list[str] = []
                for content, at, author in generate(
                    messages, user_ids[:authors], now - timedelta(days=365), now
                ):
                    chunk.append(f"{content}\t{at.isoformat(sep=' ')}\t0\t{author}\t{room_id}\n")
                    if len(chunk) >= 20_000:
                        copy.write("".join(chunk))
                        chunk.clear()
                if chunk:
                    copy.write("".join(chunk))
            t2 = time.perf_counter()
            log(f"  copied {messages:,} messages in {t2 - t1:.1f} s")
            db.execute(PG_GIN_INDEX)
            t3 = time.perf_counter()
            log(f"  built the GIN index in {t3 - t2:.1f} s")
        if skip_fk_checks:
            db.execute("SET session_replication_role = DEFAULT")
        db.execute("VACUUM ANALYZE messaging_message")
        for table in ("accounts_user", "rooms_room", "rooms_membership", "accounts_usersettings"):
            db.execute(f"ANALYZE {table}")
        t4 = time.perf_counter()
        log(f"  VACUUM ANALYZE {t4 - t3:.1f} s")
        return _summary(db, "%s", room_id, (t0, t1, t2, t3, t3, t4))


def seed(
    database_url: str,
    *,
    messages: int,
    users: int,
    authors: int = 20,
    password: str = DEFAULT_PASSWORD,
    log=print,
) -> dict:
    if not 1 <= messages <= MAX_MESSAGES:
        raise SystemExit(f"--messages must be 1..{MAX_MESSAGES:,}")
    if not 1 <= users <= 999:
        raise SystemExit("users must be 1..999")
    vendor, target = parse_database_url(database_url)
    t0 = time.perf_counter()
    pw_hash = password_hash(password, database_url)
    log(f"  password hash computed once in {time.perf_counter() - t0:.2f} s")
    authors = max(1, min(authors, users))
    run = seed_sqlite if vendor == "sqlite" else seed_postgresql
    started = time.perf_counter()
    info = run(target, messages=messages, users=users, authors=authors, pw_hash=pw_hash, log=log)
    info.update(
        vendor=vendor,
        messages=messages,
        users=users,
        authors=authors,
        seconds=round(time.perf_counter() - started, 1),
    )
    return info


def find_seeded(database_url: str) -> dict:
    """The room and users of an earlier seeding (for --no-seed)."""
    vendor, target = parse_database_url(database_url)
    if vendor == "sqlite":
        db = sqlite3.connect(target)
        param = "?"
    else:
        import psycopg

        db = psycopg.connect(target, autocommit=True)
        param = "%s"
    # Only the placeholder style is interpolated below, never a value.
    try:
        row = db.execute(
            f"SELECT id FROM rooms_room WHERE name = {param} ORDER BY id LIMIT 1",
            [ROOM_NAME],
        ).fetchone()
        if row is None:
            raise SystemExit(f"no seeded room {ROOM_NAME!r} found: run with --seed first")
        room_id = row[0]
        users = db.execute(
            f"SELECT COUNT(*) FROM accounts_user WHERE username LIKE {param}",
            [USER_PREFIX + "%"],
        ).fetchone()[0]
        first, last, count = db.execute(
            f"SELECT MIN(id), MAX(id), COUNT(*) FROM messaging_message WHERE room_id = {param}",
            [room_id],
        ).fetchone()
    finally:
        db.close()
    return {
        "vendor": vendor,
        "room_id": room_id,
        "users": users,
        "first_message_id": first,
        "last_message_id": last,
        "messages": count,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--authors", type=int, default=20)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    args = parser.parse_args(argv)
    info = seed(
        args.database_url,
        messages=args.messages,
        users=args.users,
        authors=args.authors,
        password=args.password,
    )
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
