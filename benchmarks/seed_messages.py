"""Seed a Lair Chat database with one public room of N messages, fast, for benchmarks/messages.py.

Writes straight into the database of the server under test (a freshly migrated one: the
messages table must be empty), with bulk SQL instead of the ORM, through benchmarks/lib/seed.py
(which checks its columns against the migrated tables first):

- SQLite: one transaction, ``PRAGMA synchronous=OFF``, ``executemany``. The FTS5 insert
  trigger is dropped for the bulk insert and re-created from its own definition (read from
  sqlite_master), then the FTS index is rebuilt in one pass ('rebuild'), which is several
  times faster than 1,000,000 trigger calls. Then ``ANALYZE``.
- PostgreSQL: ``COPY ... FROM STDIN`` through psycopg (the stored generated tsvector
  column is computed by PostgreSQL during the COPY). The GIN index is dropped for the
  load and re-created from its own definition (read from pg_indexes): one sorted build
  instead of 1,000,000 pending-list insertions. Then ``VACUUM ANALYZE``.

What it creates:

- ``users`` users ``msgbench_00`` .. with one real Argon2id hash (computed once and
  shared, with the server's ARGON2_* parameters, --argon2 to change), each with default
  settings;
- one public room ``msgbench-room`` with all of them as members (the first is owner);
- ``messages`` messages, ids increasing, ``created_at`` increasing over the year before
  now, authors drawn among the first ``authors`` users, text of 2-60 words drawn from a
  fixed vocabulary with Zipf-like frequencies (seeded RNG: the same every run);
- the COMMON_WORD in ~30 % of messages and the RARE_WORD in exactly RARE_COUNT messages
  spread evenly over the history (neither occurs otherwise).

Usable alone:  .venv/bin/python benchmarks/seed_messages.py --database-url sqlite:///bench-seed.sqlite3
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import passwords
from lib.dburl import Database, parse_database_url
from lib.seed import Seeder

FTS_INSERT_TRIGGER = "messaging_message_fts_insert"
PG_SEARCH_INDEX = "messaging_message_search_idx"

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


# --- seeding -----------------------------------------------------------------


def _sqlite_bulk_load(seeder: Seeder, room_id: int, rows, log) -> tuple[float, float]:
    """Insert the messages with the FTS5 insert trigger dropped, then re-create it as the
    migrations defined it (read back from sqlite_master) and rebuild the index in one pass:
    several times faster than 1,000,000 trigger calls. Returns (inserted, indexed) times."""
    trigger = seeder.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [FTS_INSERT_TRIGGER]
    ).fetchone()
    if not trigger:
        raise SystemExit("FTS insert trigger missing: is migration messaging 0002 applied?")
    seeder.execute(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
    seeder.add_messages(room_id, rows)
    t_inserted = time.perf_counter()
    seeder.execute(trigger[0])
    seeder.execute("INSERT INTO messaging_message_fts(messaging_message_fts) VALUES ('rebuild')")
    return t_inserted, time.perf_counter()


def _postgresql_bulk_load(seeder: Seeder, room_id: int, rows, log) -> tuple[float, float]:
    """COPY the messages with the GIN search index dropped, then re-create it as the
    migrations defined it (read back from pg_indexes): one sorted build instead of
    1,000,000 pending-list insertions. Returns (inserted, indexed) times."""
    index = seeder.execute(
        "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [PG_SEARCH_INDEX]
    ).fetchone()
    if not index:
        raise SystemExit("GIN search index missing: is migration messaging 0002 applied?")
    seeder.execute(f"DROP INDEX {PG_SEARCH_INDEX}")
    # The stored generated tsvector column is computed by PostgreSQL during the COPY.
    seeder.add_messages(room_id, rows)
    t_inserted = time.perf_counter()
    seeder.execute(index[0])
    return t_inserted, time.perf_counter()


def _prepare_postgresql(seeder: Seeder) -> bool:
    """Session settings for the load; whether the per-row foreign-key triggers are off."""
    import psycopg

    seeder.execute("SET synchronous_commit = off")
    seeder.execute("SET maintenance_work_mem = '512MB'")
    # Skip the per-row foreign-key triggers during the load (the rows are built
    # consistent here); needs a superuser, else the checks run row by row.
    try:
        seeder.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def seed_database(
    db: Database, *, messages: int, users: int, authors: int, pw_hash: str, log
) -> dict:
    """Users, the room, its memberships and the messages, in one transaction."""
    with Seeder(db) as seeder:
        if seeder.execute("SELECT 1 FROM messaging_message LIMIT 1").fetchone():
            raise SystemExit("messaging_message is not empty: seed a freshly migrated database")
        sqlite = db.vendor == "sqlite"
        skip_fk_checks = False
        if sqlite:
            seeder.execute("PRAGMA synchronous=OFF")
            seeder.execute("PRAGMA cache_size=-262144")  # 256 MiB for this connection
            seeder.execute("PRAGMA temp_store=MEMORY")
        else:
            skip_fk_checks = _prepare_postgresql(seeder)
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        # SQLite: a failure rolls the trigger drop back with the rows.
        with seeder.transaction():
            names = [f"{USER_PREFIX}{i:02d}" for i in range(users)]
            ids = seeder.add_users(names, pw_hash, [f"Bench User {i}" for i in range(users)], now)
            user_ids = [ids[name] for name in names]
            room_id = seeder.add_rooms(
                [ROOM_NAME],
                owner_id=user_ids[0],
                description="Benchmark room",
                created_at=now - timedelta(days=366),
                now=now,
            )[ROOM_NAME]
            seeder.add_memberships(
                ((room_id, uid, "owner" if i == 0 else "member") for i, uid in enumerate(user_ids)),
                joined_at=now,
            )
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: check them row by
            # row, or 2,000,000 queued checks would block the index build.
            if not sqlite and not skip_fk_checks:
                seeder.execute("SET CONSTRAINTS ALL IMMEDIATE")
            t1 = time.perf_counter()
            rows = generate(messages, user_ids[:authors], now - timedelta(days=365), now)
            load = _sqlite_bulk_load if sqlite else _postgresql_bulk_load
            t2, t3 = load(seeder, room_id, rows, log)
            log(f"  inserted {messages:,} messages in {t2 - t1:.1f} s")
            log(f"  rebuilt the {'FTS5' if sqlite else 'GIN'} index in {t3 - t2:.1f} s")
        t4 = time.perf_counter()
        if sqlite:
            seeder.execute("ANALYZE")
            seeder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            if skip_fk_checks:
                seeder.execute("SET session_replication_role = DEFAULT")
            seeder.execute("VACUUM ANALYZE messaging_message")
            for table in (
                "accounts_user",
                "rooms_room",
                "rooms_membership",
                "accounts_usersettings",
            ):
                seeder.execute(f"ANALYZE {table}")
        t5 = time.perf_counter()
        log(f"  commit {t4 - t3:.1f} s, ANALYZE {t5 - t4:.1f} s")
        first, last = seeder.execute(
            f"SELECT MIN(id), MAX(id) FROM messaging_message WHERE room_id = {seeder.ph}",
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


def seed(
    database_url: str,
    *,
    messages: int,
    users: int,
    authors: int = 20,
    password: str = DEFAULT_PASSWORD,
    argon2: tuple[int, int, int] = passwords.DEFAULT_PARAMETERS,
    log=print,
) -> dict:
    if not 1 <= messages <= MAX_MESSAGES:
        raise SystemExit(f"--messages must be 1..{MAX_MESSAGES:,}")
    if not 1 <= users <= 999:
        raise SystemExit("users must be 1..999")
    db = parse_database_url(database_url)
    if db.vendor == "sqlite" and not Path(db.target).exists():
        raise SystemExit(f"{db.target} does not exist: run manage.py migrate against it first")
    t0 = time.perf_counter()
    pw_hash = passwords.django_argon2_hash(password, argon2)
    log(f"  password hash computed once in {time.perf_counter() - t0:.2f} s")
    authors = max(1, min(authors, users))
    started = time.perf_counter()
    info = seed_database(
        db, messages=messages, users=users, authors=authors, pw_hash=pw_hash, log=log
    )
    info.update(
        vendor=db.vendor,
        messages=messages,
        users=users,
        authors=authors,
        seconds=round(time.perf_counter() - started, 1),
    )
    return info


def find_seeded(database_url: str) -> dict:
    """The room and users of an earlier seeding (for --no-seed)."""
    db = parse_database_url(database_url)
    with Seeder(db) as seeder:
        param = seeder.ph  # only the placeholder style is interpolated, never a value
        row = seeder.execute(
            f"SELECT id FROM rooms_room WHERE name = {param} ORDER BY id LIMIT 1", [ROOM_NAME]
        ).fetchone()
        if row is None:
            raise SystemExit(f"no seeded room {ROOM_NAME!r} found: run with --seed first")
        room_id = row[0]
        users = seeder.execute(
            f"SELECT COUNT(*) FROM accounts_user WHERE username LIKE {param}",
            [USER_PREFIX + "%"],
        ).fetchone()[0]
        first, last, count = seeder.execute(
            f"SELECT MIN(id), MAX(id), COUNT(*) FROM messaging_message WHERE room_id = {param}",
            [room_id],
        ).fetchone()
    return {
        "vendor": db.vendor,
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
    parser.add_argument(
        "--argon2",
        type=passwords.parse_parameters,
        default=passwords.DEFAULT_PARAMETERS,
        help="t,m,p of the seeded hash (default: the server's ARGON2_* settings)",
    )
    args = parser.parse_args(argv)
    info = seed(
        args.database_url,
        messages=args.messages,
        users=args.users,
        authors=args.authors,
        password=args.password,
        argon2=args.argon2,
    )
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
