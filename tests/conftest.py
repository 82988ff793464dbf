from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.helpers import assert_error, disconnect_redis_caches


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _close_redis_connections():
    yield
    disconnect_redis_caches()


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


def client_with(access: str) -> APIClient:
    """A fresh client that sends ``Authorization: Bearer <access>``."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def sign_in_device(username: str, password: str = PASSWORD, **extra) -> tuple[APIClient, dict]:
    """Sign in on another device (its own client): ``(client with Bearer header, answer)``."""
    client = APIClient()
    answer = sign_in(client, username, password, **extra)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer['access']}")
    return client, answer


def assert_access_works(access: str) -> dict:
    """The access token authenticates a request; returns its session (GET /sessions/current)."""
    response = client_with(access).get("/api/v1/sessions/current")
    assert response.status_code == 200, response.content
    return response.json()


def assert_access_rejected(access: str) -> None:
    """The access token is refused with 401 token_invalid."""
    assert_error(client_with(access).get("/api/v1/sessions/current"), 401, "token_invalid")


def refresh_tokens(refresh: str):
    """POST /auth/refresh with ``refresh`` from a fresh client; returns the response."""
    return APIClient().post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")


def assert_refresh_rejected(refresh: str) -> None:
    """The refresh token is refused with 401 token_invalid (a refused token rotates nothing)."""
    assert_error(refresh_tokens(refresh), 401, "token_invalid")


# --- capture_events: the frames an action published ---------------------------


@pytest.fixture
def capture_events(django_capture_on_commit_callbacks):
    """What an action published after commit, as Zulip's tests assert events.

    ``with capture_events() as events: post_message(...)`` leaves in
    ``events`` a tests.helpers.PublishedFrame per message sent to the server
    processes (decoded frame, room_id / user_id routing, event_id, previous),
    in publish order. Works in transactional tests (real commits) and in
    plain ``db`` tests, whose commit callbacks run at the end of the block.
    """
    import contextlib

    from tests.helpers import recording_published_frames

    @contextlib.contextmanager
    def capture():
        frames = []
        with (
            recording_published_frames(frames),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield frames

    return capture
