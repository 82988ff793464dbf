from __future__ import annotations

import pytest

from accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def guest(db):
    return UserFactory(username="gus", role=User.Role.GUEST)


@pytest.fixture
def site_admin(db):
    return UserFactory(username="sadie", role=User.Role.ADMIN)
