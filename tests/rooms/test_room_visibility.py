"""Who sees a room: the SQL rule (Room.objects.readable_by) and the Python rule
(RoomAccess.can_see, behind every room endpoint) give the same answer in every cell."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import User
from lair.errors import NotFound
from rooms.models import Membership, Room
from rooms.permissions import RoomAccess, visible_room
from tests.factories import MembershipFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = {
    "user": {"role": User.Role.USER},
    "guest": {"role": User.Role.GUEST},
    "site moderator": {"role": User.Role.MODERATOR},
    "site admin": {"role": User.Role.ADMIN},
    "superuser": {"role": User.Role.USER, "is_superuser": True},
    "suspended": {"role": User.Role.USER, "is_suspended": True},
}
ROOMS = {
    "public": {"type": Room.Type.PUBLIC},
    "private": {"type": Room.Type.PRIVATE},
    "direct": {"type": Room.Type.DIRECT},
    "archived public": {"type": Room.Type.PUBLIC, "archived_at": timezone.now()},
    "archived private": {"type": Room.Type.PRIVATE, "archived_at": timezone.now()},
}


def expected(person: str, room: str, member: bool) -> bool:
    """The rule as rooms/permissions.py states it."""
    if member or room.endswith("public"):
        return True
    return room.endswith("private") and person in ("site admin", "superuser")


CELLS = [(person, room, member) for person in PEOPLE for room in ROOMS for member in (True, False)]


@pytest.mark.parametrize(
    ("person", "room", "member"),
    CELLS,
    ids=[f"{p}-{r}-{'member' if m else 'outsider'}" for p, r, m in CELLS],
)
def test_sql_and_python_agree_on_who_sees_a_room(person, room, member):
    user = UserFactory(**PEOPLE[person])
    target = RoomFactory(**ROOMS[room])
    MembershipFactory(room=target, user=UserFactory())  # never empty
    membership = MembershipFactory(room=target, user=user) if member else None

    in_sql = Room.objects.readable_by(user).filter(pk=target.pk).exists()
    in_python = RoomAccess(user=user, room=target, membership=membership).can_see

    assert in_sql == in_python == expected(person, room, member)
    try:
        visible_room(user, target.pk)
        through_endpoints = True
    except NotFound:
        through_endpoints = False
    assert through_endpoints == in_python


def test_readable_by_lists_each_room_once_whatever_its_member_count():
    admin = UserFactory(role=User.Role.ADMIN)
    room = RoomFactory(type=Room.Type.PRIVATE)
    for role in (Membership.Role.MEMBER, Membership.Role.ADMIN):
        MembershipFactory(room=room, user=UserFactory(), role=role)
    MembershipFactory(room=room, user=admin)

    assert list(Room.objects.readable_by(admin)) == [room]
