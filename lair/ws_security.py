"""Who may open a WebSocket: browsers from our own origins, or API clients without one."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def allowed_hosts() -> list[str]:
    """ALLOWED_HOSTS as Django applies it to HTTP requests (DEBUG allows localhost when empty)."""
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def parse_origin(origin: str) -> Origin | None:
    """(scheme, host, port) of an http(s) origin, the port made explicit; None if it is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _scheme_of(scope) -> str:
    """http or https, as Django's request.is_secure() would decide for this connection."""
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_name, secure_value = proxy_header
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        forwarded = _header(scope, name)
        if forwarded is not None:
            # The proxy's word wins when it sends the header, as for HTTP.
            return "https" if forwarded.split(",", 1)[0].strip() == secure_value else "http"
    return scheme


def own_origin(scope) -> Origin | None:
    """The origin the socket was opened on: its scheme and a Host header we serve; else None."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, allowed_hosts()):
        return None
    return parse_origin(f"{_scheme_of(scope)}://{host}")


def origin_allowed(scope, origin: str) -> bool:
    """True for the socket's own origin or an exact entry of CSRF_TRUSTED_ORIGINS.

    Scheme, host and port must all match: a page on another port or over
    plain HTTP is another origin, and may not ride on our cookies.
    """
    parsed = parse_origin(origin)
    if parsed is None:
        return False
    if parsed == own_origin(scope):
        return True
    return any(parsed == parse_origin(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS)


class BrowserOriginValidator:
    """Refuse browsers from foreign origins; let clients without an Origin header in.

    A browser always sends Origin, so a socket without one is not a browser:
    it may connect but must authenticate with a token (its cookies are not
    trusted: ``scope["cookie_auth"]`` is False). Refusals are logged.
    """

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        origin = _header(scope, b"origin")
        if origin is None:
            return await self.application(dict(scope, cookie_auth=False), receive, send)
        if origin_allowed(scope, origin):
            return await self.application(dict(scope, cookie_auth=True), receive, send)
        client = scope.get("client") or ("?", 0)
        logger.warning("refused a WebSocket from origin %r (client %s)", origin, client[0])
        return await WebsocketDenier()(scope, receive, send)
