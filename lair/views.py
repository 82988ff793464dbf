"""Django-level error views: the API's envelope under /api/, plain pages elsewhere."""

from __future__ import annotations

from django.http import HttpResponseNotFound, HttpResponseServerError
from django.views.decorators.csrf import csrf_exempt

from lair.errors import json_error


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return json_error(404, "not_found", f"No API endpoint at {request.path}.")


def not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request)
    return HttpResponseNotFound("<h1>Not found</h1>")


def server_error(request):
    if _is_api(request):
        return json_error(500, "server_error", "The server failed to answer this request.")
    return HttpResponseServerError("<h1>Server error</h1>")


def bad_request(request, exception=None):
    return json_error(400, "validation_error", "Bad request.")


def permission_denied(request, exception=None):
    return json_error(403, "permission_denied", "You do not have permission to do this.")
