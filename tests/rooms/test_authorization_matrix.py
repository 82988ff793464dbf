"""Who gets what from every endpoint that takes a room id, in a public and a private room.

The table follows API.md (Rooms) and the rules at the top of rooms/permissions.py:

- a private room does not exist (404) for those outside it, guests and site
  moderators alike; site admins see every public and private room and act
  as its owner; site moderators act as a room moderator in public rooms;
- public rooms are readable by every signed-in user; acting in them needs a
  membership (posting, the read marker) or a room role (PATCH: room admin+;
  DELETE: owner or site admin; role changes: room admin+; kicks: room
  moderator+ on lower ranks);
- guests read and may join public rooms but never post or invite;
- inviting into a private room takes a room admin, into a public room any
  (non-guest) member; joining with ``{}`` works in public rooms only.

Posting and the read marker need a membership: a site admin who is not a
member reads, but does not post or keep a read marker.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from rooms.models import Membership, Room
from tests.factories import MembershipFactory, UserFactory, room_owned_by
from tests.helpers import API, as_user, assert_error, assert_status

ACTORS = (  # the columns of the tables below
    "outsider",
    "guest",
    "site_moderator",
    "site_admin",
    "member",
    "moderator",
    "admin",
    "owner",
)


@dataclass
class Scene:
    room: Room
    actors: dict[str, User]
    target: User  # a plain member: the one whose role changes or who is kicked
    invitee: User  # a user outside the room
    message_id: int


def build_scene(room_type: str) -> Scene:
    owner = UserFactory(username="owner")
    room = room_owned_by(owner, type=room_type)
    in_room = {
        role: MembershipFactory(room=room, user__username=role, role=role).user
        for role in (Membership.Role.MEMBER, Membership.Role.MODERATOR, Membership.Role.ADMIN)
    }
    target = MembershipFactory(room=room, user__username="target").user
    response = as_user(owner).post(
        f"{API}/rooms/{room.pk}/messages", {"content": "first"}, format="json"
    )
    assert response.status_code == 201, response.content
    return Scene(
        room=room,
        actors={
            "outsider": UserFactory(username="outsider"),
            "guest": UserFactory(username="guest", role=User.Role.GUEST),
            "site_moderator": UserFactory(username="site_mod", role=User.Role.MODERATOR),
            "site_admin": UserFactory(username="site_admin", role=User.Role.ADMIN),
            **in_room,
            "owner": owner,
        },
        target=target,
        invitee=UserFactory(username="invitee"),
        message_id=response.json()["id"],
    )


# endpoint -> (method, path under /rooms/{id}, body builder)
ENDPOINTS = {
    "get room": ("get", "", None),
    "patch room": ("patch", "", lambda s: {"topic": "changed"}),
    "delete room": ("delete", "", None),
    "list members": ("get", "/members", None),
    "join": ("post", "/members", lambda s: {}),
    "set role": ("patch", "/members/{target}", lambda s: {"role": "moderator"}),
    "kick": ("delete", "/members/{target}", None),
    "invite": ("post", "/invitations", lambda s: {"user_id": s.invitee.pk}),
    "mark read": ("post", "/read", lambda s: {"message_id": s.message_id}),
    "read messages": ("get", "/messages", None),
    "post message": ("post", "/messages", lambda s: {"content": "hello"}),
}

# Columns: outsider, guest, site moderator, site admin (none of them in the room),
# then the room's member, moderator, admin and owner.
# fmt: off
PUBLIC = {
    "get room":      (200, 200, 200, 200, 200, 200, 200, 200),
    "patch room":    (403, 403, 403, 200, 403, 403, 200, 200),
    "delete room":   (403, 403, 403, 204, 403, 403, 403, 204),
    "list members":  (200, 200, 200, 200, 200, 200, 200, 200),
    "join":          (201, 201, 201, 201, 200, 200, 200, 200),
    "set role":      (403, 403, 403, 200, 403, 403, 200, 200),
    "kick":          (403, 403, 204, 204, 403, 204, 204, 204),
    "invite":        (403, 403, 403, 201, 201, 201, 201, 201),
    "mark read":     (403, 403, 403, 403, 200, 200, 200, 200),
    "read messages": (200, 200, 200, 200, 200, 200, 200, 200),
    "post message":  (403, 403, 403, 403, 201, 201, 201, 201),
}
PRIVATE = {
    "get room":      (404, 404, 404, 200, 200, 200, 200, 200),
    "patch room":    (404, 404, 404, 200, 403, 403, 200, 200),
    "delete room":   (404, 404, 404, 204, 403, 403, 403, 204),
    "list members":  (404, 404, 404, 200, 200, 200, 200, 200),
    "join":          (404, 404, 404, 403, 200, 200, 200, 200),
    "set role":      (404, 404, 404, 200, 403, 403, 200, 200),
    "kick":          (404, 404, 404, 204, 403, 204, 204, 204),
    "invite":        (404, 404, 404, 201, 403, 403, 201, 201),
    "mark read":     (404, 404, 404, 403, 200, 200, 200, 200),
    "read messages": (404, 404, 404, 200, 200, 200, 200, 200),
    "post message":  (404, 404, 404, 403, 201, 201, 201, 201),
}
# fmt: on
TABLES = {Room.Type.PUBLIC: PUBLIC, Room.Type.PRIVATE: PRIVATE}

CASES = [
    pytest.param(
        room_type, endpoint, actor, table[endpoint][i], id=f"{room_type}-{endpoint}-{actor}"
    )
    for room_type, table in TABLES.items()
    for endpoint in ENDPOINTS
    for i, actor in enumerate(ACTORS)
]


def test_the_tables_cover_every_endpoint_and_actor():
    assert set(PUBLIC) == set(ENDPOINTS) == set(PRIVATE)
    assert all(len(row) == len(ACTORS) for row in [*PUBLIC.values(), *PRIVATE.values()])


@pytest.mark.django_db
@pytest.mark.parametrize(("room_type", "endpoint", "actor", "expected"), CASES)
def test_each_actor_gets_the_status_the_rules_imply(room_type, endpoint, actor, expected):
    scene = build_scene(room_type)
    method, path, body = ENDPOINTS[endpoint]
    url = f"{API}/rooms/{scene.room.pk}" + path.format(target=scene.target.pk)
    client = as_user(scene.actors[actor])

    if body is None:
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, body(scene), format="json")

    assert_status(response, expected)
    # A 204 is a removal: what was removed is gone; a refusal removed nothing.
    if endpoint == "delete room":
        assert Room.objects.filter(pk=scene.room.pk).exists() == (expected != 204)
    if endpoint == "kick":
        kept = Membership.objects.filter(room=scene.room, user=scene.target).exists()
        assert kept == (expected != 204)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_anonymous_callers_are_asked_to_authenticate(endpoint):
    scene = build_scene(Room.Type.PUBLIC)
    method, path, body = ENDPOINTS[endpoint]
    url = f"{API}/rooms/{scene.room.pk}" + path.format(target=scene.target.pk)

    response = getattr(APIClient(), method)(url, body(scene) if body else None, format="json")

    assert_error(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_a_guest_member_reads_but_never_posts_or_invites():
    scene = build_scene(Room.Type.PUBLIC)
    guest = scene.actors["guest"]
    client = as_user(guest)
    assert client.post(f"{API}/rooms/{scene.room.pk}/members", {}, format="json").status_code == 201

    assert client.get(f"{API}/rooms/{scene.room.pk}/messages").status_code == 200
    posting = client.post(f"{API}/rooms/{scene.room.pk}/messages", {"content": "hi"}, format="json")
    assert_status(posting, 403)
    inviting = client.post(
        f"{API}/rooms/{scene.room.pk}/invitations", {"user_id": scene.invitee.pk}, format="json"
    )
    assert_status(inviting, 403)
    reading = client.post(
        f"{API}/rooms/{scene.room.pk}/read", {"message_id": scene.message_id}, format="json"
    )
    assert_status(reading, 200)
    assert client.delete(f"{API}/rooms/{scene.room.pk}/members/{guest.pk}").status_code == 204
    assert not Membership.objects.filter(room=scene.room, user=guest).exists()
