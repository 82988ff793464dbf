"""Auth load benchmark: login, refresh rotation and an authenticated GET over real HTTP.

Runs against a server that is already running on loopback, started with rate limits off
(RATELIMIT_ENABLE=false), for example:

    DEBUG=false SECRET_KEY=<40+ chars> SECURE_SSL_REDIRECT=false \
        ALLOWED_HOSTS=127.0.0.1,localhost RATELIMIT_ENABLE=false \
        .venv/bin/uvicorn lair.asgi:application --port 8000 --lifespan off --no-access-log

    .venv/bin/python benchmarks/auth.py --url http://127.0.0.1:8000 --concurrency 16 \
        --duration 10 --scenario all

It registers a few users (POST /api/v1/auth/register), then measures each scenario for a
bounded duration (or request count) with N concurrent workers:

- login:   POST /api/v1/auth/login {username, password}
- refresh: POST /api/v1/auth/refresh {refresh}; each worker owns one session and always
           presents the newest refresh token of it (replaying a rotated one revokes it)
- get:     GET /api/v1/users/profile with "Authorization: Bearer <access>"

Per scenario it prints count, errors, p50/p95/p99 latency in ms and requests/s (--json for
machine output). With --server-pid (Linux) it also reports the server's CPU milliseconds per
request over the timed window, the server's pids and all their descendants (gunicorn workers)
counted. Only asyncio and httpx are needed; uvloop is used when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import loadgen
from lib.cpu import CpuMeter
from lib.loadgen import API, BenchmarkError, Budget
from lib.loopback import check_loopback

SCENARIOS = ("login", "refresh", "get")
MAX_DURATION_S = 600.0
MAX_REQUESTS = 1_000_000
MAX_CONCURRENCY = 512
MAX_USERS = 64
USER_AGENT = "lair-bench/1"
# A worker whose session broke (refresh or GET) signs in again, at most this many times.
MAX_RELOGINS_PER_WORKER = 20


@dataclass
class Result(loadgen.Result):
    server_cpu_s: float | None = None

    def extra_summary(self, count: int) -> dict:
        return {
            "server_cpu_ms_per_req": (
                round(self.server_cpu_s * 1000.0 / count, 3)
                if self.server_cpu_s is not None and count
                else None
            ),
            "server_cores_busy": (
                round(self.server_cpu_s / self.elapsed_s, 2)
                if self.server_cpu_s is not None and self.elapsed_s > 0
                else None
            ),
        }


def process_tree_cpu_s(roots: list[int]) -> float | None:
    """User + system CPU seconds of ``roots`` and all their descendants (Linux /proc)."""
    return CpuMeter(roots).server_seconds()


def _what(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}"


async def register_users(client: httpx.AsyncClient, count: int, password: str) -> list[str]:
    """Create ``count`` fresh users; return their usernames."""
    prefix = f"bench{secrets.token_hex(3)}"
    names = []
    for i in range(count):
        username = f"{prefix}_{i}"
        response = await client.post(
            f"{API}/auth/register",
            json={"username": username, "email": f"{username}@example.test", "password": password},
        )
        if response.status_code != 201:
            raise BenchmarkError(
                f"register {username}: HTTP {response.status_code} {response.text[:300]}"
            )
        names.append(username)
    return names


@dataclass
class Worker(loadgen.SignsInAgain):
    """One concurrent worker: its own connection and, for refresh and get, its own session."""

    max_relogins = MAX_RELOGINS_PER_WORKER

    client: httpx.AsyncClient
    username: str
    password: str
    access: str = ""
    refresh: str = ""
    relogins: int = 0

    async def sign_in(self) -> None:
        tokens = await loadgen.login(self.client, self.username, self.password)
        self.access, self.refresh = tokens["access"], tokens["refresh"]


async def step_login(w: Worker) -> tuple[bool, str]:
    body = {"username": w.username, "password": w.password}
    response = await w.client.post(f"{API}/auth/login", json=body)
    return response.status_code == 200 and "access" in response.json(), _what(response)


async def step_refresh(w: Worker) -> tuple[bool, str]:
    # Always the newest token of this worker's own chain: a replay would revoke the session.
    response = await w.client.post(f"{API}/auth/refresh", json={"refresh": w.refresh})
    if response.status_code != 200:
        return False, _what(response)
    w.refresh = response.json()["refresh"]
    return True, ""


async def step_get(w: Worker) -> tuple[bool, str]:
    headers = {"Authorization": f"Bearer {w.access}"}
    response = await w.client.get(f"{API}/users/profile", headers=headers)
    return response.status_code == 200, _what(response)


STEPS = {"login": step_login, "refresh": step_refresh, "get": step_get}
NEEDS_SESSION = {"refresh", "get"}


async def drive(w: Worker, step, budget: Budget, result: Result, needs_session: bool) -> None:
    while budget.take():
        started = time.perf_counter()
        try:
            ok, what = await step(w)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            ok, what = False, type(exc).__name__
        result.record(started, ok, what)
        if not ok and needs_session and not await w.recover():
            return


async def run_scenario(
    name: str,
    base_url: str,
    usernames: list[str],
    password: str,
    concurrency: int,
    duration: float,
    max_requests: int,
    warmup: float,
    server_pids: list[int],
) -> dict:
    step, needs_session = STEPS[name], name in NEEDS_SESSION
    workers = [
        Worker(loadgen.new_client(base_url, USER_AGENT), usernames[i % len(usernames)], password)
        for i in range(concurrency)
    ]
    # Workers, setup logins, the warm-up and the last in-flight requests are all bounded.
    limit = duration + warmup + loadgen.REQUEST_TIMEOUT_S * 2 + 120

    async def measure() -> Result:
        if needs_session:
            # Each worker owns one session (and its refresh chain), opened before timing.
            await asyncio.gather(*(w.sign_in() for w in workers))
        if warmup > 0:
            budget = Budget(max_requests=MAX_REQUESTS, deadline=time.perf_counter() + warmup)
            scratch = Result(name, concurrency)
            await asyncio.gather(*(drive(w, step, budget, scratch, needs_session) for w in workers))
        result = Result(name, concurrency)
        cpu_before = process_tree_cpu_s(server_pids)
        started = time.perf_counter()
        budget = Budget(max_requests=max_requests, deadline=started + duration)
        await asyncio.gather(*(drive(w, step, budget, result, needs_session) for w in workers))
        result.elapsed_s = time.perf_counter() - started
        if cpu_before is not None:
            result.server_cpu_s = process_tree_cpu_s(server_pids) - cpu_before
        return result

    try:
        return (await asyncio.wait_for(measure(), timeout=limit)).summary()
    finally:
        await asyncio.gather(*(w.client.aclose() for w in workers), return_exceptions=True)


async def main_async(args: argparse.Namespace) -> dict:
    base_url = check_loopback(args.url)
    password = args.password or f"Bench-{secrets.token_urlsafe(12)}"
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    async with loadgen.new_client(base_url, USER_AGENT) as client:
        health = await loadgen.get_health(client, base_url)
        if health.status_code >= 500:
            # Reachable but a dependency check failed (e.g. Redis); registration will tell.
            print(f"warning: health check answered HTTP {health.status_code}", file=sys.stderr)
        usernames = await register_users(client, args.users, password)
    report = {
        "url": base_url,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "max_requests": args.requests,
        "users": len(usernames),
        "event_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
        "results": [],
    }
    for name in scenarios:
        summary = await run_scenario(
            name,
            base_url,
            usernames,
            password,
            args.concurrency,
            args.duration,
            args.requests,
            args.warmup,
            args.server_pid,
        )
        report["results"].append(summary)
        if not args.json:
            print_row(summary, header=len(report["results"]) == 1)
    return report


def print_row(summary: dict, header: bool) -> None:
    columns = ("scenario", "concurrency", "count", "errors", "p50_ms", "p95_ms", "p99_ms", "rps")
    if summary["server_cpu_ms_per_req"] is not None:
        columns = (*columns, "server_cpu_ms_per_req")
    if header:
        labels = {"server_cpu_ms_per_req": "cpu_ms/req"}
        print("  ".join(f"{labels.get(c, c):>11}" for c in columns))
    print("  ".join(f"{'-' if summary[c] is None else summary[c]!s:>11}" for c in columns))
    if summary["error_samples"]:
        print(f"{'':>11}  errors: {summary['error_samples']}")
    sys.stdout.flush()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="loopback server URL")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent workers")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per scenario (max 600)"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=MAX_REQUESTS,
        help="stop a scenario after this many requests (whichever comes first with --duration)",
    )
    parser.add_argument("--scenario", choices=("all", *SCENARIOS), default="all")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed seconds per scenario")
    parser.add_argument("--users", type=int, default=4, help="users to register (workers share)")
    parser.add_argument("--password", default="", help="password for the new users (random)")
    parser.add_argument(
        "--server-pid",
        type=lambda v: [int(p) for p in v.split(",") if p],
        default=[],
        help="server pid(s), comma-separated: report its CPU ms per request (Linux)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    if not 0 < args.duration <= MAX_DURATION_S:
        parser.error(f"--duration must be in (0, {MAX_DURATION_S:g}]")
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be 1..{MAX_REQUESTS}")
    if not 0 <= args.warmup <= 60:
        parser.error("--warmup must be 0..60")
    if not 1 <= args.users <= MAX_USERS:
        parser.error(f"--users must be 1..{MAX_USERS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return loadgen.run_report(main_async(args), args.json)


if __name__ == "__main__":
    sys.exit(main())
