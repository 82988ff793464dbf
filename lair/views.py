"""Django-level error views: the API's envelope under /api/, plain pages elsewhere."""

from __future__ import annotations

from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import csrf_exempt

from lair.errors import json_error


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_page(request, status: int, title: str, message: str) -> HttpResponse:
    """A page-side error answer in words (templates/error.html); plain text if it cannot render.

    The 500 page must not fail in turn: it renders without the request's
    context processors (no database read for the user).
    """
    try:
        body = loader.render_to_string("error.html", {"title": title, "message": message})
    except Exception:  # the last answer: whatever broke, say something
        return HttpResponse(f"{title}. {message}", status=status, content_type="text/plain")
    return HttpResponse(body, status=status)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return json_error(404, "not_found", f"No API endpoint at {request.path}.")


def not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request)
    return error_page(
        request, 404, "Page not found", "There is nothing here, or it is not yours to see."
    )


def server_error(request):
    if _is_api(request):
        return json_error(500, "server_error", "The server failed to answer this request.")
    return error_page(
        request, 500, "Something went wrong", "The server failed to answer. Try again in a moment."
    )


def bad_request(request, exception=None):
    if _is_api(request):
        return json_error(400, "validation_error", "Bad request.")
    return error_page(request, 400, "Bad request", "The page could not understand that request.")


def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error(403, "permission_denied", "You do not have permission to do this.")
    return error_page(request, 403, "Not allowed", "You do not have permission to do this.")
