"""The gunicorn worker for production: uvicorn, without permessage-deflate.

uvicorn accepts permessage-deflate by default and browsers offer it. Chat
frames are small and the same frame is compressed once per socket, so it
costs 1.5-2x the server CPU per delivery and ~50 KB of RSS per socket
(benchmarks/RESULTS-ws.md, finding 3). Run
``gunicorn lair.asgi:application -k lair.workers.UvicornWorker``.

Proxy headers are off too: uvicorn would otherwise replace the client address
with X-Forwarded-For from any peer in FORWARDED_ALLOW_IPS (127.0.0.1 by
default), so a local client or a proxy that passes the header on could choose
its own address and escape the per-IP limits. Django alone decides the client
address (lair/net.py, TRUSTED_PROXY_COUNT).
"""

from __future__ import annotations

from uvicorn_worker import UvicornWorker as _UvicornWorker


class UvicornWorker(_UvicornWorker):
    CONFIG_KWARGS = {
        **_UvicornWorker.CONFIG_KWARGS,
        "ws_per_message_deflate": False,
        "proxy_headers": False,
    }
