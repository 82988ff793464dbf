"""With JavaScript off, a person still signs in, reads a room's history and posts."""

from __future__ import annotations

import re

from tests.browser.support import (
    composer,
    expect,
    message_ids,
    messages_with,
    open_room,
    sign_in,
)


def test_without_javascript_one_reads_the_history_and_posts(rest, open_page):
    alice, bob = rest.register("alice"), rest.register("bob")
    room = rest.create_room(alice)
    rest.join(bob, room["id"])
    for index in range(3):
        rest.post(alice, room["id"], f"History line {index}")

    page = open_page(java_script_enabled=False)
    sign_in(page, bob.username)
    open_room(page, room["id"], live=False)
    for index in range(3):
        expect(messages_with(page, f"History line {index}")).to_have_count(1)
    assert message_ids(page) == rest.message_ids(bob, room["id"])

    composer(page).fill("Posted without JavaScript")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/rooms/{room['id']}/([?#].*)?$"))
    expect(messages_with(page, "Posted without JavaScript")).to_have_count(1)
    assert message_ids(page) == rest.message_ids(bob, room["id"])
    expect(composer(page)).to_have_value("")


def test_without_javascript_older_messages_are_a_link_away(rest, open_page):
    alice = rest.register("alice")
    room = rest.create_room(alice)
    # More than any one page holds (the API clamps pages at 100).
    for index in range(105):
        rest.post(alice, room["id"], f"Line number {index:03}")

    page = open_page(java_script_enabled=False)
    sign_in(page, alice.username)
    open_room(page, room["id"], live=False)
    expect(messages_with(page, "Line number 104")).to_have_count(1)
    expect(messages_with(page, "Line number 000")).to_have_count(0)
    newest_page = message_ids(page)

    page.get_by_role("link", name="Older messages").click()
    expect(page).to_have_url(re.compile(r"[?&]before=\d+"))
    older = message_ids(page)
    assert older, "the older page is empty"
    assert int(older[-1]) < int(newest_page[0]), "the older page overlaps the newer one"
