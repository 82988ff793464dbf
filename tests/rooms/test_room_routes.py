"""Every rooms API path answers with and without a trailing slash, POST included."""

from __future__ import annotations

import pytest

from rooms.models import Membership, Room
from tests.factories import InvitationFactory, MembershipFactory, room_owned_by
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_room_paths_answer_with_and_without_a_trailing_slash(owner, alice, bob, slash):
    room = room_owned_by(owner)
    MembershipFactory(room=room, user=bob)
    invitation = InvitationFactory(room=room_owned_by(owner), inviter=owner, invitee=alice)
    other = InvitationFactory(room=room_owned_by(owner), inviter=owner, invitee=alice)
    me, them = client_for(alice), client_for(owner)
    base = f"{API}/rooms/{room.pk}"

    answers = [
        me.get(f"{API}/rooms/search{slash}", {"q": ""}).status_code,
        me.post(f"{API}/rooms/direct{slash}", {"user_id": bob.pk}, format="json").status_code,
        me.get(f"{base}{slash}").status_code,
        them.patch(f"{base}{slash}", {"topic": "news"}, format="json").status_code,
        me.get(f"{base}/members{slash}").status_code,
        me.post(f"{base}/members{slash}", {}, format="json").status_code,
        them.patch(
            f"{base}/members/{bob.pk}{slash}", {"role": "moderator"}, format="json"
        ).status_code,
        me.delete(f"{base}/members/{alice.pk}{slash}").status_code,
        them.post(f"{base}/invitations{slash}", {"user_id": alice.pk}, format="json").status_code,
        me.get(f"{API}/invitations{slash}").status_code,
        me.post(f"{API}/invitations/{invitation.pk}/accept{slash}").status_code,
        me.post(f"{API}/invitations/{other.pk}/decline{slash}").status_code,
    ]

    assert answers == [200, 201, 200, 200, 200, 201, 200, 204, 201, 200, 200, 200]
    room.refresh_from_db()
    assert room.topic == "news"
    assert Membership.objects.get(room=room, user=bob).role == Membership.Role.MODERATOR
    assert Room.objects.filter(type=Room.Type.DIRECT).count() == 1


def test_a_room_path_with_an_unknown_method_is_405(owner):
    room = room_owned_by(owner)

    response = client_for(owner).put(f"{API}/rooms/{room.pk}", {"name": "x"}, format="json")

    assert response.status_code == 405, response.content
    assert response.json()["error"]["code"] == "method_not_allowed"
    room.refresh_from_db()
    assert room.name != "x"
