"""CPU seconds over a measured window, read from /proc (Linux; psutil is not a dependency).

The load generator shares the machine's cores with the server, and on a shared machine so
do other people's processes. A window's report therefore splits the CPU four ways: the
server (the given pids and all their descendants: gunicorn workers), the database's
backends (PostgreSQL processes whose command line names the database), this client, and
``other``, the rest of the machine: a busy ``other`` makes the window's figures suspect.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_pids() -> list[int]:
    """The pids of every process (Linux /proc)."""
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def proc_stat(pid: int) -> tuple[int, int]:
    """(parent pid, user + system CPU ticks) of ``pid``; OSError once it is gone."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[1] is the parent pid; fields[11], fields[12] are utime and stime.
    return int(fields[1]), int(fields[11]) + int(fields[12])


def machine_ticks() -> tuple[int, int]:
    """(all, idle + iowait) ticks of the whole machine since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values[:8]), values[3] + values[4]


def self_cpu_s() -> float:
    """CPU seconds of this process (not of its children)."""
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True)
class Snapshot:
    at: float
    machine: tuple[int, int]
    server: dict[int, int]  # pid -> ticks, every process of the server trees
    database: dict[int, int]  # pid -> ticks, every backend of the database
    client_s: float


def _delta(before: dict[int, int], after: dict[int, int]) -> int:
    """Ticks used in between by the processes alive at the end (a new one: all of its)."""
    return sum(used - before.get(pid, 0) for pid, used in after.items())


class CpuMeter:
    """``snapshot()`` before and after a window; ``report()`` or ``shares()`` the difference."""

    def __init__(self, server_pids: list[int], db_name: str | None = None):
        self.server_pids = set(server_pids)
        self.db_name = db_name
        self.enabled = Path("/proc/stat").exists()

    def _processes(self) -> tuple[dict[int, int], dict[int, int]]:
        """CPU ticks per pid of the server process trees and of the database backends."""
        parents: dict[int, int] = {}
        ticks: dict[int, int] = {}
        database: dict[int, int] = {}
        db_tag = f" {self.db_name} ".encode() if self.db_name else b""
        for pid in proc_pids():
            try:
                parent, used = proc_stat(pid)
                cmdline = b""
                if db_tag:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmdline = f.read()
            except OSError:
                continue
            parents[pid], ticks[pid] = parent, used
            if db_tag and cmdline.startswith(b"postgres:") and db_tag in cmdline:
                database[pid] = used
        server: dict[int, int] = {}
        if self.server_pids:
            for pid, used in ticks.items():
                walk, depth = pid, 0
                while walk and depth < 8:
                    if walk in self.server_pids:
                        server[pid] = used
                        break
                    walk, depth = parents.get(walk, 0), depth + 1
        return server, database

    def snapshot(self) -> Snapshot | None:
        if not self.enabled:
            return None
        server, database = self._processes()
        return Snapshot(time.perf_counter(), machine_ticks(), server, database, self_cpu_s())

    def server_seconds(self) -> float | None:
        """CPU seconds the server trees used since they started (None without pids)."""
        if not self.server_pids or not self.enabled:
            return None
        return sum(self._processes()[0].values()) / TICK

    def shares(self, before: Snapshot | None, after: Snapshot | None) -> dict:
        """Wall seconds and the four CPU shares of the window, in % of one core."""
        if not before or not after:
            return {}
        wall = max(after.at - before.at, 1e-9)
        (all0, idle0), (all1, idle1) = before.machine, after.machine
        machine = ((all1 - all0) - (idle1 - idle0)) / TICK
        server = _delta(before.server, after.server) / TICK
        database = _delta(before.database, after.database) / TICK
        client = after.client_s - before.client_s
        out = {
            "wall_s": round(wall, 2),
            "server_cpu_s": server,
            "db_cpu_s": database,
            "machine_busy_pct": round(100 * machine / wall / (os.cpu_count() or 1), 1),
            "server_cpu_pct": round(100 * server / wall, 1),
            "client_cpu_pct": round(100 * client / wall, 1),
            "other_cpu_pct": round(
                max(0.0, 100 * (machine - server - database - client) / wall), 1
            ),
        }
        if self.db_name:
            out["db_cpu_pct"] = round(100 * database / wall, 1)
        return out

    def report(self, before: Snapshot | None, after: Snapshot | None, requests: int) -> dict:
        """The shares plus CPU milliseconds per request of the server and the database."""
        shares = self.shares(before, after)
        if not shares:
            return {}
        out = {key: shares[key] for key in ("machine_busy_pct", "client_cpu_pct", "other_cpu_pct")}
        if self.server_pids:
            out["server_cpu_pct"] = shares["server_cpu_pct"]
            out["server_cpu_ms_per_req"] = (
                round(1000 * shares["server_cpu_s"] / requests, 2) if requests else None
            )
        if self.db_name:
            out["db_cpu_pct"] = shares["db_cpu_pct"]
            out["db_cpu_ms_per_req"] = (
                round(1000 * shares["db_cpu_s"] / requests, 2) if requests else None
            )
        return out
