from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's IP: REMOTE_ADDR, or the X-Forwarded-For entry our own proxies added.

    The one place that decides the client address (per-IP limits, device
    sessions). The servers run without proxy headers (Makefile, lair/workers.py),
    so REMOTE_ADDR is the peer that connected. Only the last TRUSTED_PROXY_COUNT
    hops are believed, because earlier entries can be forged by the client;
    an entry that is not an address (a misconfigured proxy, or a client that
    reached the server around the proxies) is not believed either.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    return _believed(request.META.get("HTTP_X_FORWARDED_FOR", ""), remote)


def _believed(forwarded: str, remote: str) -> str:
    """The address of the client from X-Forwarded-For and the peer, by the rule above."""
    peer = _address(remote or "") or "0.0.0.0"  # noqa: S104
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return _address(hops[-proxies]) or peer
    return peer


def client_ip_of_scope(scope) -> str:
    """The client's IP for an ASGI scope (a WebSocket), by the rule of ``client_ip``.

    The last TRUSTED_PROXY_COUNT hops of X-Forwarded-For are believed, else
    the peer address the server saw.
    """
    forwarded = ",".join(
        value.decode("latin1")
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
    )
    client = scope.get("client")
    return _believed(forwarded, client[0] if client else "")
