from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import disconnect_redis_caches

pytestmark = pytest.mark.django_db


def test_health_reports_each_dependency_ok():
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


def test_health_needs_no_credentials_and_ignores_bad_ones():
    response = Client().get("/api/v1/health", HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 200


def test_health_is_503_when_the_cache_is_unreachable(settings):
    disconnect_redis_caches()
    # A real Redis client against a closed port: the check fails as in production.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = Client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error")
