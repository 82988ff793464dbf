"""One room shape: the REST answer, an invitation's room and the room.updated event agree."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from rooms import payloads
from rooms.models import Room
from tests.factories import InvitationFactory, UserFactory, room_owned_by
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def room(owner):
    return room_owned_by(
        owner,
        name="general",
        topic="news",
        description="about",
        type=Room.Type.PRIVATE,
        archived_at=timezone.now(),
    )


def test_the_shared_room_fields_are_pinned():
    assert payloads.ROOM_SHAPE_FIELDS == (
        "id",
        "name",
        "description",
        "topic",
        "type",
        "archived",
    )
    assert set(payloads.INVITATION_ROOM_FIELDS) <= set(payloads.ROOM_SHAPE_FIELDS)


def test_the_rest_answer_carries_the_shared_room_fields(owner, room):
    answer = client_for(owner).get(f"{API}/rooms/{room.pk}").json()

    assert {name: answer[name] for name in payloads.ROOM_SHAPE_FIELDS} == {
        "id": room.pk,
        "name": "general",
        "description": "about",
        "topic": "news",
        "type": "private",
        "archived": True,
    }
    assert payloads.room_shape(room) == {name: answer[name] for name in payloads.ROOM_SHAPE_FIELDS}


def test_an_invitation_shows_its_room_in_the_shared_shape_without_the_description(owner, room):
    invitee = UserFactory()
    InvitationFactory(room=room, inviter=owner, invitee=invitee)

    [invitation] = client_for(invitee).get(f"{API}/invitations").json()["results"]

    assert invitation["room"] == {
        "id": room.pk,
        "name": "general",
        "type": "private",
        "topic": "news",
    }
    assert invitation["room"] == payloads.invitation_room(room)


@pytest.mark.django_db(transaction=True)
def test_the_room_updated_event_carries_the_shared_room_shape(owner):
    from realtime.models import Event
    from rooms import services

    room = room_owned_by(owner, name="general")

    services.update_room(actor=owner, room_id=room.pk, topic="news")

    event = Event.objects.filter(room_id=room.pk, type="room.updated").latest("id")
    room.refresh_from_db()
    assert json.loads(event.payload)["room"] == payloads.room_shape(room)
    assert json.loads(event.payload)["room"]["topic"] == "news"
