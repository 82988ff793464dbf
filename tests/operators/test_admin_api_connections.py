"""Who is connected, counted over every server process (GET /admin/stats).

Real sockets through the ASGI application; the totals come from the cache,
where each server process publishes what it holds.
"""

from __future__ import annotations

import pytest

from realtime import presence
from tests.helpers import API, client_for
from tests.realtime import conftest as socket_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

# The socket fixtures of tests/realtime, for these tests too.
connect_as = socket_fixtures.connect_as
server_loop = socket_fixtures.server_loop
sockets = socket_fixtures.sockets


def totals():
    found = presence.connection_totals()
    return found.users, found.sockets


def _settled(server_loop):
    """Wait for the fan-out's last write of its totals (a closing socket asks for one)."""
    from realtime.fanout import local_fanout

    async def settle():
        task = local_fanout().totals_task
        if task is not None:
            await task

    server_loop.run(settle())


def test_nobody_connected_counts_zero_users_and_zero_sockets(db):
    assert totals() == (0, 0)


def test_two_signed_in_sockets_count_as_two_users_and_two_sockets(connect_as, alice, bob):
    connect_as(alice)
    connect_as(bob)
    assert totals() == (2, 2)


def test_a_second_socket_of_the_same_user_adds_a_socket_not_a_user(connect_as, alice, bob):
    connect_as(alice)
    connect_as(alice)
    connect_as(bob)
    assert totals() == (2, 3)


def test_a_closed_socket_is_no_longer_counted(connect_as, server_loop, alice, bob):
    first, _ = connect_as(alice)
    connect_as(bob)
    first.disconnect()
    _settled(server_loop)
    assert totals() == (1, 1)


def test_a_socket_that_never_signed_in_is_not_a_connection(sockets, connect_as, alice):
    assert sockets().connect()
    connect_as(alice)
    assert totals() == (1, 1)


def test_another_process_adds_its_users_and_sockets_and_shares_users(db):
    # What a second server process publishes: bob (also connected here) and carol.
    presence.publish_totals("here", None, [1, 2], 2, fresh=False)
    presence.publish_totals("there", None, [2, 3], 4, fresh=False)
    assert totals() == (3, 6)


def _expire(slot):
    """What the TTL does to the slot of a process that stopped refreshing it."""
    presence.shared_cache().delete(presence._slot_key(slot))


def test_a_process_that_stops_refreshing_drops_out(db):
    slot = presence.publish_totals("gone", None, [7], 1, fresh=False)
    presence.publish_totals("alive", None, [8], 1, fresh=False)
    _expire(slot)
    assert totals() == (1, 1)


def test_a_late_process_whose_slot_was_taken_claims_another(db):
    mine = presence.publish_totals("mine", None, [1], 1, fresh=False)
    _expire(mine)
    theirs = presence.publish_totals("theirs", None, [2], 1, fresh=False)
    assert theirs == mine
    again = presence.publish_totals("mine", mine, [1], 1, fresh=False)
    assert again != theirs
    assert totals() == (2, 2)


def test_processes_past_the_first_page_of_slots_are_counted(db):
    for n in range(presence.SLOTS_PAGE + 3):
        presence.publish_totals(f"process {n}", None, [n], 1, fresh=False)
    assert totals() == (presence.SLOTS_PAGE + 3, presence.SLOTS_PAGE + 3)


def test_the_stats_show_who_is_connected_over_real_sockets(connect_as, alice, bob, site_admin):
    connect_as(alice)
    connect_as(alice)
    connect_as(bob)
    stats = client_for(site_admin).get(f"{API}/admin/stats").json()
    assert stats["users"]["online"] == 2
    assert stats["websocket"] == {"connections": 3}
