"""HTTP plumbing that must run before any view: size limits and security headers."""

from __future__ import annotations

from django.conf import settings

from lair.errors import PayloadTooLarge, json_error


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
            return json_error(400, "validation_error", "NUL characters are not allowed in URLs.")
        return self.get_response(request)
