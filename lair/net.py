from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    """The client's IP: REMOTE_ADDR, or the X-Forwarded-For entry our own proxies added.

    Only the last TRUSTED_PROXY_COUNT hops are believed; earlier entries can be
    forged by the client.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104


def client_ip_of_scope(scope) -> str:
    """The client's IP for an ASGI scope (a WebSocket), by the rule of ``client_ip``.

    The last TRUSTED_PROXY_COUNT hops of X-Forwarded-For are believed, else
    the peer address the server saw.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = ",".join(
            value.decode("latin1")
            for name, value in scope.get("headers", [])
            if name == b"x-forwarded-for"
        )
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    client = scope.get("client")
    return (client[0] if client else "") or "0.0.0.0"  # noqa: S104
