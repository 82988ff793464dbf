"""Property tests: whatever people type, messages and searches never break.

Seeded (derandomized) and modest in size so the suite stays fast and CI
reproducible; every example is a real HTTP round trip on the real database.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lair.text import MESSAGE_PATTERN
from rooms.models import Room
from tests.helpers import API, add_member, client_for, create_room, posted

PROPERTY_SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MARKUP = [
    "@alice",
    "@bob",
    "@carol.",
    "@nobody",
    "email@alice",
    "**bold**",
    "_em_",
    "`code`",
    "```\nfenced\n```",
    "> quote",
    "- item",
    "1. first",
    "[link](javascript:alert(1))",
    "<script>alert(1)</script>",
    "<b>raw</b>",
    "https://example.org/?q=<x>",
    "\u202eevil",
    "שלום",
    "👨\u200d👩\u200d👧",
    "\n",
    "\t",
    "\r\n",
    " ",
]
content_strategy = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(MARKUP), st.text(max_size=8)), max_size=12).map("".join),
)

FTS_BITS = [
    '"',
    "'",
    "*",
    "NEAR",
    "NEAR(",
    "NEAR/2",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    "^",
    ":",
    "-",
    "+",
    "{",
    "}",
    "\x00",
    "hello",
    "secret",
    "content:",
    "\\",
    "%",
    "_",
    " ",
]
query_strategy = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(FTS_BITS), st.text(max_size=4)), max_size=10).map("".join),
)

_ALLOWED = re.compile(MESSAGE_PATTERN)


def acceptable(content: str) -> bool:
    """What the content rule admits: 1..4000 characters, not blank, no refused controls."""
    return bool(content.strip()) and len(content) <= 4000 and bool(_ALLOWED.fullmatch(content))


@pytest.fixture
def no_rate_limits(settings):
    # Dozens of posts in a second: the per-user posting limit is not under test.
    settings.RATELIMIT_ENABLE = False


@PROPERTY_SETTINGS
@given(content=content_strategy)
def test_any_content_is_stored_as_written_or_refused_with_400(
    alice, bob, room, no_rate_limits, content
):
    client = client_for(alice)
    response = client.post(f"{API}/rooms/{room}/messages", {"content": content}, format="json")

    if not acceptable(content):
        assert response.status_code == 400, (content, response.content)
        assert response.json()["error"]["code"] == "validation_error"
        return
    assert response.status_code == 201, (content, response.content)
    message = response.json()
    assert message["content"] == content
    read_back = client_for(bob).get(f"{API}/messages/{message['id']}")
    assert read_back.status_code == 200
    assert read_back.json()["content"] == content
    # Mentions name only members of the room whose @username is in the text.
    members = {"alice": alice.pk, "bob": bob.pk}
    assert set(message["mentions"]) <= {
        pk for name, pk in members.items() if f"@{name}" in content.lower()
    }


@pytest.fixture
def searchable(alice, bob, carol, room):
    """bob reads the public room; alice and carol share a private one he cannot see."""
    secret_room = create_room(alice, type="private", name="secret")
    add_member(alice, secret_room, carol)
    posted(alice, room, "hello public world near the data")
    hidden = posted(carol, secret_room, "hello secret world near the data")
    return {"hidden_room": secret_room, "hidden_message": hidden["id"]}


@PROPERTY_SETTINGS
@given(query=query_strategy)
def test_a_search_query_is_refused_only_without_words_and_finds_only_readable_rooms(
    bob, searchable, query
):
    response = client_for(bob).get(f"{API}/messages/search", {"q": query})

    # The documented rule (the schema of q): 1-200 characters, not only
    # whitespace, with a word among them; no URL may hold a NUL character.
    refused = (
        not query.strip() or len(query) > 200 or re.search(r"\w", query) is None or "\x00" in query
    )
    assert response.status_code == (400 if refused else 200), (query, response.content)
    if refused:
        assert response.json()["error"]["code"] == "validation_error"
        return
    readable = set(Room.objects.readable_by(bob).values_list("id", flat=True))
    for result in response.json()["results"]:
        assert result["message"]["room_id"] in readable, query
        assert result["message"]["id"] != searchable["hidden_message"], query
