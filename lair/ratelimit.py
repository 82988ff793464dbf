"""Rate limits, through django-ratelimit: per IP and username on the auth
endpoints, per user on authenticated writes.

django-ratelimit's decorator answers 403 and cannot say when to retry; the
API answers 429 with Retry-After, so callers use :func:`enforce` (views,
with a request) or :func:`enforce_user` / :func:`limited_per_user` (services,
with the acting user) and the error handler renders
:class:`lair.errors.RateLimited`. Counters live in the cache: shared by every
process once the cache is Redis. ``RATELIMIT_ENABLE=false`` lifts them all.

The rates operators tune while the server runs (posting, the other per-user
writes, sign-ins) come from the runtime config (lair/config.py); the others
from settings.RATELIMITS.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from lair import config, metrics
from lair.client_ip import client_ip
from lair.errors import RateLimited

logger = logging.getLogger(__name__)


# Scope -> the runtime config field that holds its rate.
CONFIGURED_SCOPES = {
    "message_user": "message_rate_limit",
    "edit_user": "edit_rate_limit",
    "reaction_user": "reaction_rate_limit",
    "room_create_user": "room_create_rate_limit",
    "invitation_user": "invitation_rate_limit",
    "member_add_user": "member_add_rate_limit",
    "avatar_user": "avatar_rate_limit",
    "login_ip": "login_rate_limit_ip",
    "login_username": "login_rate_limit_username",
}


def rate_of(scope: str) -> str | None:
    """The rate of ``scope`` in django-ratelimit's syntax ("20/10s"), read at call time."""
    field = CONFIGURED_SCOPES.get(scope)
    if field is not None:
        return config.ratelimit_rate(field)
    return settings.RATELIMITS.get(scope)


def _hit(request, scope: str, value: str) -> None:
    rate = rate_of(scope)
    if not rate or not value:
        return
    usage = get_usage(
        request,
        group=f"lair.{scope}",
        key=lambda group, req: value,
        rate=rate,
        method=ALL,
        increment=True,
    )
    if usage and usage["should_limit"]:
        metrics.rate_limited(scope)
        raise RateLimited(retry_after=max(1, usage["time_left"]))


def enforce(request, scope: str, value: str) -> None:
    """Count one hit of ``value`` (an IP, a username…) in ``scope``; raise past the limit.

    ``scope`` names a rate (:func:`rate_of`).
    """
    _hit(getattr(request, "_request", request), scope, (value or "").lower())


def enforce_ip(request, scope: str) -> None:
    enforce(request, scope, client_ip(request))


def enforce_user(user, scope: str) -> None:
    """Count one write by ``user`` in ``scope``; raise RateLimited past the limit.

    For services: no request is needed (pages, admin actions and the API all
    reach the same count).
    """
    if user is None or not getattr(user, "pk", None):
        return
    try:
        # No request: with method=ALL and a key function django-ratelimit never reads one.
        _hit(None, scope, f"user:{user.pk}")
    except RateLimited:
        raise
    except Exception:  # any cache backend's own errors
        # Fail open: with the cache down a chat user's write is stored, not
        # refused with a server error; the database stays the source of truth.
        logger.warning("Rate limit %s not checked: the cache is unavailable", scope, exc_info=True)


def limited_per_user(scope: str, *, actor: str = "actor"):
    """Decorate a service: one hit of its ``actor`` keyword argument in ``scope`` first.

    Stacked above ``transaction.atomic`` the check runs before the
    transaction opens, so a refused write costs no database work.
    """

    def decorate(service):
        @functools.wraps(service)
        def limited(*args, **kwargs):
            enforce_user(kwargs.get(actor), scope)
            return service(*args, **kwargs)

        return limited

    return decorate
