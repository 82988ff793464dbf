"""gunicorn settings for several worker processes: metrics shared by every worker.

    gunicorn -c deploy/gunicorn.conf.py lair.asgi:application -k lair.workers.UvicornWorker

prometheus-client reads PROMETHEUS_MULTIPROC_DIR when it is first imported,
so it is set here, in the master, before any worker loads the application:
the folder given in the environment, or a fresh temporary one. It is emptied
when the server starts (counters of an earlier run would be added in), and
a worker that exits is marked dead so that its live gauges (open sockets,
memory) stop counting. Use a tmpfs folder (systemd: RuntimeDirectory=).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lair-metrics-")


def on_starting(server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
