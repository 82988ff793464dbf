from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.helpers import clear_cache, disconnect_redis_caches, sign_in


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _runtime_config_defaults():
    """Every test starts on the runtime config's defaults (its rows roll back), with no query."""
    from lair import config

    config.reset_snapshot()


@pytest.fixture
def runtime_config(db):
    """``runtime_config(max_message_length=10, ...)`` changes runtime config the way an
    operator's command does (lair.config.change); returns every field's new value."""
    from lair import config

    def change(**changes):
        return config.change(actor=None, changes=changes)

    return change


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


@pytest.fixture
def signed_in(api, user):
    """A user signed in over the API: ``(client with Bearer header, login answer)``."""
    answer = sign_in(api, user.username)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {answer['access']}")
    return api, answer


# The people of the tests, one set for every folder. The socket tests' rows
# commit (their events are broadcast on commit) through those tests'
# transactional django_db mark, not through these fixtures.


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


@pytest.fixture
def owner(db):
    """The owner of the rooms tests' rooms (a name apart from alice, bob and carol)."""
    return UserFactory(username="olivia")


@pytest.fixture
def outsider(db):
    """A user who is in none of the test's rooms."""
    return UserFactory(username="outsider")


@pytest.fixture
def guest(db):
    return UserFactory(username="guest", role=User.Role.GUEST)


@pytest.fixture
def site_admin(db):
    return UserFactory(username="sadie", role=User.Role.ADMIN)


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
