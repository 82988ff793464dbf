"""Before/after: history, posting and fan-out of two commits, side by side in one sitting.

    .venv/bin/python benchmarks/compare_commits.py BASE HEAD

Each commit is checked out into a temporary worktree (``git worktree add --detach``) and
served with the command line of ``make run`` (one uvicorn process, SQLite, the in-memory
channel layer) from this checkout's .venv: the commits must share their dependencies
(a warning says when pyproject.toml differs). Each commit gets its own database, migrated
by its own code and seeded with the same data by benchmarks/lib/ (bulk SQL checked against
the migrated tables; no project code is imported, so any commit can be measured).

Workloads, each on a freshly started server, BASE and HEAD alternately (ABAB: slow drift of
the machine falls on both alike), --rounds times:

- history: benchmarks/messages.py history_latest, GET /rooms/{id}/messages?limit=50 with
  --history-clients clients (the issue 8 comparison in docs/PERFORMANCE.md);
- post:    benchmarks/messages.py post, --posters concurrent posters (default 32);
- fanout:  benchmarks/ws.py, --sockets sockets in one room (raw reader): one message every
  100 ms for --latency-duration s (delivery latency), then 4 posters for --fanout-duration s
  (deliveries/s, server CPU per delivery).

Prints one table: each metric's runs for BASE and HEAD and the ratio HEAD/BASE of their
means (below 1 is better for times and CPU, above 1 for rates). "other cpu %" is what the
rest of the machine used during each run: above ~10 % the sitting was not alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from lib.server import Server, code_env, migrate  # noqa: E402

WORKLOADS = ("history", "post", "fanout")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def git(*args: str, cwd: Path = BENCH_DIR) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclass
class Commit:
    """One side of the comparison: its worktree, database and server environment."""

    label: str
    ref: str
    sha: str
    work: Path
    runs: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def code(self) -> Path:
        return self.work / "code"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.work / 'lair.sqlite3'}"

    @property
    def token_cache(self) -> Path:
        return self.work / "ws-tokens.json"

    def env(self) -> dict[str, str]:
        env = code_env(self.code, {"DATABASE_URL": self.database_url})
        # make run's topology: the in-memory layer and cache, whatever this shell exports.
        for name in ("REDIS_URL", "CHANNEL_LAYER"):
            env.pop(name, None)
        return env

    def server(self, port: int, name: str) -> Server:
        return Server(self.code, self.env(), port, self.work / f"server-{name}.log")


def check_dependencies(commits: list[Commit], repo: Path) -> None:
    """Warn when a commit's pyproject.toml differs from the one the .venv was built from."""
    current = (repo / "pyproject.toml").read_text()
    for commit in commits:
        if (commit.code / "pyproject.toml").read_text() != current:
            log(
                f"warning: {commit.label} ({commit.ref}) has another pyproject.toml than this "
                "checkout: its dependencies may differ from the .venv's"
            )


def check_imports(commit: Commit) -> None:
    """The .venv's editable install points at this checkout: make sure the server imports
    the commit's own code."""
    found = subprocess.run(
        [sys.executable, "-c", "import lair, messaging; print(lair.__file__, messaging.__file__)"],
        cwd=commit.code,
        env=commit.env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for path in found:
        if not Path(path).resolve().is_relative_to(commit.code.resolve()):
            raise SystemExit(f"{commit.label} imports {path}, not its own code")


def run_json(command: list[str], log_path: Path, timeout: float) -> dict:
    """Run a benchmark script that prints one JSON object; its stderr goes to log_path."""
    with open(log_path, "ab") as err:
        done = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=err, timeout=timeout, check=False
        )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:2])} failed ({done.returncode}): see {log_path}")
    return json.loads(done.stdout)


