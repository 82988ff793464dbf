"""/api/v1/rooms/{id}/members: joining, adding, listing, role changes, leaving and kicks."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import User
from rooms.models import Membership, Room
from tests.factories import MembershipFactory, UserFactory, room_owned_by
from tests.helpers import API, as_user, assert_error, member_roles, my_rooms

pytestmark = pytest.mark.django_db

Role = Membership.Role


def members_url(room) -> str:
    return f"{API}/rooms/{room.pk}/members"


def member_url(room, user) -> str:
    return f"{API}/rooms/{room.pk}/members/{user.pk}"


def join(user, room):
    return as_user(user).post(members_url(room), {}, format="json")


def add(actor, room, user_id):
    return as_user(actor).post(members_url(room), {"user_id": user_id}, format="json")


def set_role(actor, room, user, role):
    return as_user(actor).patch(member_url(room, user), {"role": role}, format="json")


def remove(actor, room, user):
    return as_user(actor).delete(member_url(room, user))


def member(room, role=Role.MEMBER, **fields) -> User:
    return MembershipFactory(room=room, role=role, **fields).user


# Joining and adding


def test_joining_a_public_room_answers_201_then_200(owner, alice):
    room = room_owned_by(owner)

    first = join(alice, room)

    assert first.status_code == 201, first.content
    body = first.json()
    assert body["role"] == "member"
    assert body["user"]["id"] == alice.pk
    assert "email" not in body["user"]
    assert body["joined_at"]
    again = join(alice, room)
    assert again.status_code == 200, again.content
    assert again.json()["joined_at"] == body["joined_at"]
    assert member_roles(room) == {owner.pk: "owner", alice.pk: "member"}


def test_joining_with_my_own_user_id_is_joining(owner, alice):
    room = room_owned_by(owner)

    response = add(alice, room, alice.pk)

    assert response.status_code == 201, response.content
    assert room.pk in my_rooms(alice)


def test_a_private_room_cannot_be_joined_and_does_not_exist_for_outsiders(owner, alice):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)

    assert_error(join(alice, room), 404, "not_found")
    assert member_roles(room) == {owner.pk: "owner"}


def test_a_member_adds_someone_to_a_public_room(owner, alice, bob):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice)

    response = add(alice, room, bob.pk)

    assert response.status_code == 201, response.content
    assert response.json()["user"]["id"] == bob.pk
    assert response.json()["role"] == "member"
    assert add(alice, room, bob.pk).status_code == 200
    assert room.pk in my_rooms(bob)


def test_an_outsider_cannot_add_people_to_a_public_room(owner, alice, bob):
    room = room_owned_by(owner)

    assert_error(add(alice, room, bob.pk), 403, "permission_denied")
    assert bob.pk not in member_roles(room)


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 201), (Role.MODERATOR, 403), (Role.MEMBER, 403)]
)
def test_only_room_admins_add_people_to_a_private_room(owner, alice, bob, role, status):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)
    MembershipFactory(room=room, user=alice, role=role)

    response = add(alice, room, bob.pk)

    assert response.status_code == status, response.content
    assert (bob.pk in member_roles(room)) is (status == 201)
    if status == 403:
        assert_error(response, 403, "permission_denied")


def test_adding_an_unknown_user_is_not_found(owner):
    room = room_owned_by(owner)

    assert_error(add(owner, room, 987654), 404, "not_found")


def test_adding_needs_a_valid_user_id(owner):
    room = room_owned_by(owner)

    response = as_user(owner).post(members_url(room), {"user_id": "bob"}, format="json")

    assert "user_id" in assert_error(response, 400, "validation_error")["details"]


def test_the_member_list_shows_public_profiles_roles_and_join_times(owner, alice):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Role.MODERATOR)

    response = as_user(alice).get(members_url(room))

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert [(m["user"]["username"], m["role"]) for m in body["results"]] == [
        ("olivia", "owner"),
        ("alice", "moderator"),
    ]
    for item in body["results"]:
        assert set(item) == {"user", "role", "joined_at"}
        assert "email" not in item["user"]
        assert {"id", "username", "display_name", "avatar_url"} <= set(item["user"])


def test_the_member_list_is_paginated(owner):
    room = room_owned_by(owner)
    for _ in range(2):
        member(room)

    first = as_user(owner).get(f"{members_url(room)}?limit=2").json()
    assert len(first["results"]) == 2
    assert first["next"]
    second = as_user(owner).get(first["next"]).json()

    assert len(second["results"]) == 1
    assert second["next"] is None


# Roles


def test_the_owner_promotes_a_member_to_admin(owner, alice):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice)

    response = set_role(owner, room, alice, "admin")

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "admin"
    assert response.json()["user"]["id"] == alice.pk
    assert member_roles(room)[alice.pk] == "admin"


def test_a_room_admin_promotes_a_member_to_moderator_and_demotes_back(owner, alice, bob):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Role.ADMIN)
    MembershipFactory(room=room, user=bob)

    assert set_role(alice, room, bob, "moderator").status_code == 200
    assert member_roles(room)[bob.pk] == "moderator"
    assert set_role(alice, room, bob, "member").status_code == 200
    assert member_roles(room)[bob.pk] == "member"


@pytest.mark.parametrize("new_role", ["admin", "owner"])
def test_a_room_admin_cannot_promote_anyone_to_their_rank_or_above(owner, alice, bob, new_role):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Role.ADMIN)
    MembershipFactory(room=room, user=bob)

    assert_error(set_role(alice, room, bob, new_role), 403, "permission_denied")
    assert member_roles(room)[bob.pk] == "member"


def test_a_room_admin_cannot_demote_the_owner_or_another_admin(owner, alice, bob):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Role.ADMIN)
    MembershipFactory(room=room, user=bob, role=Role.ADMIN)

    assert_error(set_role(alice, room, owner, "member"), 403, "permission_denied")
    assert_error(set_role(alice, room, bob, "member"), 403, "permission_denied")
    assert member_roles(room) == {owner.pk: "owner", alice.pk: "admin", bob.pk: "admin"}


def test_nobody_changes_their_own_role(owner, alice):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Role.ADMIN)

    assert_error(set_role(alice, room, alice, "moderator"), 403, "permission_denied")
    assert_error(set_role(owner, room, owner, "admin"), 403, "permission_denied")
    assert member_roles(room) == {owner.pk: "owner", alice.pk: "admin"}


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.MEMBER])
def test_moderators_and_members_cannot_change_roles(owner, alice, bob, role):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=role)
    MembershipFactory(room=room, user=bob)

    assert_error(set_role(alice, room, bob, "moderator"), 403, "permission_denied")
    assert member_roles(room)[bob.pk] == "member"


def test_setting_a_role_without_the_right_is_refused_even_when_it_changes_nothing(
    owner, alice, bob
):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice)
    MembershipFactory(room=room, user=bob)

    assert_error(set_role(alice, room, bob, "member"), 403, "permission_denied")
    assert_error(set_role(alice, room, owner, "owner"), 403, "permission_denied")


def test_the_owner_hands_over_ownership_and_becomes_an_admin(owner, alice):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice, role=Role.MODERATOR)

    response = set_role(owner, room, alice, "owner")

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "owner"
    assert member_roles(room) == {owner.pk: "admin", alice.pk: "owner"}
    # The new owner now rules: the old one can be demoted, not the other way round.
    assert set_role(alice, room, owner, "member").status_code == 200
    assert_error(set_role(owner, room, alice, "member"), 403, "permission_denied")


def test_a_site_admin_acts_as_owner_in_a_private_room(owner, alice, site_admin):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)
    MembershipFactory(room=room, user=alice)

    assert set_role(site_admin, room, alice, "admin").status_code == 200
    assert member_roles(room)[alice.pk] == "admin"


@pytest.mark.parametrize("role", ["superuser", "", None, 3])
def test_an_unknown_role_is_a_validation_error(owner, alice, role):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice)

    error = assert_error(set_role(owner, room, alice, role), 400, "validation_error")

    assert "role" in error["details"]


def test_changing_the_role_of_a_non_member_is_not_found(owner, alice):
    room = room_owned_by(owner)

    assert_error(set_role(owner, room, alice, "moderator"), 404, "not_found")


# Leaving and kicking


def test_a_member_leaves_a_room(owner, alice):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)
    MembershipFactory(room=room, user=alice)

    response = remove(alice, room, alice)

    assert response.status_code == 204, response.content
    assert room.pk not in my_rooms(alice)
    assert member_roles(room) == {owner.pk: "owner"}
    # A private room disappears for those who left it.
    assert_error(as_user(alice).get(f"{API}/rooms/{room.pk}"), 404, "not_found")


def test_leaving_a_room_i_am_not_in_is_not_found(owner, alice):
    room = room_owned_by(owner)

    assert_error(remove(alice, room, alice), 404, "not_found")


@pytest.mark.parametrize(
    ("actor_role", "target_role", "status"),
    [
        (Role.MODERATOR, Role.MEMBER, 204),
        (Role.MODERATOR, Role.MODERATOR, 403),
        (Role.MODERATOR, Role.ADMIN, 403),
        (Role.MODERATOR, Role.OWNER, 403),
        (Role.ADMIN, Role.MODERATOR, 204),
        (Role.ADMIN, Role.ADMIN, 403),
        (Role.OWNER, Role.ADMIN, 204),
        (Role.MEMBER, Role.MEMBER, 403),
    ],
)
def test_room_moderators_and_above_kick_only_lower_ranks(
    owner, alice, bob, actor_role, target_role, status
):
    room = room_owned_by(owner)
    actor = owner if actor_role == Role.OWNER else alice
    target = owner if target_role == Role.OWNER else bob
    if actor is alice:
        MembershipFactory(room=room, user=alice, role=actor_role)
    if target is bob:
        MembershipFactory(room=room, user=bob, role=target_role)

    response = remove(actor, room, target)

    if status == 204:
        assert response.status_code == 204, response.content
        assert target.pk not in member_roles(room)
        assert room.pk not in my_rooms(target)
    else:
        assert_error(response, 403, "permission_denied")
        assert target.pk in member_roles(room)


def test_a_site_moderator_kicks_in_public_rooms_but_not_in_private_ones(owner, alice):
    moderator = UserFactory(role=User.Role.MODERATOR)
    public = room_owned_by(owner)
    private = room_owned_by(owner, type=Room.Type.PRIVATE)
    MembershipFactory(room=public, user=alice)
    MembershipFactory(room=private, user=alice)
    MembershipFactory(room=private, user=moderator)

    assert remove(moderator, public, alice).status_code == 204
    assert_error(remove(moderator, private, alice), 403, "permission_denied")
    assert alice.pk in member_roles(private)


def test_an_owner_who_leaves_hands_the_room_to_the_highest_ranked_longest_standing_member(
    owner, alice, bob
):
    room = room_owned_by(owner)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    carol = member(room, Role.MODERATOR, joined_at=start)
    MembershipFactory(room=room, user=bob, role=Role.ADMIN, joined_at=start.replace(day=3))
    MembershipFactory(room=room, user=alice, role=Role.ADMIN, joined_at=start.replace(day=2))

    response = remove(owner, room, owner)

    assert response.status_code == 204, response.content
    assert member_roles(room) == {alice.pk: "owner", bob.pk: "admin", carol.pk: "moderator"}


def test_an_owner_who_leaves_a_room_of_members_hands_it_to_the_earliest(owner, alice, bob):
    room = room_owned_by(owner)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    MembershipFactory(room=room, user=bob, joined_at=start.replace(day=2))
    MembershipFactory(room=room, user=alice, joined_at=start)

    assert remove(owner, room, owner).status_code == 204

    assert member_roles(room) == {alice.pk: "owner", bob.pk: "member"}
    assert my_rooms(alice)[room.pk]["role"] == "owner"


def test_a_kicked_member_of_a_private_room_loses_sight_of_it(owner, alice):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)
    MembershipFactory(room=room, user=alice)

    assert remove(owner, room, alice).status_code == 204

    assert_error(as_user(alice).get(f"{API}/rooms/{room.pk}/messages"), 404, "not_found")


def test_a_role_sent_when_joining_or_adding_is_ignored(owner, alice, bob):
    room = room_owned_by(owner)

    joined = as_user(alice).post(members_url(room), {"role": "owner"}, format="json")
    added = as_user(alice).post(
        members_url(room), {"user_id": bob.pk, "role": "admin"}, format="json"
    )

    assert joined.status_code == 201, joined.content
    assert added.status_code == 201, added.content
    assert member_roles(room) == {owner.pk: "owner", alice.pk: "member", bob.pk: "member"}
