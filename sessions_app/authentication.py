"""DRF authentication: a Bearer access JWT whose device session is still alive."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from lair.client_ip import client_ip
from lair.errors import TokenInvalid, TokenInvalidAPIError
from lair.prepared_joins import JoinedLookup
from sessions_app.models import DeviceSession
from sessions_app.services import DEVICE_SESSION_KEY, touch_session, why_session_ended
from sessions_app.tokens import decode_access

_SESSION_WITH_USER = JoinedLookup(DeviceSession, "user", "a.id = %s AND a.user_id = %s")


def session_of_access_token(raw: str):
    """The live device session (with its user) of an access token, or TokenInvalid.

    One query: the session joined to its user, its SQL written once (the
    hottest query of all: lair/prepared_joins.py). Used by the REST API and the
    WebSocket alike.
    """
    token = decode_access(raw)
    session_id, user_id = token["sid"], token["user_id"]
    if not (type(session_id) is int and type(user_id) is int):
        raise TokenInvalid("The access token is not bound to a session.")
    session = _SESSION_WITH_USER.get(session_id, user_id)
    ended = why_session_ended(session)
    if ended is not None:
        raise TokenInvalid(ended)
    return token, session


def _session_hash_verified(django_session, user) -> bool:
    """The session's password hash still matches the user's (Django's own check)."""
    session_hash = django_session.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    # Sessions signed before a SECRET_KEY rotation stay valid through the fallbacks.
    return any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


def session_of_cookie(django_session) -> DeviceSession | None:
    """The live device session (with its user) of a cookie sign-in, or None.

    ``django_session`` is the Django session of the request or of the socket's
    scope. It names the user and the device session opened at login; the two
    come in one query, as for an access token (:func:`session_of_access_token`),
    and pass the same checks: revoked, expired, suspended or deactivated is
    None, and so is a cookie sign-in that keeps no device session (made before
    they were kept) or whose password hash no longer matches (Django's check).
    """
    try:
        user_id = int(django_session[SESSION_KEY])
        session_id = django_session[DEVICE_SESSION_KEY]
        backend = django_session[BACKEND_SESSION_KEY]
    except (KeyError, TypeError, ValueError):
        return None
    if type(session_id) is not int or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    session = _SESSION_WITH_USER.get(session_id, user_id)
    if why_session_ended(session) is not None:
        return None
    if not _session_hash_verified(django_session, session.user):
        return None
    return session


class DeviceSessionJWTAuthentication(BaseAuthentication):
    """Accept ``Authorization: Bearer <access>`` only while its session lives.

    The session and its user come in one query (a join), which loading the user
    needed anyway: a revoked or expired session, or a suspended, deactivated or
    deleted user, fails on the very next request in every server process.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        try:
            return self._authenticate(request)
        except TokenInvalid as exc:
            raise TokenInvalidAPIError(exc.message) from exc

    def _authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise TokenInvalid("The Authorization header must be 'Bearer <token>'.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise TokenInvalid("The token is not valid.") from exc
        token, session = session_of_access_token(raw)
        touch_session(session=session, ip=client_ip(request))
        request.device_session = session
        return session.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def current_session_id(request) -> int | None:
    """The device session of this request: its JWT's, or its cookie's."""
    session = getattr(request, "device_session", None)
    if session is None:
        session = getattr(getattr(request, "_request", None), "device_session", None)
    return session.pk if session is not None else None


def signed_in_by_token(request) -> bool:
    """The request was authenticated by an access token (not by a session cookie)."""
    return isinstance(
        getattr(request, "successful_authenticator", None), DeviceSessionJWTAuthentication
    )


class DeviceSessionJWTScheme(OpenApiAuthenticationExtension):
    target_class = DeviceSessionJWTAuthentication
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
