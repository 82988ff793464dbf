"""The benchmarks load and write to this machine only: a typo in --url or --database-url
must not send thousands of requests, or bulk inserts, to someone else's server.

BENCH_ALLOW_NON_LOOPBACK=1 in the environment lifts the refusal, for a server measured
from another machine on purpose (the load generator then no longer shares its cores).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from urllib.parse import urlsplit


def resolve_loopback(host: str, port: int) -> tuple[bool, list[str]]:
    """Whether ``host`` resolves to loopback addresses only, and the addresses.

    Raises socket.gaierror when it does not resolve.
    """
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    addresses = sorted({info[4][0] for info in infos})
    loopback = all(ipaddress.ip_address(a).is_loopback for a in addresses)
    return bool(addresses) and loopback, addresses


def require_loopback(host: str, port: int, what: str, *, allow_remote: bool = False) -> None:
    """Exit unless ``host`` is loopback, or non-loopback hosts are allowed (``allow_remote``
    or BENCH_ALLOW_NON_LOOPBACK=1)."""
    try:
        loopback, addresses = resolve_loopback(host, port)
    except socket.gaierror as exc:
        raise SystemExit(f"cannot resolve {what} host {host!r}: {exc}") from exc
    if loopback:
        return
    if allow_remote or os.environ.get("BENCH_ALLOW_NON_LOOPBACK") == "1":
        print(f"warning: non-loopback {what} host {host!r}, as allowed", file=sys.stderr)
        return
    raise SystemExit(
        f"refusing non-loopback {what} host {host!r} ({', '.join(addresses)}); "
        "BENCH_ALLOW_NON_LOOPBACK=1 allows it"
    )


def check_loopback(url: str, *, allow_remote: bool = False) -> str:
    """Return the base URL without a trailing slash; refuse anything but loopback HTTP(S)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemExit(f"--url must be http(s)://host:port, got {url!r}")
    default_port = 443 if parts.scheme == "https" else 80
    require_loopback(
        parts.hostname, parts.port or default_port, "server", allow_remote=allow_remote
    )
    return url.rstrip("/")
