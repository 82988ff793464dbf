"""The input rules of posting, editing and reacting hold for every caller of the services.

The API's serializers carry the same rules for the schema; a browser form,
an admin action or a command calls the service directly and must get the
same domain error, with nothing stored.
"""

from __future__ import annotations

import pytest

from lair.errors import ValidationError
from messaging import services
from messaging.models import Message, Reaction
from tests.helpers import create_room, posted


def post(actor, room_id: int, content: str = "hello", **extra):
    return services.post_message(actor=actor, room_id=room_id, content=content, **extra)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "A message cannot be empty."),
        (" \n\t ", "A message cannot be empty."),
        (None, "A message cannot be empty."),
        ("x" * 4001, "A message is at most 4000 characters."),
        (
            "null\x00byte",
            "A message cannot contain control characters other than newlines and tabs.",
        ),
        ("bell\x07", "A message cannot contain control characters other than newlines and tabs."),
    ],
)
def test_posting_refuses_content_the_api_refuses(alice, room, runtime_config, content, message):
    runtime_config(max_message_length=4000)

    with pytest.raises(ValidationError) as refused:
        post(alice, room, content)

    assert refused.value.message == message
    assert "content" in refused.value.details
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("client_id", "message"),
    [
        ("c" * 65, "A client_id is at most 64 characters."),
        ("", "A client_id cannot be blank."),
        ("   ", "A client_id cannot be blank."),
        (
            "retry\x1b[31m",
            "A client_id cannot contain control characters, zero-width characters "
            "or bidirectional formatting characters.",
        ),
        (
            "abc\u202edef",
            "A client_id cannot contain control characters, zero-width characters "
            "or bidirectional formatting characters.",
        ),
        (123, "A client_id is a string."),
    ],
)
def test_posting_refuses_a_client_id_the_api_refuses(alice, room, client_id, message):
    with pytest.raises(ValidationError) as refused:
        post(alice, room, client_id=client_id)

    assert refused.value.message == message
    assert "client_id" in refused.value.details
    assert not Message.objects.exists()


def test_a_client_id_of_64_characters_is_kept(alice, room):
    posted_message = post(alice, room, client_id="c" * 64)

    assert posted_message.created is True
    assert Message.objects.get().client_id == "c" * 64


def test_posting_again_with_a_client_id_answers_the_stored_message(alice, room):
    first = post(alice, room, "once", client_id="retry-1")
    again = post(alice, room, "once", client_id="retry-1")

    assert (first.created, again.created) == (True, False)
    assert again.message == first.message
    assert Message.objects.count() == 1


@pytest.mark.parametrize("parent_id", [0, -1, "1", 1.5, True])
def test_posting_refuses_a_parent_id_that_names_no_message(alice, room, parent_id):
    with pytest.raises(ValidationError) as refused:
        post(alice, room, "reply", parent_id=parent_id)

    assert refused.value.message == "The thread root is not a message of this room."
    assert "parent_id" in refused.value.details
    assert not Message.objects.exists()


def test_posting_refuses_a_thread_root_of_another_room(alice, room):
    elsewhere = posted(alice, create_room(alice, name="elsewhere"), "root")

    with pytest.raises(ValidationError) as refused:
        post(alice, room, "reply", parent_id=elsewhere["id"])

    assert "parent_id" in refused.value.details
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "content",
    ["", "   ", "tab\x0b", None],
)
def test_editing_refuses_content_the_api_refuses(alice, room, content):
    message = posted(alice, room, "as written")

    with pytest.raises(ValidationError) as refused:
        services.edit_message(actor=alice, message_id=message["id"], content=content)

    assert "content" in refused.value.details
    assert Message.objects.get().content == "as written"


@pytest.mark.parametrize("emoji", ["", "abc", "👍/", "👍👍", "\x00", "👍" + "\ufe0f" * 10, None])
def test_reacting_refuses_anything_but_one_emoji(alice, bob, room, emoji):
    message = posted(alice, room, "react to me")

    with pytest.raises(ValidationError) as refused:
        services.add_reaction(actor=bob, message_id=message["id"], emoji=emoji)

    assert refused.value.message == "A reaction is one emoji."
    assert "emoji" in refused.value.details
    assert not Reaction.objects.exists()
