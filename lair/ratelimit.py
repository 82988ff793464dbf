"""Rate limits on the auth endpoints, through django-ratelimit.

django-ratelimit's decorator answers 403 and cannot say when to retry; the
API answers 429 with Retry-After, so views call :func:`enforce` and the
error handler renders :class:`lair.errors.RateLimited`.
"""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import get_usage

from lair.errors import RateLimited
from lair.net import client_ip


def enforce(request, scope: str, value: str) -> None:
    """Count one hit of ``value`` (an IP, a username…) in ``scope``; raise past the limit.

    ``scope`` names a rate in settings.RATELIMITS, read at call time so that
    operators (and tests) can change it without a restart.
    """
    rate = settings.RATELIMITS.get(scope)
    if not rate or not value:
        return
    http_request = getattr(request, "_request", request)
    usage = get_usage(
        http_request,
        group=f"lair.{scope}",
        key=lambda group, req: value.lower(),
        rate=rate,
        increment=True,
    )
    if usage and usage["should_limit"]:
        raise RateLimited(retry_after=max(1, usage["time_left"]))


def enforce_ip(request, scope: str) -> None:
    enforce(request, scope, client_ip(request))
