"""The server's Prometheus metrics: their definitions, and how several processes add up.

Every app counts through the objects and functions here (one line at the
place where the thing happens); operators/metrics.py exposes them at
GET /api/v1/admin/metrics. Names and labels are those of API.md.

One process (``make run``): a normal registry, with prometheus-client's own
process, platform and garbage-collector collectors.

Several processes (gunicorn): PROMETHEUS_MULTIPROC_DIR names a folder that
every worker writes its values to (memory-mapped files); a scrape of any one
worker reads and adds up the files of all (MultiProcessCollector).
prometheus-client reads the variable when it is first imported, so it must
be in the environment before the server starts: deploy/gunicorn.conf.py sets
it (a fresh folder unless given), clears it when the server starts, and marks
an exited worker dead so that its live gauges drop out.

In that mode prometheus-client's process collector would describe only the
process that answers the scrape. Each worker therefore copies its own
figures, every PROCESS_REFRESH_SECONDS and at a scrape, into metrics of the
same names that the files add up: CPU seconds as a counter (dead workers'
seconds stay counted, so the total never goes back), memory and open files
summed over live workers, the earliest start time and the lowest file limit
of the live workers.
"""

from __future__ import annotations

import os
import threading
import time

from django.core.exceptions import ImproperlyConfigured

_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if _MULTIPROC_DIR and not os.path.isdir(_MULTIPROC_DIR):
    # prometheus-client would fail on the first write, inside a request.
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR={_MULTIPROC_DIR!r} is not a folder: create it "
        "(empty) before the server starts, or unset it for a single process."
    )

import prometheus_client  # noqa: E402  (after the check: it reads the variable on import)
from prometheus_client import (  # noqa: E402
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
)
from prometheus_client import multiprocess as _multiprocess  # noqa: E402

MULTIPROCESS = bool(_MULTIPROC_DIR)
PROCESS_REFRESH_SECONDS = 5.0

# The "_created" series double every counter and histogram in one process and
# do not exist with several: left out, so both setups export the same series.
prometheus_client.disable_created_metrics()

# An authenticated GET takes 1-5 ms here (docs/PERFORMANCE.md): the default
# buckets start at 5 ms and would put nearly every request in the first one.
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Most queries take tens to hundreds of microseconds.
DB_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

HTTP_REQUESTS = Counter(
    "lair_http_requests",
    "HTTP requests answered, by method, URL pattern (route) and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "lair_http_request_duration_seconds",
    "Time to answer an HTTP request (the whole middleware stack), by method and route.",
    ["method", "route"],
    buckets=HTTP_BUCKETS,
)
WS_CONNECTIONS = Gauge(
    "lair_ws_connections",
    "WebSocket connections open now (accepted, signed in or not).",
    multiprocess_mode="livesum",
)
WS_FRAMES_SENT = Counter("lair_ws_frames_sent", "Frames written to WebSockets.")
EVENTS_PUBLISHED = Counter(
    "lair_events_published",
    "Real-time events published to the server processes, by frame type.",
    ["type"],
)
MESSAGES_POSTED = Counter("lair_messages_posted", "Chat messages posted (thread replies too).")
LOGINS = Counter(
    "lair_logins",
    "Sign-in attempts by result: success, failure (wrong credentials) or locked_out.",
    ["result"],
)
RATE_LIMITED = Counter(
    "lair_rate_limited",
    "Requests, writes and socket frames refused by a rate limit, by its scope.",
    ["scope"],
)
DB_QUERY_DURATION = Histogram(
    "lair_db_query_duration_seconds",
    "Time of one database query as the server saw it (round trip included).",
    buckets=DB_BUCKETS,
)

# --- HTTP requests ------------------------------------------------------------

# Anything else (a made-up method) is counted as "other": one label value
# per distinct method a client sends would let anyone grow the series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"
STATIC_ROUTE = "static"

# The children of each label set, so that a request costs two dictionary
# look-ups instead of prometheus-client's label validation and lock.
_request_children: dict[tuple, tuple] = {}
_route_labels: dict[str, str] = {}


