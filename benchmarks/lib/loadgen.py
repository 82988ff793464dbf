"""The HTTP load generators' shared parts: stop condition, latency results, HTTP clients
and sign-in, and the event loop they run on. Only asyncio and httpx are needed.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import ClassVar

import httpx

API = "/api/v1"
REQUEST_TIMEOUT_S = 30.0


class BenchmarkError(Exception):
    """Setup failed: the server is unreachable, refused registration or login, or the
    seeded data is missing."""


@dataclass
class Budget:
    """Shared stop condition: a request count and a deadline, whichever comes first."""

    max_requests: int
    deadline: float
    started: int = 0

    def take(self) -> bool:
        if self.started >= self.max_requests or time.perf_counter() >= self.deadline:
            return False
        self.started += 1
        return True


@dataclass
class Result:
    """Latencies and errors of one run of a scenario; ``summary()`` is its report row.

    Subclasses set how many decimals the milliseconds and the elapsed seconds keep, and
    add keys with ``extra_summary()``.
    """

    scenario: str
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    ms_digits: ClassVar[int] = 2
    elapsed_digits: ClassVar[int] = 3

    def record(self, started: float, ok: bool, what: str = "") -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000.0)
        if not ok:
            self.errors += 1
            if len(self.error_samples) < 10 or what in self.error_samples:
                self.error_samples[what] = self.error_samples.get(what, 0) + 1

    def summary(self) -> dict:
        values = sorted(self.latencies_ms)
        count = len(values)
        digits = self.ms_digits
        return {
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            "count": count,
            "errors": self.errors,
            "p50_ms": percentile(values, 50, digits),
            "p95_ms": percentile(values, 95, digits),
            "p99_ms": percentile(values, 99, digits),
            "max_ms": round(values[-1], digits) if values else None,
            "rps": round(count / self.elapsed_s, 1) if self.elapsed_s > 0 else 0.0,
            "elapsed_s": round(self.elapsed_s, self.elapsed_digits),
            **self.extra_summary(count),
            "error_samples": self.error_samples,
        }

    def extra_summary(self, count: int) -> dict:
        """Further keys of the summary, placed before ``error_samples``."""
        return {}


def percentile(sorted_values: list[float], pct: float, digits: int = 2) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return round(sorted_values[rank - 1], digits)


def new_client(base_url: str, user_agent: str) -> httpx.AsyncClient:
    # One client (so one connection) per worker: no pool contention inside the generator.
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        headers={"User-Agent": user_agent},
    )


async def get_health(client: httpx.AsyncClient, base_url: str) -> httpx.Response:
    """GET /health; a BenchmarkError when the server does not answer at all."""
    try:
        return await client.get(f"{API}/health")
    except httpx.HTTPError as exc:
        raise BenchmarkError(f"server not reachable at {base_url}: {exc}") from exc


async def login(client: httpx.AsyncClient, username: str, password: str) -> dict:
    """The token pair of a new session (``access`` and ``refresh``)."""
    response = await client.post(
        f"{API}/auth/login", json={"username": username, "password": password}
    )
    if response.status_code != 200:
        raise BenchmarkError(f"login {username}: HTTP {response.status_code} {response.text[:300]}")
    return response.json()


class SignsInAgain:
    """For a worker with ``sign_in()`` and a ``relogins`` count (starting at 0):
    ``recover()`` signs in again after a failure, at most ``max_relogins`` times."""

    max_relogins: ClassVar[int]

    async def recover(self) -> bool:
        """Open a new session after a failure (untimed); False once the allowance is spent."""
        if self.relogins >= self.max_relogins:
            return False
        self.relogins += 1
        try:
            await self.sign_in()
        except (BenchmarkError, httpx.HTTPError, ValueError, KeyError):
            return False
        return True


def event_loop_runner():
    """uvloop.run when it is installed (a cheaper event loop leaves more CPU to the
    server) and BENCH_NO_UVLOOP is not set; asyncio.run otherwise."""
    if os.environ.get("BENCH_NO_UVLOOP"):
        return asyncio.run
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def run_report(coro, as_json: bool) -> int:
    """Run ``coro`` (it returns the report) on the event loop; print the report as JSON
    if asked. Exit status 1, with the reason, when setup failed."""
    try:
        report = event_loop_runner()(coro)
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(report, indent=2))
    return 0
