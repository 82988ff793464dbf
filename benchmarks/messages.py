"""Message load benchmark: history pages, posting and search over real HTTP, on 1,000,000 messages.

Seeds (optionally) the database of the server under test with benchmarks/seed_messages.py
(bulk SQL: one public room, N messages, 32+ member users with a real Argon2 hash), then
measures against that server, which must run on loopback with rate limits off, e.g.:

    DATABASE_URL=sqlite:///bench-msg.sqlite3 .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/messages.py --database-url sqlite:///bench-msg.sqlite3 \
        --seed --seed-only
    DEBUG=false SECRET_KEY=<40+ chars> SECURE_SSL_REDIRECT=false \
        ALLOWED_HOSTS=127.0.0.1,localhost RATELIMIT_ENABLE=false \
        DATABASE_URL=sqlite:///bench-msg.sqlite3 \
        .venv/bin/uvicorn lair.asgi:application --port 8200 --lifespan off --no-access-log
    .venv/bin/python benchmarks/messages.py --url http://127.0.0.1:8200 \
        --database-url sqlite:///bench-msg.sqlite3 --no-seed

Scenarios (each bounded by --duration/--read-duration and --requests, after an untimed
warm-up; every worker has its own connection and its own signed-in user):

- history_latest: GET /api/v1/rooms/{id}/messages?limit=50 (the newest page)
- history_deep:   GET ...?before=<an id within 2,000 of the oldest>&limit=50
- search_rare:    GET /api/v1/messages/search?q=<RARE_WORD> (in ~10 messages)
- search_common:  GET /api/v1/messages/search?q=<COMMON_WORD> (in ~30 % of messages)
- post:           POST /api/v1/rooms/{id}/messages {content}, --concurrency posters

Read scenarios run once per --read-concurrency value (default "1,8": bare latency, then
under load); post runs with --concurrency (default 32). Per run it prints count, errors,
p50/p95/p99/max latency in ms and requests/s (--json: one JSON object).

On a shared machine: --server-pid <pid> adds the server's CPU ms per request (process tree,
from /proc) and, on PostgreSQL, that of the database's backends; "other cpu %" is what the
rest of the machine used during the run. --quiet-wait N waits up to N s before each run
for the machine to go idle. Results: benchmarks/RESULTS-messages.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed_messages
from lib import loadgen
from lib.cpu import CpuMeter, machine_ticks
from lib.dburl import parse_database_url
from lib.loadgen import API, BenchmarkError, Budget
from lib.loopback import check_loopback

READ_SCENARIOS = ("history_latest", "history_deep", "search_rare", "search_common")
SCENARIOS = (*READ_SCENARIOS, "post")
MAX_DURATION_S = 300.0
MAX_REQUESTS = 1_000_000
MAX_CONCURRENCY = 256
MAX_RELOGINS_PER_WORKER = 5
LOGIN_PARALLELISM = 4
USER_AGENT = "lair-bench-messages/1"


class Result(loadgen.Result):
    ms_digits = 1
    elapsed_digits = 2


@dataclass
class Worker(loadgen.SignsInAgain):
    """One concurrent client: its own connection and its own signed-in user.

    ``recover()`` signs in again after a 401.
    """

    max_relogins = MAX_RELOGINS_PER_WORKER

    client: httpx.AsyncClient
    username: str
    password: str
    rng: random.Random
    access: str = ""
    relogins: int = 0

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.access}"}

    async def sign_in(self) -> None:
        self.access = (await loadgen.login(self.client, self.username, self.password))["access"]


@dataclass
class Target:
    room_id: int
    first_id: int
    last_id: int
    text: seed_messages.MessageText


def _page_ok(response: httpx.Response, expect: int) -> tuple[bool, str]:
    if response.status_code != 200:
        return False, f"HTTP {response.status_code}"
    got = len(response.json()["results"])
    return (got == expect, f"{got} results, expected {expect}")


async def step_history_latest(w: Worker, t: Target) -> tuple[bool, str]:
    r = await w.client.get(f"{API}/rooms/{t.room_id}/messages?limit=50", headers=w.auth)
    return _page_ok(r, 50)


async def step_history_deep(w: Worker, t: Target) -> tuple[bool, str]:
    before = t.first_id + w.rng.randint(51, 2000)
    r = await w.client.get(
        f"{API}/rooms/{t.room_id}/messages?before={before}&limit=50", headers=w.auth
    )
    return _page_ok(r, 50)


async def _search(w: Worker, word: str, at_least: int) -> tuple[bool, str]:
    r = await w.client.get(f"{API}/messages/search", params={"q": word}, headers=w.auth)
    if r.status_code != 200:
        return False, f"HTTP {r.status_code}"
    got = len(r.json()["results"])
    return got >= at_least, f"{got} results, expected >= {at_least}"


async def step_search_rare(w: Worker, t: Target) -> tuple[bool, str]:
    return await _search(w, seed_messages.RARE_WORD, 1)


async def step_search_common(w: Worker, t: Target) -> tuple[bool, str]:
    return await _search(w, seed_messages.COMMON_WORD, 20)


async def step_post(w: Worker, t: Target) -> tuple[bool, str]:
    content = t.text.make(common=w.rng.random() < seed_messages.COMMON_SHARE, rare=False)
    r = await w.client.post(
        f"{API}/rooms/{t.room_id}/messages", json={"content": content}, headers=w.auth
    )
    return r.status_code == 201, f"HTTP {r.status_code}"


STEPS = {
    "history_latest": step_history_latest,
    "history_deep": step_history_deep,
    "search_rare": step_search_rare,
    "search_common": step_search_common,
    "post": step_post,
}


async def drive(w: Worker, step, target: Target, budget: Budget, result: Result) -> None:
    while budget.take():
        started = time.perf_counter()
        try:
            ok, what = await step(w, target)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            ok, what = False, type(exc).__name__
        result.record(started, ok, what)
        if not ok and what == "HTTP 401" and not await w.recover():
            return


async def wait_for_quiet(max_wait: float, threshold_pct: float) -> dict:
    """Wait (at most ``max_wait`` s) until the machine is idle enough to measure.

    Polls /proc/stat over 1 s windows; the server under test is idle between runs, so
    what is busy then is someone else. Returns how long it waited and the last reading.
    """
    if max_wait <= 0 or not Path("/proc/stat").exists():
        return {}
    started = time.perf_counter()
    busy = 100.0
    while True:
        a = machine_ticks()
        await asyncio.sleep(1.0)
        b = machine_ticks()
        total = b[0] - a[0]
        busy = 100.0 * (total - (b[1] - a[1])) / total if total else 0.0
        waited = time.perf_counter() - started
        if busy <= threshold_pct or waited >= max_wait:
            return {"quiet_wait_s": round(waited, 1), "busy_before_pct": round(busy, 1)}


async def run_scenario(
    name: str, workers: list[Worker], target: Target, duration: float, args, meter: CpuMeter
) -> dict:
    step = STEPS[name]
    limit = duration + args.warmup + loadgen.REQUEST_TIMEOUT_S * 2 + 60

    async def measure() -> Result:
        quiet.update(await wait_for_quiet(args.quiet_wait, args.quiet_threshold))
        if args.warmup > 0:
            budget = Budget(MAX_REQUESTS, time.perf_counter() + args.warmup)
            scratch = Result(name, len(workers))
            await asyncio.gather(*(drive(w, step, target, budget, scratch) for w in workers))
        result = Result(name, len(workers))
        cpu_before = meter.snapshot()
        started = time.perf_counter()
        budget = Budget(args.requests, started + duration)
        await asyncio.gather(*(drive(w, step, target, budget, result) for w in workers))
        result.elapsed_s = time.perf_counter() - started
        cpu[:] = [cpu_before, meter.snapshot()]
        return result

    cpu: list = []
    quiet: dict = {}
    result = await asyncio.wait_for(measure(), timeout=limit + args.quiet_wait + 2)
    summary = result.summary()
    summary.update(meter.report(*cpu, requests=len(result.latencies_ms)))
    summary.update(quiet)
    # 1-minute load average after the run: well above the run's own load means that
    # something else on the machine competed for the CPU.
    summary["loadavg_1m"] = round(os.getloadavg()[0], 2)
    return summary


async def make_workers(
    base_url: str, count: int, usernames: list[str], password: str
) -> list[Worker]:
    workers = [
        Worker(
            loadgen.new_client(base_url, USER_AGENT),
            usernames[i % len(usernames)],
            password,
            random.Random(i),
        )
        for i in range(count)
    ]
    gate = asyncio.Semaphore(LOGIN_PARALLELISM)

    async def sign_in(w: Worker) -> None:
        async with gate:
            await w.sign_in()

    try:
        await asyncio.wait_for(asyncio.gather(*(sign_in(w) for w in workers)), timeout=300)
    except BaseException:
        await close_workers(workers)
        raise
    return workers


async def close_workers(workers: list[Worker]) -> None:
    await asyncio.gather(*(w.client.aclose() for w in workers), return_exceptions=True)


async def main_async(args, info: dict) -> dict:
    base_url = check_loopback(args.url)
    async with loadgen.new_client(base_url, USER_AGENT) as client:
        health = await loadgen.get_health(client, base_url)
        if health.status_code >= 500:
            raise BenchmarkError(f"health check: HTTP {health.status_code}")
    usernames = [f"{seed_messages.USER_PREFIX}{i:02d}" for i in range(info["users"])]
    target = Target(
        room_id=info["room_id"],
        first_id=info["first_message_id"],
        last_id=info["last_message_id"],
        text=seed_messages.MessageText(seed=12345),
    )
    report = {
        "url": base_url,
        "vendor": info["vendor"],
        "seed": info,
        "python": platform.python_version(),
        "event_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
        "results": [],
    }
    meter = CpuMeter(args.server_pid, parse_database_url(args.database_url).name)
    plan = [
        (name, c, args.read_duration)
        for name in READ_SCENARIOS
        if name in args.scenarios
        for c in args.read_concurrency
    ]
    if "post" in args.scenarios:
        plan.append(("post", args.concurrency, args.duration))
    for name, concurrency, duration in plan:
        if name == "post" and concurrency > len(usernames):
            raise BenchmarkError(
                f"{concurrency} posters need {concurrency} users, {len(usernames)} seeded"
            )
        workers = await make_workers(base_url, concurrency, usernames, args.password)
        try:
            summary = await run_scenario(name, workers, target, duration, args, meter)
        finally:
            await close_workers(workers)
        report["results"].append(summary)
        if not args.json:
            print_row(summary, header=len(report["results"]) == 1)
    return report


COLUMNS = (
    ("scenario", "scenario", 14),
    ("concurrency", "conc", 4),
    ("count", "count", 6),
    ("errors", "err", 4),
    ("p50_ms", "p50 ms", 8),
    ("p95_ms", "p95 ms", 8),
    ("p99_ms", "p99 ms", 8),
    ("max_ms", "max ms", 8),
    ("rps", "req/s", 7),
    ("server_cpu_ms_per_req", "srv cpu ms/req", 14),
    ("db_cpu_ms_per_req", "db cpu ms/req", 13),
    ("other_cpu_pct", "other cpu %", 11),
    ("loadavg_1m", "load1", 6),
)


def print_row(summary: dict, header: bool) -> None:
    if header:
        print("  ".join(f"{label:>{width}}" for _, label, width in COLUMNS))
    cells = []
    for key, _, width in COLUMNS:
        value = summary.get(key)
        cells.append(f"{'-' if value is None else value!s:>{width}}")
    print("  ".join(cells))
    if summary["error_samples"]:
        print(f"{'':>14}  errors: {summary['error_samples']}")
    sys.stdout.flush()


def _concurrency_list(raw: str) -> list[int]:
    try:
        values = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of integers: {raw!r}"
        ) from None
    if not values or not all(1 <= v <= MAX_CONCURRENCY for v in values):
        raise argparse.ArgumentTypeError(f"each value must be 1..{MAX_CONCURRENCY}")
    return values


def _pid_list(raw: str) -> list[int]:
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of pids: {raw!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8200", help="loopback server URL")
    parser.add_argument("--database-url", required=True, help="database of that server")
    parser.add_argument(
        "--seed",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="seed the (freshly migrated, empty) database first",
    )
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages to seed")
    parser.add_argument(
        "--users",
        type=int,
        default=0,
        help="users to seed (default: max(32, concurrency, read concurrency))",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent posters")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting")
    parser.add_argument(
        "--read-concurrency",
        type=_concurrency_list,
        default=[1, 8],
        help="comma-separated client counts for the read scenarios",
    )
    parser.add_argument(
        "--read-duration",
        type=float,
        default=10.0,
        help="seconds per read scenario and concurrency",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=MAX_REQUESTS,
        help="stop a run after this many requests (or --duration)",
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds per run")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {','.join(SCENARIOS)}",
    )
    parser.add_argument("--password", default=seed_messages.DEFAULT_PASSWORD)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each run, wait up to this many seconds for the machine "
        "to be idle (another benchmark finishing)",
    )
    parser.add_argument(
        "--quiet-threshold",
        type=float,
        default=15.0,
        help="machine busy %% (all cores) below which it counts as idle",
    )
    parser.add_argument(
        "--server-pid",
        type=_pid_list,
        default=[],
        help="comma-separated pids of the server (children included): "
        "report its CPU ms per request",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    for name in ("duration", "read_duration"):
        if not 0 < getattr(args, name) <= MAX_DURATION_S:
            parser.error(f"--{name.replace('_', '-')} must be in (0, {MAX_DURATION_S:g}]")
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be 1..{MAX_REQUESTS}")
    if not 0 <= args.quiet_wait <= 1800:
        parser.error("--quiet-wait must be 0..1800")
    if not 0 <= args.warmup <= 60:
        parser.error("--warmup must be 0..60")
    if not 1 <= args.messages <= seed_messages.MAX_MESSAGES:
        parser.error(f"--messages must be 1..{seed_messages.MAX_MESSAGES:,}")
    if args.messages < 2100:
        parser.error("--messages must be at least 2,100 (deep pages look 2,000 back)")
    if args.seed_only:
        args.seed = True
    if not args.users:
        args.users = max(32, args.concurrency, *args.read_concurrency)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Any logging set up at INFO (by an importer of this module) would log every request
    # of httpx, at the load generator's expense.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if not args.seed_only:
        check_loopback(args.url)  # refuse early, before any seeding
    log = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    if args.seed:
        log(f"seeding {args.messages:,} messages, {args.users} users ...")
        info = seed_messages.seed(
            args.database_url,
            messages=args.messages,
            users=args.users,
            password=args.password,
            log=log,
        )
        log(
            f"seeded in {info['seconds']} s: room {info['room_id']}, "
            f"message ids {info['first_message_id']}..{info['last_message_id']}"
        )
    else:
        info = seed_messages.find_seeded(args.database_url)
        if not info["messages"]:
            print("error: the seeded room has no messages", file=sys.stderr)
            return 1
    if args.seed_only:
        if args.json:
            print(json.dumps({"seed": info}, indent=2))
        return 0
    return loadgen.run_report(main_async(args, info), args.json)


if __name__ == "__main__":
    sys.exit(main())
