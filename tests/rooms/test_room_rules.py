"""Every room input rule lives in rooms.services: a form or an admin action that calls
the service gets the same refusal, message and details, as the API answers."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from accounts.models import User
from lair.errors import NotFound, PermissionDenied, ValidationError
from rooms import services
from rooms.models import Invitation, Membership, Room
from tests.factories import InvitationFactory, MembershipFactory, UserFactory, room_owned_by
from tests.helpers import assert_error, client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return {"message": refused.value.message, "details": refused.value.details}


def api_refusal(response) -> dict:
    error = assert_error(response, 400, "validation_error")
    return {"message": error["message"], "details": error["details"]}


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "n" * 81},
        {"name": "   "},
        {"name": "general", "topic": "t" * 251},
        {"name": "general", "description": "d" * 1001},
        {"name": "general", "type": "direct"},
        {"name": "general", "type": "secret"},
    ],
    ids=["long-name", "blank-name", "long-topic", "long-description", "direct", "unknown-type"],
)
def test_creating_a_room_refuses_bad_input_in_the_service_as_in_the_api(owner, fields):
    body = {"type": "public", **fields}

    through_api = api_refusal(client_for(owner).post(f"{API}/rooms", body, format="json"))
    through_service = refusal(lambda: services.create_room(actor=owner, **body))

    assert through_service == through_api
    assert not Room.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [{"name": "n" * 81}, {"name": ""}, {"topic": "t" * 251}, {"description": "d" * 1001}],
    ids=["long-name", "blank-name", "long-topic", "long-description"],
)
def test_changing_a_room_refuses_bad_input_in_the_service_as_in_the_api(owner, changes):
    room = room_owned_by(owner, name="general")
    url = f"{API}/rooms/{room.pk}"

    through_api = api_refusal(client_for(owner).patch(url, changes, format="json"))
    through_service = refusal(lambda: services.update_room(actor=owner, room_id=room.pk, **changes))

    assert through_service == through_api
    room.refresh_from_db()
    assert (room.name, room.topic, room.description) == ("general", "", "")


def test_the_longest_names_and_texts_are_kept(owner):
    room = services.create_room(
        actor=owner, name="n" * 80, type="private", topic="t" * 250, description="d" * 1000
    )

    room.refresh_from_db()
    assert (len(room.name), len(room.topic), len(room.description)) == (80, 250, 1000)


def test_an_unknown_room_role_is_refused_in_the_service_as_in_the_api(owner, alice):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=alice)
    url = f"{API}/rooms/{room.pk}/members/{alice.pk}"

    through_api = api_refusal(client_for(owner).patch(url, {"role": "king"}, format="json"))
    through_service = refusal(
        lambda: services.change_member_role(
            actor=owner, room_id=room.pk, user_id=alice.pk, role="king"
        )
    )

    assert through_service == through_api
    assert Membership.objects.get(room=room, user=alice).role == Membership.Role.MEMBER


def test_archiving_takes_a_boolean_in_the_service_too(owner):
    room = room_owned_by(owner)

    refused = refusal(lambda: services.update_room(actor=owner, room_id=room.pk, archived="yes"))

    assert refused["details"] == {"archived": ["Must be true or false."]}
    room.refresh_from_db()
    assert room.archived_at is None


ARCHIVED = "This room is archived and read-only."


@pytest.fixture
def archived_room(owner):
    return room_owned_by(owner, archived_at=timezone.now())


def test_an_archived_room_cannot_be_joined_through_the_service(archived_room, alice):
    with pytest.raises(PermissionDenied, match=re.escape(ARCHIVED)):
        services.join_room(actor=alice, room_id=archived_room.pk)

    assert not Membership.objects.filter(room=archived_room, user=alice).exists()


def test_an_invitation_into_an_archived_room_cannot_be_accepted(archived_room, owner, alice):
    invitation = InvitationFactory(room=archived_room, inviter=owner, invitee=alice)

    with pytest.raises(PermissionDenied, match=re.escape(ARCHIVED)):
        services.accept_invitation(actor=alice, invitation_id=invitation.pk)

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not Membership.objects.filter(room=archived_room, user=alice).exists()


def test_an_archived_room_is_renamed_only_while_unarchiving_it(archived_room, owner):
    with pytest.raises(PermissionDenied, match=re.escape(ARCHIVED)):
        services.update_room(actor=owner, room_id=archived_room.pk, name="renamed")

    room = services.update_room(
        actor=owner, room_id=archived_room.pk, name="renamed", archived=False
    )

    room.refresh_from_db()
    assert (room.name, room.archived_at) == ("renamed", None)


def test_a_guest_cannot_create_rooms_add_people_or_open_direct_rooms_through_the_service(
    owner, guest, alice
):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=guest)

    with pytest.raises(PermissionDenied, match=re.escape("Guests cannot create rooms.")):
        services.create_room(actor=guest, name="mine", type="public")
    with pytest.raises(PermissionDenied, match=re.escape("You cannot add members to this room.")):
        services.join_or_add_member(actor=guest, room_id=room.pk, user_id=alice.pk)
    with pytest.raises(
        PermissionDenied, match=re.escape("Guests cannot open direct conversations.")
    ):
        services.get_or_create_direct_room(actor=guest, user_id=alice.pk)

    assert not Membership.objects.filter(room=room, user=alice).exists()
    assert Room.objects.count() == 1
    assert not Room.objects.filter(type=Room.Type.DIRECT).exists()


@pytest.mark.parametrize("how", ["no user", "oneself"])
def test_making_oneself_a_member_is_a_join(owner, alice, how):
    room = room_owned_by(owner)
    user_id = None if how == "no user" else alice.pk

    membership, created = services.join_or_add_member(actor=alice, room_id=room.pk, user_id=user_id)
    again, created_again = services.join_or_add_member(
        actor=alice, room_id=room.pk, user_id=user_id
    )

    assert (membership.user, membership.role, created) == (alice, Membership.Role.MEMBER, True)
    assert (again.pk, created_again) == (membership.pk, False)


def test_making_someone_else_a_member_is_an_add(owner, alice):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)

    membership, created = services.join_or_add_member(
        actor=owner, room_id=room.pk, user_id=alice.pk
    )

    assert (membership.user, created) == (alice, True)
    assert Membership.objects.filter(room=room, user=alice).exists()


def test_a_private_room_cannot_be_joined_by_asking_for_oneself(owner, alice):
    room = room_owned_by(owner, type=Room.Type.PRIVATE)

    with pytest.raises(NotFound):
        services.join_or_add_member(actor=alice, room_id=room.pk, user_id=alice.pk)

    assert not Membership.objects.filter(room=room, user=alice).exists()


@pytest.mark.parametrize("action", ["add", "invite"])
def test_a_deleted_user_cannot_be_added_or_invited(owner, action):
    room = room_owned_by(owner)
    gone = UserFactory(is_active=False, role=User.Role.USER)
    call = services.add_member if action == "add" else services.invite

    with pytest.raises(NotFound, match=re.escape("User not found.")):
        call(actor=owner, room_id=room.pk, user_id=gone.pk)

    assert not Membership.objects.filter(room=room, user=gone).exists()
    assert not Invitation.objects.filter(room=room, invitee=gone).exists()
