"""DRF authentication: a Bearer access JWT whose device session is still alive."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from lair.errors import TokenInvalid, TokenInvalidAPIError
from lair.lookups import JoinedLookup
from lair.net import client_ip
from sessions_app.models import DeviceSession
from sessions_app.services import touch_session
from sessions_app.tokens import decode_access

_SESSION_WITH_USER = JoinedLookup(DeviceSession, "user", "a.id = %s AND a.user_id = %s")


def session_of_access_token(raw: str):
    """The live device session (with its user) of an access token, or TokenInvalid.

    One query: the session joined to its user, its SQL written once (the
    hottest query of all: lair/lookups.py). Used by the REST API and the
    WebSocket alike.
    """
    token = decode_access(raw)
    session_id, user_id = token["sid"], token["user_id"]
    if not (type(session_id) is int and type(user_id) is int):
        raise TokenInvalid("The access token is not bound to a session.")
    session = _SESSION_WITH_USER.get(session_id, user_id)
    if session is None or session.revoked_at is not None:
        raise TokenInvalid("This session has been signed out.")
    if session.expires_at <= timezone.now():
        raise TokenInvalid("This session has expired.")
    if not session.user.can_sign_in:
        raise TokenInvalid("This account is suspended or disabled.")
    return token, session


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
    """The device session of this request, when it came with a JWT."""
    session = getattr(request, "device_session", None)
    if session is None:
        session = getattr(getattr(request, "_request", None), "device_session", None)
    return session.pk if session is not None else None


class DeviceSessionJWTScheme(OpenApiAuthenticationExtension):
    target_class = DeviceSessionJWTAuthentication
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
