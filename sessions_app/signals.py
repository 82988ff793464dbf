"""Django's login() and logout() open and end device sessions.

Every cookie sign-in goes through Django's ``login()`` (the admin, browser
pages, the test client's ``force_login``) and every cookie sign-out through
``logout()``; their signals are the one place all of them pass. The receivers
only hand over to the services.
"""

from __future__ import annotations

from sessions_app import services


def open_device_session_on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        services.open_cookie_session(request=request, user=user)


def end_device_session_on_logout(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        services.end_cookie_session(request=request)
