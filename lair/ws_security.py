"""Who may open a WebSocket: browsers from our own origins, or API clients without one."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings

logger = logging.getLogger(__name__)


def allowed_origins() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts + list(settings.CSRF_TRUSTED_ORIGINS)


class BrowserOriginValidator(OriginValidator):
    """Refuse browsers from foreign origins; let clients without an Origin header in.

    A browser always sends Origin, so a socket without one is not a browser:
    it may connect but must authenticate with a token (its cookies are not
    trusted: ``scope["cookie_auth"]`` is False). Refusals are logged.
    """

    def __init__(self, application):
        super().__init__(application, allowed_origins())

    async def __call__(self, scope, receive, send):
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                origin = value.decode("latin1")
        if origin is None:
            return await self.application(dict(scope, cookie_auth=False), receive, send)
        if self.validate_origin(urlparse(origin)):
            return await self.application(dict(scope, cookie_auth=True), receive, send)
        client = scope.get("client") or ("?", 0)
        logger.warning("refused a WebSocket from origin %r (client %s)", origin, client[0])
        return await WebsocketDenier()(scope, receive, send)
