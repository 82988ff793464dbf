from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


def sign_in(client: APIClient, username: str, password: str = PASSWORD, **extra) -> dict:
    """Log in over the API and return the JSON answer (user, access, refresh, session)."""
    response = client.post(
        "/api/v1/auth/login", {"username": username, "password": password, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def signed_in(api, user):
    """A user signed in over the API: ``(client with Bearer header, login answer)``."""
    answer = sign_in(api, user.username)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {answer['access']}")
    return api, answer
