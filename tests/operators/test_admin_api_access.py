"""Who may use which admin endpoint: the whole matrix of site role, endpoint and method.

Site admins may do everything; site moderators may read the stats, users,
rooms and audit log and nothing else; users and guests are refused (403);
nobody signed in gets 401.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from rooms.models import Room
from tests.factories import RoomFactory, UserFactory
from tests.helpers import API, assert_error, client_for

ADMIN = f"{API}/admin"

# (method, path, body, what a site admin gets); {user} and {room} are a
# target user and room made for each case.
ENDPOINTS = [
    ("get", "/stats", None, 200),
    ("get", "/users", None, 200),
    ("get", "/users/{user}", None, 200),
    ("patch", "/users/{user}", {"role": "moderator"}, 200),
    ("patch", "/users/{user}", {"is_suspended": True}, 200),
    ("delete", "/users/{user}", None, 204),
    ("get", "/rooms", None, 200),
    ("get", "/rooms/{room}", None, 200),
    ("patch", "/rooms/{room}", {"archived": True}, 200),
    ("delete", "/rooms/{room}", None, 204),
    ("post", "/broadcast", {"content": "Maintenance at noon"}, 202),
    ("get", "/audit-log", None, 200),
]
ROLES = ["anonymous", "guest", "user", "moderator", "admin"]


def _expected(role: str, method: str, admin_status: int) -> int:
    if role == "anonymous":
        return 401
    if role == "admin":
        return admin_status
    if role == "moderator" and method == "get":
        return 200
    return 403


def _client(role: str) -> APIClient:
    if role == "anonymous":
        return APIClient()
    return client_for(UserFactory(role=getattr(User.Role, role.upper())))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "admin_status"),
    ENDPOINTS,
    ids=[f"{m.upper()} {p} {b or ''}".strip() for m, p, b, _ in ENDPOINTS],
)
def test_each_site_role_gets_exactly_its_access(role, method, path, body, admin_status):
    target, room = UserFactory(), RoomFactory()
    url = ADMIN + path.format(user=target.pk, room=room.pk)
    response = getattr(_client(role), method)(url, body, format="json")
    expected = _expected(role, method, admin_status)
    if expected >= 400:
        code = {401: "not_authenticated", 403: "permission_denied"}[expected]
        assert_error(response, expected, code)
    else:
        assert response.status_code == expected, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["guest", "user", "moderator"])
def test_a_refused_change_changes_nothing(role):
    target, room = UserFactory(), RoomFactory()
    client = _client(role)
    client.patch(f"{ADMIN}/users/{target.pk}", {"is_suspended": True}, format="json")
    client.delete(f"{ADMIN}/rooms/{room.pk}")
    target.refresh_from_db()
    assert not target.is_suspended
    assert target.is_active
    assert Room.objects.filter(pk=room.pk).exists()


@pytest.mark.django_db
def test_the_admin_api_is_in_the_schema_with_every_operation():
    response = APIClient().get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    operations = {
        (method, path) for path, item in paths.items() for method in item if "/admin/" in path
    }
    assert {
        ("get", f"{ADMIN}/stats"),
        ("get", f"{ADMIN}/users"),
        ("get", f"{ADMIN}/users/{{user_id}}"),
        ("patch", f"{ADMIN}/users/{{user_id}}"),
        ("delete", f"{ADMIN}/users/{{user_id}}"),
        ("get", f"{ADMIN}/rooms"),
        ("get", f"{ADMIN}/rooms/{{room_id}}"),
        ("patch", f"{ADMIN}/rooms/{{room_id}}"),
        ("delete", f"{ADMIN}/rooms/{{room_id}}"),
        ("post", f"{ADMIN}/broadcast"),
        ("get", f"{ADMIN}/audit-log"),
    } <= operations
