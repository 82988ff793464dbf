from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

UNDOCUMENTED = {"schema/", "docs/"}


def _api_routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _as_openapi_path(route: str) -> str:
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).rstrip("/")


def test_schema_lists_every_implemented_api_path():
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    documented = set(response.json()["paths"])
    routes = {
        _as_openapi_path(route)
        for route in _api_routes(get_resolver().url_patterns)
        if route.startswith("api/v1/") and route.removeprefix("api/v1/") not in UNDOCUMENTED
    }
    assert routes, "no API routes found"
    assert routes <= documented, routes - documented
    for must in ("/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/sessions/{session_id}"):
        assert must in documented


def test_swagger_ui_is_served_from_local_static_files():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_pages_carry_security_headers():
    response = Client().get("/login/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
