"""Search dates at the ends of the calendar, and ids past a database integer."""

from __future__ import annotations

import pytest

from tests.helpers import API, assert_error, client_for, found_ids, posted


@pytest.mark.parametrize(
    ("params", "finds"),
    [
        ({"after": "9999-12-31"}, False),
        ({"after": "9999-12-31T23:59:59-23:59"}, False),
        ({"before": "9999-12-31T23:59:59-23:59"}, True),
        ({"before": "9999-12-31"}, True),
        ({"after": "0001-01-01T00:00:00+23:59"}, True),
        ({"after": "0001-01-01"}, True),
        ({"before": "0001-01-01T00:00:00+23:59"}, False),
        ({"before": "0001-01-01"}, False),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_clamped(alice, room, params, finds):
    message_id = posted(alice, room, "hello there")["id"]
    assert found_ids(alice, q="hello", **params) == ([message_id] if finds else [])


@pytest.mark.parametrize("value", ["10000-01-01", "2026-02-30", "2026-01-01T25:00:00", "soon"])
def test_impossible_dates_are_refused(alice, room, value):
    response = client_for(alice).get(f"{API}/messages/search", {"q": "hello", "after": value})
    error = assert_error(response, 400, "validation_error")
    assert "after" in error["details"]


@pytest.mark.parametrize(
    "path",
    [
        "/rooms/{room}/members/9223372036854775808",
        "/rooms/{room}/members/99999999999999999999999",
        "/rooms/9223372036854775808/messages",
        "/messages/18446744073709551616",
        "/users/9223372036854775808",
        "/sessions/9223372036854775808",
        "/invitations/9223372036854775808/accept",
    ],
)
def test_ids_beyond_a_database_integer_are_not_found(alice, room, path):
    client = client_for(alice)
    url = API + path.format(room=room)
    method = client.post if url.endswith("accept") else client.delete
    assert_error(method(url, format="json"), 404, "not_found")
    if not url.endswith("accept"):
        assert_error(client.get(url), 404, "not_found")


def test_the_largest_database_id_is_looked_up_and_not_found(alice, room):
    response = client_for(alice).delete(f"{API}/rooms/{room}/members/9223372036854775807")
    assert_error(response, 404, "not_found")
