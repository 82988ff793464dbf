"""GET /api/v1/admin/metrics: the Prometheus exposition (lair/metrics.py).

A site admin (access token or session) may read it, and so may a scraper
that sends ``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from lair import metrics
from lair.errors import PermissionDenied
from lair.schema import ERROR_RESPONSES

SCRAPER = "metrics-token"


def _digest(value: bytes) -> bytes:
    # Digests of equal length: the comparison says nothing of the token's length.
    return hashlib.sha256(value).digest()


class MetricsTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <METRICS_TOKEN>``, compared in constant time.

    A bearer value shaped like a JWT (three dot-separated parts) that is not
    the token is left to the JWT authentication; any other is refused (403).
    """

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if len(header) != 2 or header[0].lower() != b"bearer":
            return None
        token = settings.METRICS_TOKEN
        if token and hmac.compare_digest(_digest(header[1]), _digest(token.encode())):
            return None, SCRAPER
        if header[1].count(b".") == 2:
            return None
        raise PermissionDenied("This is not the metrics token.")

    def authenticate_header(self, request):
        # DRF asks the first authenticator: without it, anonymous would be a 403.
        return 'Bearer realm="api"'


class MetricsTokenScheme(OpenApiAuthenticationExtension):
    target_class = MetricsTokenAuthentication
    name = "metricsToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "METRICS_TOKEN"}


class IsSiteAdminOrScraper(BasePermission):
    def has_permission(self, request, view):
        if request.auth == SCRAPER:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_site_admin)


class MetricsView(APIView):
    authentication_classes = [
        MetricsTokenAuthentication,
        *APIView.authentication_classes,
    ]
    permission_classes = [IsSiteAdminOrScraper]

    @extend_schema(
        tags=["operators"],
        summary="Prometheus metrics of every server process",
        responses={
            (200, "text/plain"): OpenApiResponse(
                response=str, description="Prometheus text exposition format 0.0.4"
            ),
            **{code: ERROR_RESPONSES[code] for code in (401, 403)},
        },
    )
    def get(self, request):
        return HttpResponse(
            metrics.exposition(),
            content_type=metrics.CONTENT_TYPE,
            headers={"Cache-Control": "no-store"},
        )
