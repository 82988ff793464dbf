"""What archiving, deleting rooms and kicking members write to the audit log.

Each act over the API writes exactly one entry with the client's IP; a
refused act (permission denied) writes none, and so does leaving a room.
"""

from __future__ import annotations

import pytest

from lair.models import AuditEntry
from rooms.models import Membership, Room
from tests.factories import MembershipFactory, UserFactory, room_owned_by
from tests.helpers import API, as_user, assert_error

pytestmark = pytest.mark.django_db

CLIENT_IP = "198.51.100.31"
Role = Membership.Role


def entries() -> list[tuple]:
    """Every entry as (action, actor id, target type, target id, ip, details), oldest first."""
    return [
        (e.action, e.actor_id, e.target_type, e.target_id, e.ip, e.details)
        for e in AuditEntry.objects.order_by("id")
    ]


def patch_room(actor, room, **changes):
    return as_user(actor).patch(
        f"{API}/rooms/{room.pk}", changes, format="json", REMOTE_ADDR=CLIENT_IP
    )


def kick(actor, room, user, query: str = ""):
    return as_user(actor).delete(
        f"{API}/rooms/{room.pk}/members/{user.pk}{query}", REMOTE_ADDR=CLIENT_IP
    )


@pytest.fixture
def room(owner):
    return room_owned_by(owner, type=Room.Type.PUBLIC, name="general")


@pytest.fixture
def member(room):
    return MembershipFactory(room=room, role=Role.MEMBER, user=UserFactory(username="troll")).user


@pytest.fixture
def moderator(room):
    return MembershipFactory(room=room, role=Role.MODERATOR).user


def test_archiving_and_unarchiving_record_one_entry_each(owner, room):
    assert patch_room(owner, room, archived=True).status_code == 200
    assert patch_room(owner, room, archived=True).status_code == 200  # already archived
    assert patch_room(owner, room, archived=False).status_code == 200

    target = ("room", str(room.pk))
    assert entries() == [
        ("room.archived", owner.pk, *target, CLIENT_IP, {"name": "general"}),
        ("room.unarchived", owner.pk, *target, CLIENT_IP, {"name": "general"}),
    ]


def test_changing_only_the_topic_records_nothing(owner, room):
    assert patch_room(owner, room, topic="news").status_code == 200

    assert entries() == []


def test_a_member_who_may_not_archive_records_nothing(room, member):
    assert_error(patch_room(member, room, archived=True), 403, "permission_denied")

    assert entries() == []


def test_deleting_a_room_records_room_deleted_with_its_name(owner, room):
    room_id = room.pk

    response = as_user(owner).delete(f"{API}/rooms/{room_id}", REMOTE_ADDR=CLIENT_IP)

    assert response.status_code == 204
    assert not Room.objects.filter(pk=room_id).exists()
    assert entries() == [
        (
            "room.deleted",
            owner.pk,
            "room",
            str(room_id),
            CLIENT_IP,
            {"name": "general", "type": "public"},
        )
    ]


def test_a_member_who_may_not_delete_the_room_records_nothing(room, member):
    assert_error(as_user(member).delete(f"{API}/rooms/{room.pk}"), 403, "permission_denied")

    assert entries() == []


@pytest.mark.parametrize(("query", "ban"), [("", False), ("?ban=true", True)])
def test_a_kick_records_member_kicked_with_the_ban(moderator, room, member, query, ban):
    assert kick(moderator, room, member, query).status_code == 204

    assert entries() == [
        (
            "member.kicked",
            moderator.pk,
            "user",
            str(member.pk),
            CLIENT_IP,
            {"room_id": room.pk, "ban": ban},
        )
    ]


def test_a_refused_kick_records_nothing(room, member, moderator):
    assert_error(kick(member, room, moderator), 403, "permission_denied")

    assert entries() == []


def test_leaving_a_room_records_nothing(room, member):
    assert kick(member, room, member).status_code == 204

    assert entries() == []
