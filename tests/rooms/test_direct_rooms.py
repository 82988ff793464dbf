"""POST /api/v1/rooms/direct: the one direct room of two users, created on first use."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from rooms.models import Room
from tests.factories import UserFactory
from tests.helpers import (
    API,
    as_user,
    assert_error,
    disconnect_redis_caches,
    member_roles,
    my_rooms,
)

DIRECT = f"{API}/rooms/direct"


def open_direct(actor, user_id):
    return as_user(actor).post(DIRECT, {"user_id": user_id}, format="json")


@pytest.mark.django_db
def test_the_first_request_creates_the_direct_room_and_later_ones_return_it(alice, bob):
    first = open_direct(alice, bob.pk)

    assert first.status_code == 201, first.content
    room = first.json()
    assert room["type"] == "direct"
    assert room["member_count"] == 2
    assert member_roles(Room.objects.get(pk=room["id"])) == {alice.pk: "member", bob.pk: "member"}

    again = open_direct(alice, bob.pk)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == room["id"]

    from_the_other_side = open_direct(bob, alice.pk)
    assert from_the_other_side.status_code == 200, from_the_other_side.content
    assert from_the_other_side.json()["id"] == room["id"]
    assert Room.objects.filter(type=Room.Type.DIRECT).count() == 1


@pytest.mark.django_db
def test_a_direct_room_is_in_both_room_lists(alice, bob):
    room_id = open_direct(alice, bob.pk).json()["id"]

    assert room_id in my_rooms(alice)
    assert room_id in my_rooms(bob)


@pytest.mark.django_db
def test_a_direct_room_with_myself_is_refused(alice):
    error = assert_error(open_direct(alice, alice.pk), 400, "validation_error")

    assert "user_id" in error["details"]
    assert not Room.objects.exists()


@pytest.mark.django_db
def test_a_direct_room_with_an_unknown_user_is_not_found(alice):
    assert_error(open_direct(alice, 987654), 404, "not_found")


@pytest.mark.django_db
def test_a_direct_room_with_a_deactivated_user_is_not_found(alice):
    gone = UserFactory(is_active=False)

    assert_error(open_direct(alice, gone.pk), 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"user_id": "bob"}, {"user_id": 0}])
def test_a_direct_room_needs_a_user_id(alice, body):
    response = as_user(alice).post(DIRECT, body, format="json")

    assert "user_id" in assert_error(response, 400, "validation_error")["details"]


@pytest.mark.django_db
def test_a_guest_cannot_open_direct_rooms(guest, bob):
    assert_error(open_direct(guest, bob.pk), 403, "permission_denied")


@pytest.mark.django_db
def test_a_direct_room_is_invisible_to_third_parties_and_site_admins(alice, bob, site_admin):
    carol = UserFactory()
    room_id = open_direct(alice, bob.pk).json()["id"]

    for intruder in (carol, site_admin):
        assert_error(as_user(intruder).get(f"{API}/rooms/{room_id}"), 404, "not_found")
        messages = as_user(intruder).get(f"{API}/rooms/{room_id}/messages")
        assert_error(messages, 404, "not_found")
        joining = as_user(intruder).post(f"{API}/rooms/{room_id}/members", {}, format="json")
        assert_error(joining, 404, "not_found")


@pytest.mark.django_db
def test_nobody_leaves_or_deletes_a_direct_room(alice, bob):
    room_id = open_direct(alice, bob.pk).json()["id"]

    leaving = as_user(alice).delete(f"{API}/rooms/{room_id}/members/{alice.pk}")
    assert_error(leaving, 403, "permission_denied")
    deleting = as_user(alice).delete(f"{API}/rooms/{room_id}")
    assert_error(deleting, 403, "permission_denied")
    renaming = as_user(alice).patch(f"{API}/rooms/{room_id}", {"name": "us"}, format="json")
    assert_error(renaming, 403, "permission_denied")


CLIENTS = 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_create_exactly_one_direct_room():
    alice, bob = UserFactory(), UserFactory()
    barrier = threading.Barrier(CLIENTS, timeout=30)

    def open_once(n):
        try:
            actor, other = (alice, bob) if n % 2 else (bob, alice)
            client = as_user(actor)
            connection.ensure_connection()
            barrier.wait()
            response = client.post(DIRECT, {"user_id": other.pk}, format="json")
            return response.status_code, response.json()["id"]
        finally:
            connection.close()
            disconnect_redis_caches()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(open_once, range(CLIENTS)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (CLIENTS - 1) + [201], results
    assert len({room_id for _, room_id in results}) == 1
    assert Room.objects.filter(type=Room.Type.DIRECT).count() == 1
    room = Room.objects.get(type=Room.Type.DIRECT)
    assert set(room.memberships.values_list("user_id", flat=True)) == {alice.pk, bob.pk}


@pytest.mark.django_db
def test_nobody_else_is_added_or_invited_into_a_direct_room(alice, bob):
    carol = UserFactory()
    room_id = open_direct(alice, bob.pk).json()["id"]

    adding = as_user(alice).post(
        f"{API}/rooms/{room_id}/members", {"user_id": carol.pk}, format="json"
    )
    assert_error(adding, 403, "permission_denied")
    inviting = as_user(alice).post(
        f"{API}/rooms/{room_id}/invitations", {"user_id": carol.pk}, format="json"
    )
    assert_error(inviting, 403, "permission_denied")
    assert member_roles(Room.objects.get(pk=room_id)) == {alice.pk: "member", bob.pk: "member"}
