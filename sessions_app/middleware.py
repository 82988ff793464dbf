"""Cookie sign-ins are checked against their device session on every request."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser

from lair.client_ip import client_ip
from sessions_app.authentication import session_of_cookie
from sessions_app.services import touch_session


class DeviceSessionCookieMiddleware:
    """Accept a session cookie only while its device session lives; right after
    Django's AuthenticationMiddleware.

    The device session and its user come in one query, as for an access token.
    A revoked or expired session, a suspended or deactivated user, or a cookie
    sign-in without a device session is refused at once: the Django session is
    flushed and the request is anonymous, so the admin, DRF's
    SessionAuthentication and the pages all see a signed-out browser. A live
    one becomes ``request.user`` (no second query for the user) and
    ``request.device_session``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        django_session = getattr(request, "session", None)
        # Only requests whose cookie names a signed-in session pay the query.
        if django_session is not None and SESSION_KEY in django_session:
            session = session_of_cookie(django_session)
            if session is None:
                django_session.flush()
                self._set_user(request, AnonymousUser())
            else:
                touch_session(session=session, ip=client_ip(request))
                self._set_user(request, session.user)
                request.device_session = session
        return self.get_response(request)

    @staticmethod
    def _set_user(request, user) -> None:
        async def auser():
            return user

        request.user = user
        request.auser = auser
