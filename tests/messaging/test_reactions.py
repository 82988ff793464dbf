"""POST /messages/{id}/reactions and DELETE /messages/{id}/reactions/{emoji}."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.models import Reaction
from tests.helpers import API, archive, assert_error, client_for, get_message, join, posted


def react(user, message_id: int, emoji: str):
    return client_for(user).post(
        f"{API}/messages/{message_id}/reactions", {"emoji": emoji}, format="json"
    )


def unreact(user, message_id: int, emoji: str):
    return client_for(user).delete(f"{API}/messages/{message_id}/reactions/{quote(emoji)}")


@pytest.fixture
def message(alice, room):
    return posted(alice, room, "react to me")


def test_reacting_answers_201_with_the_reaction(bob, message):
    response = react(bob, message["id"], "👍")

    assert response.status_code == 201, response.content
    assert response.json() == {"message_id": message["id"], "emoji": "👍", "user_id": bob.pk}


def test_reacting_twice_with_the_same_emoji_is_one_reaction(bob, message):
    react(bob, message["id"], "👍")

    again = react(bob, message["id"], "👍")

    assert again.status_code == 200, again.content
    assert again.json() == {"message_id": message["id"], "emoji": "👍", "user_id": bob.pk}
    assert Reaction.objects.filter(message_id=message["id"]).count() == 1


def test_reactions_are_aggregated_per_emoji_with_me_for_the_viewer(alice, bob, carol, message):
    react(alice, message["id"], "👍")
    react(bob, message["id"], "👍")
    react(bob, message["id"], "🎉")

    assert get_message(alice, message["id"])["reactions"] == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "🎉", "count": 1, "me": False},
    ]
    assert get_message(bob, message["id"])["reactions"] == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "🎉", "count": 1, "me": True},
    ]
    assert get_message(carol, message["id"])["reactions"] == [
        {"emoji": "👍", "count": 2, "me": False},
        {"emoji": "🎉", "count": 1, "me": False},
    ]


def test_reactions_show_in_room_history(alice, bob, room, message):
    react(bob, message["id"], "👀")

    results = client_for(alice).get(f"{API}/rooms/{room}/messages").json()["results"]

    assert results[0]["reactions"] == [{"emoji": "👀", "count": 1, "me": False}]


MULTI_CODEPOINT_EMOJI = [
    "👨‍👩‍👧",  # ZWJ sequence
    "👍🏽",  # skin tone
    "🇫🇷",  # regional indicators
    "1️⃣",  # keycap
    "❤️",  # variation selector
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿",  # subdivision flag (tag characters)
    "👩🏽‍❤️‍💋‍👨🏻",  # ten code points
    "🏳️‍🌈",  # variation selector inside a ZWJ sequence
    "‼️",  # emoji that Unicode files as punctuation
    "\u2139\ufe0f",  # ... as a letter (information source)
    "#️⃣",  # keycap of a symbol
]


def test_multi_codepoint_emoji_are_accepted(bob, message):
    for emoji in MULTI_CODEPOINT_EMOJI:
        assert react(bob, message["id"], emoji).status_code == 201, emoji

    assert {r["emoji"] for r in get_message(bob, message["id"])["reactions"]} == set(
        MULTI_CODEPOINT_EMOJI
    )


def test_taking_back_a_reaction_answers_204(alice, bob, message):
    react(bob, message["id"], "👍")
    react(alice, message["id"], "👍")

    response = unreact(bob, message["id"], "👍")

    assert response.status_code == 204, response.content
    assert get_message(bob, message["id"])["reactions"] == [
        {"emoji": "👍", "count": 1, "me": False}
    ]


def test_taking_back_a_reaction_twice_is_harmless(bob, message):
    react(bob, message["id"], "👍")

    assert unreact(bob, message["id"], "👍").status_code == 204
    assert unreact(bob, message["id"], "👍").status_code == 204
    assert get_message(bob, message["id"])["reactions"] == []


def test_taking_back_only_removes_ones_own_reaction(alice, bob, message):
    react(alice, message["id"], "👍")

    assert unreact(bob, message["id"], "👍").status_code == 204
    assert Reaction.objects.filter(message_id=message["id"], user=alice).count() == 1


def test_an_emoji_is_taken_back_by_its_url_encoded_name(bob, message):
    react(bob, message["id"], "👩🏽‍❤️‍💋‍👨🏻")

    assert unreact(bob, message["id"], "👩🏽‍❤️‍💋‍👨🏻").status_code == 204
    assert not Reaction.objects.exists()


@pytest.mark.parametrize(
    "emoji",
    [
        "",
        "   ",
        "thumbs up",
        "a\tb",
        "x" * 65,
        ":thumbsup:",
        "a",
        "👍a",
        "👍/👎",
        "/",
        "\u202e👍",
        "\u200b",
        "👍\x1b[2J",
        "12",
        "1\u20e3\u20e3",
        "\ufe0f",
        "\U000e0067",
        "😀" * 11,
        "\U0001f3fb",
        "👍👍",
        "🇫🇷🇩",
        "🇫🇷🇩🇪",
    ],
    ids=[
        "empty",
        "blank",
        "space",
        "tab",
        "65",
        "shortcode",
        "letter",
        "emoji-and-letter",
        "slash",
        "only-slash",
        "bidi-override",
        "zero-width-space",
        "terminal-escape",
        "digits",
        "double-keycap",
        "lone-variation-selector",
        "lone-tag",
        "eleven-code-points",
        "lone-skin-tone",
        "two-emoji",
        "flag-and-a-half",
        "two-flags",
    ],
)
def test_bad_emoji_is_a_validation_error(bob, message, emoji):
    error = assert_error(react(bob, message["id"], emoji), 400, "validation_error")

    assert "emoji" in error["details"]
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("emoji", ["thumbs up", "x" * 65], ids=["space", "65"])
def test_bad_emoji_in_the_delete_url_is_a_validation_error(bob, message, emoji):
    error = assert_error(unreact(bob, message["id"], emoji), 400, "validation_error")

    assert "emoji" in error["details"]


def test_nul_character_in_emoji_is_refused_on_post(bob, message):
    assert_error(react(bob, message["id"], "a\x00b"), 400, "validation_error")


def test_nul_character_in_the_delete_url_is_refused_like_on_post(bob, message):
    """Bad input is never a 500 (PostgreSQL text cannot hold NUL)."""
    assert_error(unreact(bob, message["id"], "a\x00b"), 400, "validation_error")


def test_non_member_cannot_react_in_a_public_room(message, outsider):
    assert_error(react(outsider, message["id"], "👍"), 403, "permission_denied")


def test_guest_cannot_react_even_as_a_member(message, guest, room):
    join(guest, room)

    assert_error(react(guest, message["id"], "👍"), 403, "permission_denied")


def test_reacting_in_an_archived_room_is_forbidden(alice, bob, message, room):
    archive(alice, room)

    assert_error(react(bob, message["id"], "👍"), 403, "permission_denied")


def test_deleted_message_cannot_get_reactions(alice, bob, message):
    client_for(alice).delete(f"{API}/messages/{message['id']}")

    assert_error(react(bob, message["id"], "👍"), 409, "conflict")


def test_private_room_message_reactions_are_404_to_outsiders(alice, private_room, outsider):
    secret = posted(alice, private_room, "secret")

    assert_error(react(outsider, secret["id"], "👍"), 404, "not_found")
    assert_error(unreact(outsider, secret["id"], "👍"), 404, "not_found")


def test_reacting_to_an_unknown_message_is_404(bob, room):
    assert_error(react(bob, 999999, "👍"), 404, "not_found")


def test_reading_a_message_with_many_reactions_takes_a_constant_number_of_queries(
    alice, bob, carol, message
):
    def queries_to_read() -> int:
        client = client_for(alice)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/messages/{message['id']}").status_code == 200
        return len(queries)

    react(bob, message["id"], "👍")
    with_one = queries_to_read()
    for user in (alice, bob, carol):
        for emoji in ("🎉", "👀", "🔥", "✅"):
            react(user, message["id"], emoji)

    assert queries_to_read() == with_one


def test_a_message_takes_at_most_the_distinct_emoji_cap(alice, bob, message, settings):
    settings.REACTION_MAX_DISTINCT_EMOJI = 3
    for emoji in ("👍", "🎉", "👀"):
        assert react(bob, message["id"], emoji).status_code == 201

    error = assert_error(react(bob, message["id"], "🔥"), 400, "validation_error")

    assert "emoji" in error["details"]
    assert not Reaction.objects.filter(emoji="🔥").exists()
    # An emoji already on the message can still be given by others.
    assert react(alice, message["id"], "🎉").status_code == 201


def test_the_default_cap_refuses_the_21st_distinct_emoji(bob, message, settings):
    settings.RATELIMIT_ENABLE = False
    faces = [chr(0x1F600 + n) for n in range(21)]
    for emoji in faces[:20]:
        assert react(bob, message["id"], emoji).status_code == 201, emoji

    assert_error(react(bob, message["id"], faces[20]), 400, "validation_error")
    assert Reaction.objects.filter(message_id=message["id"]).count() == 20


@pytest.mark.parametrize(
    "legacy", ["a/b", "/", ":+1:", "x" * 64], ids=["slash", "only-slash", "text", "64"]
)
def test_a_stored_reaction_that_is_no_longer_valid_can_still_be_taken_back(
    alice, bob, message, legacy
):
    Reaction.objects.create(message_id=message["id"], user=bob, emoji=legacy)
    Reaction.objects.create(message_id=message["id"], user=alice, emoji=legacy)

    assert unreact(bob, message["id"], legacy).status_code == 204

    assert list(Reaction.objects.values_list("user_id", "emoji")) == [(alice.pk, legacy)]


def test_taking_back_with_a_trailing_slash_works_like_without(bob, message):
    react(bob, message["id"], "👍")

    response = client_for(bob).delete(f"{API}/messages/{message['id']}/reactions/{quote('👍')}/")

    assert response.status_code == 204, response.content
    assert not Reaction.objects.exists()


@pytest.mark.parametrize(
    "emoji", ["a/b", "%2F", "abc", "\u202e"], ids=["slash", "encoded", "letters", "bidi"]
)
def test_an_invalid_emoji_in_the_delete_url_is_a_validation_error(bob, message, emoji):
    response = client_for(bob).delete(f"{API}/messages/{message['id']}/reactions/{emoji}")

    assert_error(response, 400, "validation_error")
