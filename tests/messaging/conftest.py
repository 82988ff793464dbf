"""Fixtures of the messaging tests: rooms made over the API.

Rooms and memberships are made through the real endpoints (POST /rooms,
POST /rooms/{id}/members); bulk history for pagination and query-count tests
comes from tests.factories.MessageFactory, which writes rows the way posting does.
"""

from __future__ import annotations

import pytest

from tests.helpers import add_member, create_room, join


@pytest.fixture
def many_posts(runtime_config):
    """For tests that post more than a person would in ten seconds (the default rate)."""
    runtime_config(message_rate_limit="1000/10")


@pytest.fixture
def room(alice, bob, carol):
    """A public room owned by alice; bob and carol joined it."""
    room_id = create_room(alice, name="general")
    join(bob, room_id)
    join(carol, room_id)
    return room_id


@pytest.fixture
def private_room(alice, bob):
    """A private room owned by alice, with bob added by her."""
    room_id = create_room(alice, type="private", name="secret")
    add_member(alice, room_id, bob)
    return room_id
