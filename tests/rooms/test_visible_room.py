"""rooms.permissions.visible_room: who sees a room, and in how many queries."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from lair.errors import NotFound, PermissionDenied
from rooms.models import Membership, Room
from rooms.permissions import require_can_post, visible_room
from tests.factories import MembershipFactory, RoomFactory, UserFactory, room_owned_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin():
    return UserFactory(role=User.Role.ADMIN)


def test_a_member_gets_room_and_membership_in_one_query(alice, bob, django_assert_num_queries):
    room = room_owned_by(alice, type=Room.Type.PRIVATE)
    MembershipFactory(room=room, user=bob, role=Membership.Role.MODERATOR)

    with django_assert_num_queries(1):
        access = visible_room(bob, room.pk)
        assert access.room.name == room.name
        assert access.membership.room is access.room

    assert access.room == room
    assert access.role == Membership.Role.MODERATOR
    assert access.can_moderate
    require_can_post(access)


def test_a_non_member_sees_a_public_room_in_two_queries(alice, bob, django_assert_num_queries):
    room = room_owned_by(alice)

    with django_assert_num_queries(2):
        access = visible_room(bob, room.pk)

    assert access.room == room
    assert access.membership is None
    assert not access.is_member
    with pytest.raises(PermissionDenied):
        require_can_post(access)


@pytest.mark.parametrize("kind", [Room.Type.PRIVATE, Room.Type.DIRECT])
def test_outsiders_of_private_and_direct_rooms_get_404(alice, bob, kind):
    room = room_owned_by(alice, type=kind)

    with pytest.raises(NotFound):
        visible_room(bob, room.pk)
    with pytest.raises(NotFound), transaction.atomic():
        visible_room(bob, room.pk, for_update=True)


def test_an_unknown_room_is_404(alice):
    with pytest.raises(NotFound):
        visible_room(alice, 987654)
    with pytest.raises(NotFound), transaction.atomic():
        visible_room(alice, 987654, for_update=True)


def test_a_site_admin_sees_private_rooms_as_owner_but_not_direct_ones(alice, site_admin):
    private = room_owned_by(alice, type=Room.Type.PRIVATE)
    direct = RoomFactory(type=Room.Type.DIRECT)
    MembershipFactory(room=direct, user=alice)

    access = visible_room(site_admin, private.pk)

    assert access.membership is None
    assert access.role is None
    assert access.can_administer
    assert access.can_delete_room
    with pytest.raises(NotFound):
        visible_room(site_admin, direct.pk)


def test_a_site_admin_member_keeps_the_owner_rank(alice, site_admin):
    room = room_owned_by(alice, type=Room.Type.PRIVATE)
    MembershipFactory(room=room, user=site_admin)

    access = visible_room(site_admin, room.pk)

    assert access.role == Membership.Role.MEMBER
    assert access.can_administer


def test_a_direct_room_member_sees_it(alice, bob):
    direct = RoomFactory(type=Room.Type.DIRECT)
    MembershipFactory(room=direct, user=alice)
    MembershipFactory(room=direct, user=bob)

    access = visible_room(bob, direct.pk)

    assert access.is_member
    require_can_post(access)
    assert not access.can_administer


def test_for_update_locks_the_room_alone_then_reads_the_membership(alice, bob):
    room = room_owned_by(alice)
    MembershipFactory(room=room, user=bob, role=Membership.Role.ADMIN)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        access = visible_room(bob, room.pk, for_update=True)

    sql = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert access.room == room
    assert access.role == Membership.Role.ADMIN
    assert len(sql) == 2, sql
    assert "rooms_membership" not in sql[0]
    if connection.features.has_select_for_update:
        assert sql[0].rstrip().endswith("FOR UPDATE"), sql[0]
    assert "FOR UPDATE" not in sql[1]
