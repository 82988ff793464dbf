"""Domain errors and the one place that turns errors into the API's envelope.

Every error answered under /api/ has the shape
``{"error": {"code": ..., "message": ..., "details": {...}}}``. Services raise
the domain errors below; DRF's own exceptions, Django's Http404 and
PermissionDenied, and django-ratelimit's Ratelimited are mapped here too.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the chat domain refused an action. Subclasses set the status."""

    status_code = 400
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, details: dict | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class ValidationError(DomainError):
    status_code = 400
    code = "validation_error"
    default_message = "The request is invalid."


class AuthenticationFailed(DomainError):
    status_code = 401
    code = "authentication_failed"
    default_message = "Invalid username or password."


class TokenInvalid(DomainError):
    status_code = 401
    code = "token_invalid"
    default_message = "The token is invalid, expired or revoked."


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    default_message = "You do not have permission to do this."


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message = "Not found."


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"
    default_message = "The request is too large."


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"
    default_message = "This media type is not supported."


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    default_message = "Too many requests. Try again later."

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **kwargs: Any):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, **kwargs)


class TokenInvalidAPIError(drf.AuthenticationFailed):
    """TokenInvalid as DRF sees it, raised from authentication classes.

    DRF marks the request unauthenticated only for its own exception types.
    """

    default_code = "token_invalid"
    default_detail = TokenInvalid.default_message


# DRF's default codes -> the codes of API.md.
_DRF_CODES = {
    TokenInvalidAPIError: "token_invalid",
    drf.ValidationError: "validation_error",
    drf.ParseError: "parse_error",
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "authentication_failed",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: UnsupportedMediaType.code,
    drf.Throttled: "rate_limited",
}


def envelope(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _message_of(detail: Any) -> str:
    if isinstance(detail, dict):
        if "detail" in detail:
            return str(detail["detail"])
        return "The request is invalid."
    if isinstance(detail, list):
        return str(detail[0]) if detail else "The request is invalid."
    return str(detail)


def _drf_code(exc: drf.APIException) -> str:
    # simplejwt raises AuthenticationFailed subclasses for bad tokens.
    from rest_framework_simplejwt.exceptions import InvalidToken

    if isinstance(exc, InvalidToken):
        return "token_invalid"
    for cls in type(exc).__mro__:
        if cls in _DRF_CODES:
            return _DRF_CODES[cls]
    if exc.status_code == PayloadTooLarge.status_code:
        return PayloadTooLarge.code
    return "server_error" if exc.status_code >= 500 else "error"


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF EXCEPTION_HANDLER: every error becomes the envelope."""
    from django_ratelimit.exceptions import Ratelimited
    from rest_framework.views import set_rollback  # imports the DRF settings: not at import

    headers: dict[str, str] = {}
    if isinstance(exc, Ratelimited):
        exc = RateLimited()
    if isinstance(exc, DomainError):
        set_rollback()
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return Response(
            envelope(exc.code, exc.message, exc.details), status=exc.status_code, headers=headers
        )

    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if not isinstance(exc, drf.APIException):
        return None  # Django's handler500 answers with the envelope.

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    code = _drf_code(exc)
    detail = exc.detail
    if isinstance(exc, drf.ValidationError):
        details = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        message = _first_validation_message(details)
    else:
        details = {}
        message = _message_of(detail)
    set_rollback()
    return Response(envelope(code, message, details), status=exc.status_code, headers=headers)


def _first_validation_message(details: dict) -> str:
    for field, errors in details.items():
        first = errors[0] if isinstance(errors, list) and errors else errors
        if isinstance(first, dict):
            return f"{field}: invalid."
        text = str(first)
        return text if field in ("non_field_errors", "detail") else f"{field}: {text}"
    return "The request is invalid."


def json_error(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse(envelope(code, message, details), status=status)
