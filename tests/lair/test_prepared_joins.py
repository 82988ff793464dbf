"""The fixed-SQL joined lookups return what the ORM's select_related would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lair.prepared_joins import JoinedLookup
from rooms.models import Membership
from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_session_and_its_user_equal_the_orm_in_one_query(django_assert_num_queries):
    user = UserFactory(is_suspended=False, status_text="hé <b>", last_seen=timezone.now())
    session = DeviceSessionFactory(
        user=user, ip="2001:db8::1", revoked_at=timezone.now() - timedelta(hours=1)
    )
    expected = DeviceSession.objects.select_related("user").get(pk=session.pk)
    lookup = JoinedLookup(DeviceSession, "user", "a.id = %s AND a.user_id = %s")
    with django_assert_num_queries(1):
        found = lookup.get(session.pk, user.pk)
        found_user = found.user
    assert field_values(found) == field_values(expected)
    assert field_values(found_user) == field_values(expected.user)
    assert found.revoked_at.tzinfo is not None
    assert found_user.is_active is True
    assert not found._state.adding
    assert found_user._state.db == "default"


def test_no_row_is_none():
    user = UserFactory()
    session = DeviceSessionFactory(user=user)
    lookup = JoinedLookup(DeviceSession, "user", "a.id = %s AND a.user_id = %s")
    assert lookup.get(session.pk, user.pk + 1000) is None


def test_a_membership_comes_with_its_room():
    from tests.helpers import client_for

    owner = UserFactory()
    room = client_for(owner).post("/api/v1/rooms", {"name": "joined"}, format="json").json()
    lookup = JoinedLookup(Membership, "room", "a.room_id = %s AND a.user_id = %s")
    found = lookup.get(room["id"], owner.pk)
    expected = Membership.objects.select_related("room").get(room_id=room["id"], user=owner)
    assert field_values(found) == field_values(expected)
    assert field_values(found.room) == field_values(expected.room)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/rooms/99999999999999999999999",
        "/api/v1/rooms/99999999999999999999999/messages",
        "/api/v1/rooms/99999999999999999999999/members",
    ],
)
def test_a_room_id_past_64_bits_is_not_found(path):
    from tests.helpers import client_for

    response = client_for(UserFactory()).get(path)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
