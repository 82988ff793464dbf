"""ASGI entry point: one server, one port, HTTP and WebSocket.

HTTP goes to Django's WSGI handler through a2wsgi's thread pool: one thread
hop per request instead of the ~14 that Django's ASGI handler makes for the
synchronous middleware and views, which capped HTTP near 170 requests/s per
process here (docs/PERFORMANCE.md). WebSocket goes to Channels.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")

from django.core.asgi import get_asgi_application

# Sets Django up before anything imports models.
get_asgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from lair.routing import websocket_urlpatterns  # noqa: E402

http_application = WSGIMiddleware(get_wsgi_application(), workers=settings.HTTP_THREADS)

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
