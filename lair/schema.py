"""OpenAPI pieces shared by every app: the error envelope and drf-spectacular hooks."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(),
            },
        )
    },
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorEnvelope, description=description)


# Every status an operation can answer whatever it does: bodies are checked
# for size (413) and media type (415) before any view runs.
ERROR_RESPONSES = {
    400: _error("validation_error or parse_error"),
    401: _error("not_authenticated, authentication_failed or token_invalid"),
    403: _error("permission_denied"),
    404: _error("not_found"),
    413: _error("payload_too_large: the body is over the size limit"),
    415: _error("unsupported_media_type: the body is not JSON (avatars: not multipart)"),
    429: _error("rate_limited (with Retry-After)"),
}
# Operations that can clash with what exists (a taken name, a used client_id ...).
CONFLICT_RESPONSES = {**ERROR_RESPONSES, 409: _error("conflict")}


def drop_trailing_slash_duplicates(endpoints, **kwargs):
    """Every API path is routed with and without a trailing slash; document it once."""
    return [e for e in endpoints if not (e[0].endswith("/") and e[0] != "/")]
