"""Message content: any printable text, in any script; control characters are refused."""

from __future__ import annotations

import pytest

from messaging.models import Message
from tests.helpers import API, assert_error, client_for, post_message, posted


@pytest.mark.parametrize(
    "content",
    [
        "שלום \u200fעולם\u200e",  # noqa: RUF001
        "مرحبا\u061c!",
        "👨\u200d👩\u200d👧 family",
        "a\u202eb",
        "tab\tnew\nline\r\n",
    ],
    ids=["hebrew-marks", "arabic-mark", "zwj-emoji", "bidi-override", "whitespace-controls"],
)
def test_printable_text_in_any_script_is_stored_unchanged(alice, room, content):
    message = posted(alice, room, content)

    assert message["content"] == content
    assert client_for(alice).get(f"{API}/messages/{message['id']}").json()["content"] == content


@pytest.mark.parametrize(
    "content",
    ["hello\x00world", "hello\x1b[2J", "bell\x07", "del\x7f", "c1\x85", "csi\x9b"],
    ids=["nul", "escape", "bell", "del", "nel", "csi"],
)
def test_control_characters_in_a_message_are_refused(alice, room, content):
    error = assert_error(post_message(alice, room, content), 400, "validation_error")

    assert "content" in error["details"], error
    assert "characters" in error["message"]
    assert not Message.objects.exists()


def test_an_edit_with_control_characters_is_refused(alice, room):
    message = posted(alice, room, "clean")

    response = client_for(alice).patch(
        f"{API}/messages/{message['id']}", {"content": "dirty\x1b"}, format="json"
    )

    error = assert_error(response, 400, "validation_error")
    assert "content" in error["details"], error
    assert Message.objects.get(pk=message["id"]).content == "clean"
