"""Invitations: POST /rooms/{id}/invitations, GET /invitations, accept and decline."""

from __future__ import annotations

import pytest

from rooms.models import Membership, Room
from tests.factories import MembershipFactory, UserFactory, room_owned_by
from tests.helpers import API, as_user, assert_error, member_roles, my_rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(owner):
    return room_owned_by(owner, name="Inner circle", topic="plans", type=Room.Type.PRIVATE)


def invite(actor, room, user_id):
    return as_user(actor).post(
        f"{API}/rooms/{room.pk}/invitations", {"user_id": user_id}, format="json"
    )


def pending(user) -> list[dict]:
    response = as_user(user).get(f"{API}/invitations")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def accept(user, invitation_id):
    return as_user(user).post(f"{API}/invitations/{invitation_id}/accept", format="json")


def decline(user, invitation_id):
    return as_user(user).post(f"{API}/invitations/{invitation_id}/decline", format="json")


def test_inviting_answers_201_and_a_repeat_answers_the_same_invitation(owner, alice, room):
    first = invite(owner, room, alice.pk)

    assert first.status_code == 201, first.content
    invitation = first.json()
    assert invitation["status"] == "pending"
    assert invitation["room"] == {
        "id": room.pk,
        "name": "Inner circle",
        "type": "private",
        "topic": "plans",
    }
    assert invitation["inviter"]["id"] == owner.pk
    assert invitation["invitee"]["id"] == alice.pk
    assert "email" not in invitation["inviter"]
    assert "email" not in invitation["invitee"]
    again = invite(owner, room, alice.pk)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == invitation["id"]


def test_inviting_a_member_is_a_conflict(owner, alice, room):
    MembershipFactory(room=room, user=alice)

    assert_error(invite(owner, room, alice.pk), 409, "conflict")


def test_inviting_an_unknown_user_is_not_found(owner, room):
    assert_error(invite(owner, room, 987654), 404, "not_found")


def test_an_invitation_needs_a_user_id(owner, room):
    response = as_user(owner).post(f"{API}/rooms/{room.pk}/invitations", {}, format="json")

    assert "user_id" in assert_error(response, 400, "validation_error")["details"]


def test_i_see_only_my_pending_invitations(owner, alice, bob, room):
    mine = invite(owner, room, alice.pk).json()
    invite(owner, room, bob.pk)

    listed = pending(alice)

    assert [item["id"] for item in listed] == [mine["id"]]
    assert listed[0]["room"]["name"] == "Inner circle"
    assert pending(owner) == []


def test_accepting_makes_me_a_member_and_clears_the_invitation(owner, alice, room):
    invitation = invite(owner, room, alice.pk).json()

    response = accept(alice, invitation["id"])

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "member"
    assert response.json()["user"]["id"] == alice.pk
    assert member_roles(room) == {owner.pk: "owner", alice.pk: "member"}
    assert room.pk in my_rooms(alice)
    assert as_user(alice).get(f"{API}/rooms/{room.pk}").status_code == 200
    assert pending(alice) == []
    assert_error(accept(alice, invitation["id"]), 404, "not_found")


def test_declining_leaves_me_outside(owner, alice, room):
    invitation = invite(owner, room, alice.pk).json()

    response = decline(alice, invitation["id"])

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    assert response.json()["responded_at"] is not None
    assert pending(alice) == []
    assert_error(as_user(alice).get(f"{API}/rooms/{room.pk}"), 404, "not_found")
    assert_error(accept(alice, invitation["id"]), 404, "not_found")
    # After a decline, a new invitation can be sent.
    assert invite(owner, room, alice.pk).status_code == 201


def test_nobody_answers_someone_elses_invitation(owner, alice, bob, room):
    invitation = invite(owner, room, alice.pk).json()

    assert_error(accept(bob, invitation["id"]), 404, "not_found")
    assert_error(decline(bob, invitation["id"]), 404, "not_found")
    assert bob.pk not in member_roles(room)
    assert [item["id"] for item in pending(alice)] == [invitation["id"]]


def test_an_unknown_invitation_is_not_found(alice):
    assert_error(accept(alice, 987654), 404, "not_found")
    assert_error(decline(alice, 987654), 404, "not_found")


def test_an_invitation_into_a_room_archived_since_cannot_be_accepted(owner, alice, room):
    invitation = invite(owner, room, alice.pk).json()
    archived = as_user(owner).patch(f"{API}/rooms/{room.pk}", {"archived": True}, format="json")
    assert archived.status_code == 200, archived.content

    assert_error(accept(alice, invitation["id"]), 403, "permission_denied")
    assert alice.pk not in member_roles(room)


def test_a_member_of_a_public_room_invites_and_a_guest_cannot(owner, alice, bob):
    public = room_owned_by(owner)
    MembershipFactory(room=public, user=alice)
    guest = UserFactory(role="guest")
    MembershipFactory(room=public, user=guest)

    assert invite(alice, public, bob.pk).status_code == 201
    assert_error(invite(guest, public, UserFactory().pk), 403, "permission_denied")


def test_a_room_moderator_cannot_invite_into_a_private_room(owner, alice, bob, room):
    MembershipFactory(room=room, user=alice, role=Membership.Role.MODERATOR)

    assert_error(invite(alice, room, bob.pk), 403, "permission_denied")


def test_status_and_inviter_sent_with_an_invitation_are_ignored(owner, alice, bob, room):
    response = as_user(owner).post(
        f"{API}/rooms/{room.pk}/invitations",
        {"user_id": alice.pk, "status": "accepted", "inviter": bob.pk, "room": 1},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["inviter"]["id"] == owner.pk
    assert response.json()["room"]["id"] == room.pk
    assert alice.pk not in member_roles(room)
