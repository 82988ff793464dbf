"""What every page view shares: sign-in, the shell context, domain errors as page answers."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from lair.errors import NotFound, PermissionDenied
from web.selectors import shell


def page(view):
    """A signed-in page: anonymous visitors go to /login/?next=…; NotFound is a 404 page.

    A refused action (PermissionDenied) goes back where the user came from
    with the reason as a notice, as a form error would.
    """

    @login_required(login_url="web:login")
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            messages.error(request, exc.message)
            return redirect(back(request))

    return wrapped


def back(request, default: str = "web:home") -> str:
    """The local page the request came from (Referer), else ``default``."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return default


def with_shell(request, context: dict, *, current_room_id: int | None = None) -> dict:
    return {**shell(request.user, current_room_id=current_room_id), **context}