def messages_command(commit: Commit, server: Server, scenario: str, args) -> list[str]:
    command = [
        sys.executable,
        str(BENCH_DIR / "messages.py"),
        "--url",
        server.url,
        "--database-url",
        commit.database_url,
        "--no-seed",
        "--scenarios",
        scenario,
        "--warmup",
        str(args.warmup),
        "--server-pid",
        str(server.pid),
        "--json",
    ]
    if scenario == "post":
        command += ["--concurrency", str(args.posters), "--duration", str(args.post_duration)]
    else:
        command += [
            "--read-concurrency",
            str(args.history_clients),
            "--read-duration",
            str(args.history_duration),
        ]
    return command


def ws_command(commit: Commit, server: Server, args, scenarios: str) -> list[str]:
    return [
        sys.executable,
        str(BENCH_DIR / "ws.py"),
        "--url",
        server.url,
        "--database-url",
        commit.database_url,
        "--sockets",
        str(args.sockets),
        "--rooms",
        "1",
        "--reader",
        "raw",
        "--scenarios",
        scenarios,
        "--latency-duration",
        str(args.latency_duration),
        "--duration",
        str(args.fanout_duration),
        "--idle",
        "0",
        "--cooldown",
        "0",
        "--token-cache",
        str(commit.token_cache),
        "--server-pid",
        str(server.pid),
        "--json",
    ]


def prepare(commit: Commit, args) -> None:
    """Migrate and seed the commit's database; sign the socket users in once (a login is an
    Argon2 verify; its tokens are reused by every fan-out run)."""
    env = commit.env()
    log(f"{commit.label}: migrate")
    migrate(commit.code, env)
    log(f"{commit.label}: seed {args.messages:,} messages")
    seed = [
        sys.executable,
        str(BENCH_DIR / "messages.py"),
        "--database-url",
        commit.database_url,
        "--seed-only",
        "--messages",
        str(args.messages),
        "--users",
        str(max(32, args.posters, args.history_clients)),
        "--json",
    ]
    run_json(seed, commit.work / "seed.log", timeout=1800)
    if "fanout" in args.workloads:
        log(f"{commit.label}: sign {args.sockets} socket users in")
        with commit.server(args.port, "login") as server:
            run_json(
                ws_command(commit, server, args, "login"),
                commit.work / "ws-login.log",
                timeout=1800,
            )


def measure(commit: Commit, workload: str, args) -> dict:
    with commit.server(args.port, workload) as server:
        if workload == "fanout":
            report = run_json(
                ws_command(commit, server, args, "open,latency,throughput"),
                commit.work / "ws.log",
                timeout=args.latency_duration + args.fanout_duration + 900,
            )
        else:
            scenario = "post" if workload == "post" else "history_latest"
            duration = args.post_duration if workload == "post" else args.history_duration
            report = run_json(
                messages_command(commit, server, scenario, args),
                commit.work / "messages.log",
                timeout=duration + args.warmup + 600,
            )
    return report


# --- the table --------------------------------------------------------------------------


def _messages_row(report: dict) -> dict:
    row = report["results"][0]
    return {
        "req/s": row["rps"],
        "p50 ms": row["p50_ms"],
        "p95 ms": row["p95_ms"],
        "p99 ms": row["p99_ms"],
        "server CPU ms/req": row.get("server_cpu_ms_per_req"),
        "errors": row["errors"],
        "other cpu %": row.get("other_cpu_pct"),
    }


def _fanout_row(report: dict) -> dict:
    latency, throughput = report["latency"], report["throughput"]
    return {
        "deliveries/s": throughput["deliveries_per_s_window"],
        "server CPU us/delivery": throughput["server_cpu_us_per_delivery"],
        "latency p50 ms": latency["latency_ms"]["p50"],
        "latency p99 ms": latency["latency_ms"]["p99"],
        "first receiver p50 ms": latency["first_receiver_ms"]["p50"],
        "missing deliveries": latency["missing_deliveries"] + throughput["missing_deliveries"],
        "other cpu %": max(latency["cpu"]["other_cpu_pct"], throughput["cpu"]["other_cpu_pct"]),
    }


