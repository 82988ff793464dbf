"""OPTIONS on the users and sessions resources answers what it answered on plain views."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions",
        "/api/v1/sessions/current",
        "/api/v1/sessions/cleanup/",
        "/api/v1/users",
        "/api/v1/users/profile",
        "/api/v1/users/settings",
        "/api/v1/users/avatar",
    ],
)
def test_options_describes_a_resource_path_without_failing(path):
    response = client_for(UserFactory()).options(path)

    assert response.status_code == 200, response.content
    assert {"name", "renders", "parses"} <= set(response.json())
