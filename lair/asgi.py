"""ASGI entry point: one server, one port, HTTP and WebSocket.

HTTP goes to Django's WSGI handler through a2wsgi's thread pool: one thread
hop per request instead of the ~14 that Django's ASGI handler makes for the
synchronous middleware and views, which capped HTTP near 170 requests/s per
process here (docs/PERFORMANCE.md). WebSocket goes to Channels.
"""

import asyncio
import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")

from django.core.asgi import get_asgi_application

# Sets Django up before anything imports models.
get_asgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from lair.routing import websocket_urlpatterns  # noqa: E402
from lair.ws_security import BrowserOriginValidator  # noqa: E402
from realtime import publish  # noqa: E402
from realtime.writer import SERVER_SEND  # noqa: E402

http_application = WSGIMiddleware(get_wsgi_application(), workers=settings.HTTP_THREADS)


class BindServerLoop:
    """Tell realtime.publish which loop serves the sockets (see bind_server_loop)."""

    def __init__(self, app):
        self.app = app
        self.bound = None

    async def __call__(self, scope, receive, send):
        loop = asyncio.get_running_loop()
        if loop is not self.bound:
            publish.bind_server_loop(loop)
            self.bound = loop
        return await self.app(scope, receive, send)


class KeepServerSend:
    """Put the ASGI server's own ``send`` in the WebSocket scope (SERVER_SEND).

    Channels' session middleware wraps ``send`` and looks at the session on
    every frame, though it only acts on the handshake. Sockets write their
    frames through the server's ``send`` instead, skipping that and three
    coroutine levels per frame (benchmarks/RESULTS-ws.md, finding 4); closes
    go through the same ``send`` (Channels' ``base_send`` chains to it).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        return await self.app({**scope, SERVER_SEND: send}, receive, send)


protocols = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": KeepServerSend(
            BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
application = BindServerLoop(protocols)

# Garbage collection pauses. A full collection walks every tracked object and
# stalled a worker holding 1,000 sockets for 65-110 ms several times a minute:
# the p99 of delivery latency (docs/PERFORMANCE.md). What is loaded by now
# lives as long as the process, so it leaves the collector's sight; and the
# young generation is collected less often, so fewer objects reach the old
# one and full collections become rare (GC_THRESHOLDS).
gc.collect()
gc.freeze()
gc.set_threshold(*settings.GC_THRESHOLDS)