ROWS = {"history": _messages_row, "post": _messages_row, "fanout": _fanout_row}
NO_RATIO = {"errors", "missing deliveries", "other cpu %"}


def _cell(values: list) -> str:
    return ", ".join("-" if v is None else f"{v:g}" for v in values)


def table(base: Commit, head: Commit, args) -> str:
    names = {
        "history": f"history, newest page, {args.history_clients} client(s)",
        "post": f"post, {args.posters} posters",
        "fanout": f"fan-out, {args.sockets} sockets",
    }
    lines = [
        f"| workload | metric | BASE {base.ref} ({base.sha[:9]}) | "
        f"HEAD {head.ref} ({head.sha[:9]}) | HEAD/BASE |",
        "|---|---|---|---|---:|",
    ]
    for workload in args.workloads:
        rows = {
            side.label: [ROWS[workload](r) for r in side.runs.get(workload, [])]
            for side in (base, head)
        }
        if not rows["BASE"] or not rows["HEAD"]:
            continue
        for metric in rows["BASE"][0]:
            a = [r[metric] for r in rows["BASE"]]
            b = [r[metric] for r in rows["HEAD"]]
            ratio = "-"
            if metric not in NO_RATIO and None not in a + b and mean(a):
                ratio = f"{mean(b) / mean(a):.2f}"
            lines.append(f"| {names[workload]} | {metric} | {_cell(a)} | {_cell(b)} | {ratio} |")
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the commit before (any git revision)")
    parser.add_argument("head", help="the commit after")
    parser.add_argument("--rounds", type=int, default=2, help="runs per commit and workload")
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"subset of {','.join(WORKLOADS)}"
    )
    parser.add_argument("--messages", type=int, default=100_000, help="messages seeded")
    parser.add_argument("--history-clients", type=int, default=1)
    parser.add_argument("--history-duration", type=float, default=15.0)
    parser.add_argument("--posters", type=int, default=32)
    parser.add_argument("--post-duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds per run")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--latency-duration", type=float, default=30.0)
    parser.add_argument("--fanout-duration", type=float, default=15.0)
    parser.add_argument("--port", type=int, default=8390, help="loopback port of the servers")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and logs")
    parser.add_argument("--json", action="store_true", help="also print every run as JSON")
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1..10")
    return args


def raise_fd_limit(needed: int) -> None:
    """The servers inherit this limit: each of the fan-out's sockets is a descriptor there."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    raise_fd_limit(args.sockets + 1024)
    repo = Path(git("rev-parse", "--show-toplevel"))
    scratch = Path(tempfile.mkdtemp(prefix="lair-compare-"))
    commits = [
        Commit(label, ref, git("rev-parse", "--verify", f"{ref}^{{commit}}"), scratch / label)
        for label, ref in (("BASE", args.base), ("HEAD", args.head))
    ]
    added: list[Path] = []
    try:
        for commit in commits:
            commit.work.mkdir()
            git("worktree", "add", "--detach", str(commit.code), commit.sha, cwd=repo)
            added.append(commit.code)
            check_imports(commit)
        check_dependencies(commits, repo)
        for commit in commits:
            prepare(commit, args)
        for workload in args.workloads:
            for round_no in range(1, args.rounds + 1):
                for commit in commits:
                    log(f"{workload} round {round_no}: {commit.label} ({commit.ref})")
                    commit.runs.setdefault(workload, []).append(measure(commit, workload, args))
    finally:
        for path in added:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)], cwd=repo, check=False
            )
        if args.keep:
            log(f"logs and databases kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    base, head = commits
    print(table(base, head, args))
    print(
        f"\n{args.rounds} round(s), ABAB, {args.messages:,} messages seeded, "
        f"{time.perf_counter() - started:.0f} s in all; loadavg {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        print(json.dumps({c.label: {"sha": c.sha, "runs": c.runs} for c in commits}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
