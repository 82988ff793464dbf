"""Threads in two browsers: a reply shows live in its thread and as a count on its root."""

from __future__ import annotations

import re

from tests.browser.support import (
    expect,
    expect_online,
    message,
    messages_with,
    send,
    visit,
)


def test_a_thread_reply_appears_live_in_the_thread_and_is_counted_in_the_room(conversation):
    alice, bob = conversation.alice, conversation.bob
    send(alice.page, "Shall we ship on Friday?")
    root = messages_with(bob.page, "Shall we ship on Friday?")
    expect(root).to_have_count(1)
    root_id = root.get_attribute("data-message-id")

    # Bob opens the thread from the message's action; Alice stays in the room.
    message(bob.page, root_id).hover()
    message(bob.page, root_id).get_by_role("link", name="Reply in thread").click()
    expect(bob.page).to_have_url(re.compile(rf"/threads/{root_id}/$"))
    expect_online(bob.page)
    send(bob.page, "Friday works for me")

    expect(messages_with(bob.page, "Friday works for me")).to_have_count(1)
    expect(bob.page.locator(".thread-root .thread-count")).to_have_text("1 reply")
    # In the room the reply is a count on its root, not a message of the timeline.
    expect(message(alice.page, root_id).locator(".thread-link")).to_have_text(
        re.compile(r"1\s+reply")
    )
    expect(messages_with(alice.page, "Friday works for me")).to_have_count(0)

    alice.page.reload()
    expect_online(alice.page)
    expect(messages_with(alice.page, "Friday works for me")).to_have_count(0)
    expect(message(alice.page, root_id).locator(".thread-link")).to_have_text(
        re.compile(r"1\s+reply")
    )

    visit(alice.page, f"/rooms/{conversation.room_id}/threads/{root_id}/")
    expect(messages_with(alice.page, "Friday works for me")).to_have_count(1)
