"""The room lists cost a fixed number of queries and presence reads, whatever their length."""

from __future__ import annotations

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from rooms.models import Membership, Room
from tests.factories import InvitationFactory, MembershipFactory, UserFactory, room_owned_by
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"
ROWS = 20


class PresenceReadsCache(LocMemCache):
    """The default cache, counting the round trips that read someone's presence."""

    presence_reads = 0
    _in_get_many = False

    def _count(self, keys) -> None:
        if any(str(key).startswith("presence:") for key in keys):
            PresenceReadsCache.presence_reads += 1

    def get(self, key, *args, **kwargs):
        if not self._in_get_many:
            self._count([key])
        return super().get(key, *args, **kwargs)

    def get_many(self, keys, *args, **kwargs):
        # LocMemCache answers get_many with one get per key: one round trip here.
        keys = list(keys)
        self._count(keys)
        self._in_get_many = True
        try:
            return super().get_many(keys, *args, **kwargs)
        finally:
            self._in_get_many = False


@pytest.fixture
def presence_reads():
    backend = {"BACKEND": f"{__name__}.PresenceReadsCache"}
    with override_settings(CACHES={"default": backend}):
        PresenceReadsCache.presence_reads = 0
        yield PresenceReadsCache


def cost(user, url: str, rows: int, **params) -> tuple[int, int]:
    """(queries, presence reads) of GET ``url`` as ``user``, which lists ``rows`` items."""
    client = client_for(user)
    PresenceReadsCache.presence_reads = 0
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"limit": 100, **params})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == rows
    return len(queries.captured_queries), PresenceReadsCache.presence_reads


def test_my_invitations_cost_the_same_for_one_or_twenty(alice, bob, presence_reads):
    InvitationFactory(room=room_owned_by(UserFactory()), inviter=UserFactory(), invitee=alice)
    for _ in range(ROWS):
        InvitationFactory(room=room_owned_by(UserFactory()), inviter=UserFactory(), invitee=bob)

    one = cost(alice, f"{API}/invitations", 1)
    twenty = cost(bob, f"{API}/invitations", ROWS)

    assert twenty == one
    assert twenty[0] <= 2
    assert twenty[1] <= 2


def test_a_room_member_list_costs_the_same_for_two_or_twenty_one(owner, presence_reads):
    small = room_owned_by(owner)
    MembershipFactory(room=small, user=UserFactory())
    large = room_owned_by(owner)
    for _ in range(ROWS):
        MembershipFactory(room=large, user=UserFactory(), role=Membership.Role.MODERATOR)

    two = cost(owner, f"{API}/rooms/{small.pk}/members", 2)
    twenty_one = cost(owner, f"{API}/rooms/{large.pk}/members", ROWS + 1)

    assert twenty_one == two
    assert twenty_one[0] <= 3
    assert twenty_one[1] <= 2


def test_room_search_costs_the_same_for_one_or_twenty_results(alice):
    room_owned_by(UserFactory(), name="lonely corner")
    for n in range(ROWS):
        kind = Room.Type.PRIVATE if n % 2 else Room.Type.PUBLIC
        room = room_owned_by(UserFactory(), name=f"crowded hall {n}", type=kind)
        MembershipFactory(room=room, user=alice)
        MembershipFactory(room=room, user=UserFactory())

    one, _ = cost(alice, f"{API}/rooms/search", 1, q="lonely")
    twenty, _ = cost(alice, f"{API}/rooms/search", ROWS, q="crowded")

    assert twenty == one
    assert twenty <= 3
