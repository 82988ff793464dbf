"""The gunicorn worker for production: uvicorn, without permessage-deflate, frames capped.

uvicorn accepts permessage-deflate by default and browsers offer it. Chat
frames are small and the same frame is compressed once per socket, so it
costs 1.5-2x the server CPU per delivery and ~50 KB of RSS per socket
(benchmarks/RESULTS-ws.md, finding 3). Run
``gunicorn lair.asgi:application -k lair.workers.UvicornWorker``.

Proxy headers are off too: uvicorn would otherwise replace the client address
with X-Forwarded-For from any peer in FORWARDED_ALLOW_IPS (127.0.0.1 by
default), so a local client or a proxy that passes the header on could choose
its own address and escape the per-IP limits. Django alone decides the client
address (lair/client_ip.py, TRUSTED_PROXY_COUNT).

Frames over WS_MAX_FRAME_BYTES are refused by the server itself (close 1009)
before they are buffered: uvicorn's default would take 16 MiB from anyone,
signed in or not. gunicorn loads this class before Django's settings, so
the variable is read here with the default of lair/settings.py.
"""

from __future__ import annotations

import os

from uvicorn_worker import UvicornWorker as _UvicornWorker

WS_MAX_FRAME_BYTES = int(os.environ.get("WS_MAX_FRAME_BYTES") or 16 * 1024)


class UvicornWorker(_UvicornWorker):
    CONFIG_KWARGS = {
        **_UvicornWorker.CONFIG_KWARGS,
        "ws_per_message_deflate": False,
        "proxy_headers": False,
        "ws_max_size": WS_MAX_FRAME_BYTES,
    }
