"""HTTP plumbing that must run before any view: size limits, security headers, metrics."""

from __future__ import annotations

from time import perf_counter

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

from lair import metrics
from lair.errors import PayloadTooLarge, json_error
from lair.views import error_page


class MetricsMiddleware:
    """Count every answer by method, route and status, and time it (lair/metrics.py).

    First in MIDDLEWARE, so that it also sees answers the other middleware
    give before routing (413, 400). The route is the URL pattern that matched
    (``api/v1/rooms/<id:room_id>/messages``), never the path: one series per
    endpoint, whatever ids clients send. Requests no pattern matched count
    under ``unmatched``, static files under ``static``. The metrics endpoint
    counts as any other route: one series, at the scrape interval.

    With METRICS_ENABLED off, neither this nor the query timer is installed.
    """

    def __init__(self, get_response):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.static_url = settings.STATIC_URL
        metrics.install_query_timer()
        metrics.start_process_figures()

    def __call__(self, request):
        started = perf_counter()
        response = self.get_response(request)
        elapsed = perf_counter() - started
        match = request.resolver_match
        if match is not None:
            route = metrics.route_label(match.route)
        elif request.path.startswith(self.static_url):
            route = metrics.STATIC_ROUTE
        else:
            route = metrics.UNMATCHED_ROUTE
        metrics.http_request(request.method, route, response.status_code, elapsed)
        return response


class RequestSizeLimitMiddleware:
    """Answer 413 in the error envelope before an oversized body is read.

    DRF's parsers read the whole stream whatever its size, so the limit is
    enforced here on Content-Length: JSON bodies get MAX_JSON_BODY_BYTES,
    multipart uploads MAX_UPLOAD_BODY_BYTES.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            return json_error(400, "validation_error", "Invalid Content-Length header.")
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.MAX_UPLOAD_BODY_BYTES
            if content_type.startswith("multipart/")
            else settings.MAX_JSON_BODY_BYTES
        )
        if size > limit:
            if not request.path.startswith("/api/"):
                # A page's form: the browser shows words, not the API's JSON.
                megabytes = f"{limit / (1024 * 1024):.0f} MB"
                return error_page(
                    request,
                    PayloadTooLarge.status_code,
                    "Too large",
                    f"What you sent is too large: at most {megabytes}. Go back and pick a smaller "
                    "file or shorten the text.",
                )
            return json_error(
                PayloadTooLarge.status_code,
                PayloadTooLarge.code,
                f"The request body is larger than {limit} bytes.",
                {"limit": limit},
            )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy on every response that has none.

    Pages load scripts and styles only from this server (vendored), so a
    strict policy costs nothing and blunts injected markup.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class RejectNulCharactersMiddleware:
    """Answer 400 to a NUL character in the path or query string.

    PostgreSQL text cannot hold NUL: left in, a query parameter such as
    ``?q=a%00b`` would fail deep in a query as a server error. Request bodies
    are covered by DRF's fields, which refuse NUL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            if not request.path.startswith("/api/"):
                return error_page(
                    request, 400, "Bad address", "NUL characters are not allowed in addresses."
                )
            return json_error(400, "validation_error", "NUL characters are not allowed in URLs.")
        return self.get_response(request)
