"""What the metrics cost: an authenticated GET with METRICS_ENABLED on and off, ABAB.

    .venv/bin/python benchmarks/metrics_overhead.py --rounds 3 --duration 8

Each round starts a server with the command line of ``make run`` (benchmarks/lib/server.py,
SQLite in a temporary folder, migrated once) with the metrics on, then one with them off
(or the other way round on odd rounds, so that drift of the machine falls on both), signs
a user in and sends GET /api/v1/users/profile with --concurrency clients for --duration s
after a warm-up. It prints, per run, requests/s and the server's CPU milliseconds per
request (its process, from /proc), and the ratios on/off of the means.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean, pstdev

import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
from lib import loadgen  # noqa: E402
from lib.cpu import CpuMeter  # noqa: E402
from lib.server import Server, code_env, migrate  # noqa: E402

PASSWORD = "metrics overhead benchmark password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def measure(url: str, concurrency: int, duration: float, warmup: float, meter: CpuMeter):
    """Sign up, warm up, then the timed window: (requests, CPU snapshots around it)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        name = f"bench{time.monotonic_ns()}"
        answer = await client.post(
            f"{loadgen.API}/auth/register",
            json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
        )
        answer.raise_for_status()
        access = answer.json()["access"]
    headers = {"Authorization": f"Bearer {access}"}
    clients = [loadgen.new_client(url, "lair-bench-metrics/1") for _ in range(concurrency)]
    count = 0

    async def drive(client, until: float, counted: bool) -> None:
        nonlocal count
        while time.perf_counter() < until:
            response = await client.get(f"{loadgen.API}/users/profile", headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code}: {response.text[:200]}")
            if counted:
                count += 1

    try:
        until = time.perf_counter() + warmup
        await asyncio.gather(*(drive(c, until, False) for c in clients))
        before = meter.snapshot()
        started = time.perf_counter()
        until = started + duration
        await asyncio.gather(*(drive(c, until, True) for c in clients))
        elapsed = time.perf_counter() - started
        after = meter.snapshot()
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return count, elapsed, before, after


def run_once(enabled: bool, database: Path, args) -> dict:
    env = code_env(
        ROOT, {"DATABASE_URL": f"sqlite:///{database}", "METRICS_ENABLED": str(enabled).lower()}
    )
    server = Server(ROOT, env, free_port(), database.with_suffix(".log"))
    with server:
        meter = CpuMeter([server.pid])
        count, elapsed, before, after = asyncio.run(
            measure(server.url, args.concurrency, args.duration, args.warmup, meter)
        )
    shares = meter.shares(before, after)
    cpu_s = shares["server_cpu_s"]
    return {
        "metrics": "on" if enabled else "off",
        "requests": count,
        "rps": round(count / max(elapsed, 1e-9), 1),
        "server_cpu_ms_per_req": round(1000 * cpu_s / max(count, 1), 3),
        "other_cpu_pct": shares["other_cpu_pct"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="lair-bench-metrics-") as folder:
        database = Path(folder) / "bench.sqlite3"
        migrate(ROOT, code_env(ROOT, {"DATABASE_URL": f"sqlite:///{database}"}))
        for round_ in range(args.rounds):
            order = (True, False) if round_ % 2 == 0 else (False, True)
            for enabled in order:
                run = run_once(enabled, database, args)
                runs.append(run)
                print(run, flush=True)
    for key in ("rps", "server_cpu_ms_per_req"):
        on = [r[key] for r in runs if r["metrics"] == "on"]
        off = [r[key] for r in runs if r["metrics"] == "off"]
        print(
            f"{key}: on {mean(on):.3f} (sd {pstdev(on):.3f}), off {mean(off):.3f} "
            f"(sd {pstdev(off):.3f}), on/off {mean(on) / mean(off):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
