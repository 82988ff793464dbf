"""People of the operator tests (the rest are in tests/conftest.py)."""

import pytest

from accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def moderator(db):
    """A site moderator: the console's read-only views and message moderation."""
    return UserFactory(username="mona", role=User.Role.MODERATOR)