def route_label(route: str | None) -> str:
    """The route label of a URL pattern: without its trailing slash, so that the two
    routes of one endpoint (lair.urlpaths.slash_optional) count as one."""
    if route is None:
        return UNMATCHED_ROUTE
    label = _route_labels.get(route)
    if label is None:
        label = _route_labels[route] = route.rstrip("/") or "/"
    return label


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and observe its duration."""
    key = (method, route, status)
    children = _request_children.get(key)
    if children is None:
        label = method if method in _METHODS else "other"
        children = _request_children[key] = (
            HTTP_REQUESTS.labels(label, route, str(status)),
            HTTP_REQUEST_DURATION.labels(label, route),
        )
    children[0].inc()
    children[1].observe(seconds)


# --- Everything else: one call where the thing happens ---------------------------


def login_attempt(result: str) -> None:
    LOGINS.labels(result).inc()


def rate_limited(scope: str) -> None:
    RATE_LIMITED.labels(scope).inc()


def event_published(message: dict) -> None:
    """Count one channel-layer message of realtime.publish by the type of its frame.

    Frames are encoded with their type first ({"type": "...", ...},
    realtime.publish.encode), so the type is read off the text, not decoded.
    Messages without a frame (``sockets.close``) count under their own type.
    """
    text = message.get("text")
    kind = message.get("type", "unknown")
    if text and text.startswith('{"type":"'):
        end = text.find('"', 9)
        if end > 9:
            kind = text[9:end]
    EVENTS_PUBLISHED.labels(kind).inc()


# --- Database queries -----------------------------------------------------------

_observe_query = DB_QUERY_DURATION.observe


def _time_query(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        _observe_query(time.perf_counter() - started)


def _add_query_timer(*, connection, **kwargs) -> None:
    if _time_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_time_query)


_installed = False


def install_query_timer() -> None:
    """Time every query of this process's database connections (new ones and open ones).

    An execute wrapper on each connection, added once when it connects: no
    per-request set-up. Idempotent (every test client loads the middleware).
    """
    global _installed
    if _installed:
        return
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_add_query_timer, dispatch_uid="lair.metrics.query_timer")
    for connection in connections.all(initialized_only=True):
        _add_query_timer(connection=connection)
    _installed = True


# --- The exposition ---------------------------------------------------------------

_exposition_registry: CollectorRegistry | None = None


def exposition_registry() -> CollectorRegistry:
    """What a scrape reads: every process's files (several), or this process's registry."""
    global _exposition_registry
    if not MULTIPROCESS:
        return REGISTRY
    if _exposition_registry is None:
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        _exposition_registry = registry
    return _exposition_registry


def exposition() -> bytes:
    """The Prometheus text format (version 0.0.4) of every metric, summed over processes."""
    if MULTIPROCESS:
        _process_figures.refresh()
    return prometheus_client.generate_latest(exposition_registry())


CONTENT_TYPE = prometheus_client.CONTENT_TYPE_PLAIN_0_0_4


# --- The process collector's figures with several processes ----------------------


class _ProcessFigures:
    """This process's CPU, memory, open files and start time, copied into metrics
    that the multiprocess files add up (see the module docstring)."""

    def __init__(self):
        self.source = ProcessCollector(registry=None)
        self.cpu_seconds = Counter(
            "process_cpu_seconds", "Total user and system CPU time spent in seconds.", registry=None
        )
        self.gauges = {
            "process_virtual_memory_bytes": Gauge(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes (summed over live server processes).",
                registry=None,
                multiprocess_mode="livesum",
            ),
            "process_resident_memory_bytes": Gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes (summed over live server processes).",
                registry=None,
                multiprocess_mode="livesum",
            ),
            "process_open_fds": Gauge(
                "process_open_fds",
                "Number of open file descriptors (summed over live server processes).",
                registry=None,
                multiprocess_mode="livesum",
            ),
            "process_max_fds": Gauge(
                "process_max_fds",
                "Maximum number of open file descriptors (the lowest of live processes).",
                registry=None,
                multiprocess_mode="livemin",
            ),
            "process_start_time_seconds": Gauge(
                "process_start_time_seconds",
                "Start time of the oldest live server process since unix epoch in seconds.",
                registry=None,
                multiprocess_mode="livemin",
            ),
        }
        self.cpu_counted = 0.0
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.watching_forks = False

    def refresh(self) -> None:
        with self.lock:
            for family in self.source.collect():
                for sample in family.samples:
                    gauge = self.gauges.get(sample.name)
                    if gauge is not None:
                        gauge.set(sample.value)
                    elif (
                        sample.name == "process_cpu_seconds_total"
                        and sample.value > self.cpu_counted
                    ):
                        self.cpu_seconds.inc(sample.value - self.cpu_counted)
                        self.cpu_counted = sample.value

    def keep_refreshing(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception:  # /proc unreadable: the other metrics still work
                return
            time.sleep(PROCESS_REFRESH_SECONDS)

    def start(self) -> None:
        """Refresh in a daemon thread of this process (once per process, forks included)."""
        if self.pid == os.getpid():
            return
        if not self.watching_forks:
            # gunicorn --preload loads the app, and so starts this, before it
            # forks the workers: the thread does not survive the fork.
            os.register_at_fork(after_in_child=self.start)
            self.watching_forks = True
        self.pid = os.getpid()
        # A forked child: its counter file starts at zero, and the parent's
        # thread may have held the lock when it forked.
        self.cpu_counted = 0.0
        self.lock = threading.Lock()
        threading.Thread(
            target=self.keep_refreshing, name="lair-process-metrics", daemon=True
        ).start()


_process_figures = _ProcessFigures() if MULTIPROCESS else None


def start_process_figures() -> None:
    """With several processes: keep this process's process figures current."""
    if _process_figures is not None:
        _process_figures.start()
