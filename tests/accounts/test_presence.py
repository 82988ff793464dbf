"""Presence counts in the cache: they live while refreshed and expire when not."""

from __future__ import annotations

import time

import pytest

from realtime import presence


@pytest.fixture
def short_ttl(settings):
    settings.PRESENCE_SOCKETS_TTL_SECONDS = 1


def test_refreshing_keeps_the_counts_of_every_user_alive(short_ttl):
    for user_id in (101, 102):
        assert presence.socket_opened(user_id)
    time.sleep(0.6)
    presence.sockets_alive([101, 102])
    time.sleep(0.6)  # past the first time-to-live
    assert presence.presence_many([101, 102]) == {101: "online", 102: "online"}
    # A process that stops refreshing (it crashed) does not keep them online.
    time.sleep(1.1)
    assert presence.presence_many([101, 102]) == {101: "offline", 102: "offline"}


def test_refreshing_does_not_bring_back_a_user_who_left(short_ttl):
    presence.socket_opened(103)
    assert presence.socket_closed(103) == 0
    presence.sockets_alive([103])
    assert presence.open_sockets(103) == 0


def test_the_refresh_interval_leaves_room_within_the_time_to_live():
    assert presence.refresh_seconds() * 3 <= presence.sockets_ttl()


def test_socket_counts_per_address_live_while_refreshed_and_expire_when_not(short_ttl):
    assert [presence.address_socket_opened("10.9.8.7") for _ in range(3)] == [1, 2, 3]
    time.sleep(0.6)
    presence.addresses_alive(["10.9.8.7"])
    time.sleep(0.6)  # past the first time-to-live
    assert presence.address_socket_closed("10.9.8.7") == 2
    # A process that stops refreshing (it crashed) does not hold the address's places.
    time.sleep(1.1)
    assert presence.address_socket_opened("10.9.8.7") == 1
