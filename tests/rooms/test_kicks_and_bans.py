"""A kicked member stops acting in the room; a kick may carry a rejoin ban (as in Synapse).

DELETE /rooms/{id}/members/{user_id}?ban=true: moderator+ only. A banned user
cannot join, be added or accept an invitation until a room admin+ adds them
back, which lifts the ban.
"""

from __future__ import annotations

import pytest

from rooms.models import Membership, Room, RoomBan
from tests.factories import MembershipFactory, UserFactory, room_owned_by
from tests.helpers import API, as_user, assert_error, posted

pytestmark = pytest.mark.django_db

Role = Membership.Role


def kick(actor, room, user, ban: str | None = None):
    query = f"?ban={ban}" if ban is not None else ""
    return as_user(actor).delete(f"{API}/rooms/{room.pk}/members/{user.pk}{query}")


def join(user, room):
    return as_user(user).post(f"{API}/rooms/{room.pk}/members", {}, format="json")


def add(actor, room, user):
    return as_user(actor).post(f"{API}/rooms/{room.pk}/members", {"user_id": user.pk}, "json")


def invite(actor, room, user):
    return as_user(actor).post(f"{API}/rooms/{room.pk}/invitations", {"user_id": user.pk}, "json")


def accept(user, invitation_id):
    return as_user(user).post(f"{API}/invitations/{invitation_id}/accept")


@pytest.fixture
def room(owner):
    return room_owned_by(owner, type=Room.Type.PUBLIC)


@pytest.fixture
def moderator(room):
    return MembershipFactory(room=room, role=Role.MODERATOR).user


@pytest.fixture
def admin(room):
    return MembershipFactory(room=room, role=Role.ADMIN).user


@pytest.fixture
def troll(room):
    return MembershipFactory(room=room, role=Role.MEMBER, user=UserFactory(username="troll")).user


# --- a kicked member stops acting --------------------------------------------------


def test_a_kicked_member_cannot_edit_old_messages_in_a_public_room(owner, room, troll):
    message = posted(troll, room, "original")
    assert kick(owner, room, troll).status_code == 204

    response = as_user(troll).patch(
        f"{API}/messages/{message['id']}", {"content": "vandal"}, "json"
    )

    assert_error(response, 403, "permission_denied")
    assert as_user(owner).get(f"{API}/messages/{message['id']}").json()["content"] == "original"


def test_a_kicked_member_still_sees_their_own_messages_in_a_public_room(owner, room, troll):
    message = posted(troll, room, "mine")
    kick(owner, room, troll)

    assert as_user(troll).get(f"{API}/messages/{message['id']}").status_code == 200


def test_a_kicked_member_cannot_react_any_more(owner, room, troll):
    message = posted(owner, room, "react")
    kick(owner, room, troll)

    response = as_user(troll).post(
        f"{API}/messages/{message['id']}/reactions", {"emoji": "👍"}, "json"
    )

    assert_error(response, 403, "permission_denied")


def test_a_member_who_left_cannot_edit_there_either(owner, room, troll):
    message = posted(troll, room, "original")
    assert kick(troll, room, troll).status_code == 204

    response = as_user(troll).patch(f"{API}/messages/{message['id']}", {"content": "x"}, "json")

    assert_error(response, 403, "permission_denied")


def test_a_plain_kick_lets_the_member_rejoin(owner, room, troll):
    kick(owner, room, troll)

    assert join(troll, room).status_code == 201


# --- bans -----------------------------------------------------------------------------


def test_a_kick_with_ban_keeps_the_user_from_rejoining(moderator, room, troll):
    assert kick(moderator, room, troll, ban="true").status_code == 204

    error = assert_error(join(troll, room), 403, "permission_denied")

    assert "banned" in error["message"]
    assert not Membership.objects.filter(room=room, user=troll).exists()


def test_a_banned_user_cannot_be_added_by_a_member(owner, room, troll):
    friend = MembershipFactory(room=room, role=Role.MEMBER).user
    kick(owner, room, troll, ban="true")

    assert_error(add(friend, room, troll), 403, "permission_denied")
    assert not Membership.objects.filter(room=room, user=troll).exists()


def test_a_banned_user_cannot_accept_an_invitation(owner, room, troll):
    friend = MembershipFactory(room=room, role=Role.MEMBER).user
    kick(owner, room, troll, ban="true")
    # The invitation is made (it says nothing of the ban); accepting it is refused.
    response = invite(friend, room, troll)
    assert response.status_code == 201, response.content
    assert_error(accept(troll, response.json()["id"]), 403, "permission_denied")

    assert not Membership.objects.filter(room=room, user=troll).exists()


def test_an_invitation_sent_before_the_ban_cannot_be_accepted(owner, room, troll):
    private = room_owned_by(owner, type=Room.Type.PRIVATE)
    MembershipFactory(room=private, user=troll)
    kick(owner, private, troll, ban="true")
    RoomBan.objects.filter(room=private, user=troll).delete()
    invitation = invite(owner, private, troll).json()
    RoomBan.objects.create(room=private, user=troll, banned_by=owner)

    assert_error(accept(troll, invitation["id"]), 403, "permission_denied")


def test_a_room_admin_adding_the_user_back_lifts_the_ban(admin, room, troll):
    kick(admin, room, troll, ban="true")

    assert add(admin, room, troll).status_code == 201

    assert not RoomBan.objects.filter(room=room, user=troll).exists()
    kick(troll, room, troll)
    assert join(troll, room).status_code == 201


def test_a_moderator_cannot_lift_a_ban_by_adding(moderator, room, troll):
    kick(moderator, room, troll, ban="true")

    assert_error(add(moderator, room, troll), 403, "permission_denied")
    assert RoomBan.objects.filter(room=room, user=troll).exists()


def test_a_plain_member_cannot_ban(room, troll):
    member = MembershipFactory(room=room, role=Role.MEMBER).user

    assert_error(kick(member, room, troll, ban="true"), 403, "permission_denied")
    assert not RoomBan.objects.exists()


def test_a_ban_is_only_for_others(owner, room, troll):
    assert_error(kick(troll, room, troll, ban="true"), 400, "validation_error")
    assert Membership.objects.filter(room=room, user=troll).exists()


@pytest.mark.parametrize("value", ["maybe", "2", ""])
def test_a_ban_flag_that_is_not_a_boolean_is_a_validation_error(owner, room, troll, value):
    assert_error(kick(owner, room, troll, ban=value), 400, "validation_error")
    assert Membership.objects.filter(room=room, user=troll).exists()


def test_ban_false_is_a_plain_kick(owner, room, troll):
    assert kick(owner, room, troll, ban="false").status_code == 204

    assert join(troll, room).status_code == 201


def test_the_ban_parameter_is_in_the_schema(api):
    schema = api.get(f"{API}/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/rooms/{room_id}/members/{user_id}"]["delete"]

    names = {p["name"]: p for p in operation["parameters"]}
    assert names["ban"]["in"] == "query"
    assert names["ban"]["schema"]["type"] == "boolean"
