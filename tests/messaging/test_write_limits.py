"""Per-user limits on authenticated writes in messaging: posting and reacting.

Rates are runtime config; tests set a small one per hour (count/3600) so
that the whole test stays inside one window.
"""

from __future__ import annotations

import pytest

from lair.ratelimit import CONFIGURED_SCOPES
from messaging.models import Message, Reaction
from tests.helpers import API, assert_error, client_for, post_message, posted


@pytest.fixture
def limits(runtime_config):
    def set_rate(scope: str, rate: str) -> None:
        runtime_config(**{CONFIGURED_SCOPES[scope]: rate})

    return set_rate


def react(user, message_id: int, emoji: str):
    return client_for(user).post(
        f"{API}/messages/{message_id}/reactions", {"emoji": emoji}, format="json"
    )


def test_posting_past_the_rate_answers_429_with_retry_after_and_stores_nothing(alice, room, limits):
    limits("message_user", "3/3600")
    for n in range(3):
        posted(alice, room, f"message {n}")

    response = post_message(alice, room, "one too many")

    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert not Message.objects.filter(content="one too many").exists()
    assert Message.objects.filter(room_id=room).count() == 3


def test_the_posting_limit_is_per_user(alice, bob, room, limits):
    limits("message_user", "2/3600")
    posted(alice, room, "one")
    posted(alice, room, "two")
    assert_error(post_message(alice, room, "three"), 429, "rate_limited")

    assert post_message(bob, room, "mine").status_code == 201


def test_a_retried_client_id_is_not_refused_by_the_limit(alice, room, limits):
    limits("message_user", "1/3600")
    first = posted(alice, room, "once", client_id="c-1")

    again = post_message(alice, room, "once", client_id="c-1")

    assert again.status_code == 200, again.content
    assert again.json()["id"] == first["id"]


def test_a_real_burst_of_chat_stays_under_the_default_posting_rate(alice, room):
    for n in range(15):
        posted(alice, room, f"quick line {n}")


def test_ratelimit_enable_false_lifts_the_write_limits(alice, room, limits, settings):
    limits("message_user", "1/3600")
    settings.RATELIMIT_ENABLE = False

    for n in range(3):
        posted(alice, room, f"benchmark {n}")


def test_reacting_past_the_rate_answers_429_and_stores_nothing(alice, bob, room, limits):
    limits("reaction_user", "2/3600")
    message = posted(alice, room, "react")
    assert react(bob, message["id"], "👍").status_code == 201
    assert react(bob, message["id"], "🎉").status_code == 201

    response = react(bob, message["id"], "👀")

    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"]
    assert not Reaction.objects.filter(emoji="👀").exists()


def test_editing_past_the_rate_answers_429_and_keeps_the_text(alice, room, limits):
    # Each edit rewrites the logged frames of its message: edits are limited too.
    limits("edit_user", "2/3600")
    message = posted(alice, room, "v0")
    url = f"{API}/messages/{message['id']}"
    for n in (1, 2):
        assert client_for(alice).patch(url, {"content": f"v{n}"}, format="json").status_code == 200

    response = client_for(alice).patch(url, {"content": "v3"}, format="json")

    assert_error(response, 429, "rate_limited")
    assert Message.objects.get(pk=message["id"]).content == "v2"
