"""GET /admin/stats: the site's figures, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from rooms.models import Room
from tests.factories import (
    PASSWORD,
    DeviceSessionFactory,
    MessageFactory,
    RoomFactory,
    UserFactory,
    room_owned_by,
)
from tests.helpers import API, client_for

pytestmark = pytest.mark.django_db
STATS = f"{API}/admin/stats"


def test_stats_count_users_rooms_messages_and_sessions(site_admin, alice, bob):
    alice.last_login = timezone.now() - timedelta(hours=1)
    alice.save(update_fields=["last_login"])
    bob.last_login = timezone.now() - timedelta(days=3)
    bob.save(update_fields=["last_login"])
    UserFactory(is_suspended=True)
    UserFactory(is_active=False)  # deactivated: not counted
    general = room_owned_by(alice)
    room_owned_by(alice, archived_at=timezone.now())
    room_owned_by(alice, type=Room.Type.PRIVATE)
    RoomFactory(type=Room.Type.DIRECT, direct_key=f"{alice.pk}:{bob.pk}")
    MessageFactory(room=general, author=alice)
    MessageFactory(room=general, author=bob)
    MessageFactory(room=general, author=bob, created_at=timezone.now() - timedelta(days=2))
    DeviceSessionFactory(user=alice)
    long_ago = timezone.now() - timedelta(days=3)
    DeviceSessionFactory(user=bob, last_seen_at=long_ago)
    DeviceSessionFactory(user=bob, last_seen_at=long_ago, revoked_at=long_ago)
    DeviceSessionFactory(user=bob, last_seen_at=long_ago, expires_at=long_ago)

    response = client_for(site_admin).get(STATS)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "users": {"total": 4, "active_24h": 1, "online": 0, "suspended": 1},
        "rooms": {"total": 4, "public": 2, "private": 1, "direct": 1, "archived": 1},
        "messages": {"total": 3, "last_24h": 2},
        "sessions": {"active": 2},
        "websocket": {"connections": 0},
    }


def test_a_user_who_signed_in_over_the_api_or_went_offline_today_is_active(
    site_admin, alice, bob, carol
):
    response = APIClient().post(
        f"{API}/auth/login", {"username": alice.username, "password": PASSWORD}, format="json"
    )
    User.objects.filter(pk=bob.pk).update(last_seen=timezone.now() - timedelta(hours=2))
    User.objects.filter(pk=carol.pk).update(last_seen=timezone.now() - timedelta(days=2))

    users = client_for(site_admin).get(STATS).json()["users"]

    assert response.status_code == 200, response.content
    assert users["active_24h"] == 2  # alice (signed in), bob (seen 2 h ago); not carol


def _fill(rooms: int) -> None:
    owner = UserFactory()
    for n in range(rooms):
        room = room_owned_by(owner, type=Room.Type.PRIVATE if n % 3 else Room.Type.PUBLIC)
        MessageFactory(room=room, author=UserFactory())
        DeviceSessionFactory(user=owner)


@pytest.mark.parametrize("rooms", [3, 30])
def test_stats_take_the_same_four_queries_however_big_the_site(
    rooms, site_admin, django_assert_num_queries
):
    # One aggregate each for users, rooms, messages and sessions; who is
    # connected comes from the cache.
    _fill(rooms)
    client = client_for(site_admin)
    with django_assert_num_queries(4):
        response = client.get(STATS)
    assert response.json()["rooms"]["total"] == rooms


def test_a_moderator_reads_the_stats(db):
    moderator = UserFactory(role=User.Role.MODERATOR)
    assert client_for(moderator).get(STATS).status_code == 200
