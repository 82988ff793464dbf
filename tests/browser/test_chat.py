"""Two people chatting in two browsers: live messages, typing, reactions, edits, deletions,
reloads and a server restart, each seen by the other side exactly once."""

from __future__ import annotations

import re

from tests.browser.support import (
    MESSAGES,
    act_on,
    composer,
    expect,
    expect_online,
    join_button,
    message,
    message_ids,
    messages_with,
    open_room,
    room_id_of,
    rooms_nav,
    send,
    sign_up,
    unique,
    visit,
)

# What chromium logs by itself while the server is down: the socket's
# reconnection attempts and any request made meanwhile.
RECONNECTING_ERRORS = (
    r"WebSocket connection to 'ws://[^']+/api/v1/ws/?' failed",
    r"Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET|CLOSED)",
)


def expect_once(pages, text: str) -> str:
    """``text`` is in exactly one message on every page; returns that message's id."""
    ids = set()
    for page in pages:
        found = messages_with(page, text)
        expect(found).to_have_count(1)
        ids.add(found.get_attribute("data-message-id"))
    assert len(ids) == 1, f"{text!r} has different ids on the pages: {ids}"
    return ids.pop()


def assert_same_history(*pages, truth: list[str]) -> None:
    for page in pages:
        expect(page.locator(MESSAGES)).to_have_count(len(truth))
        assert message_ids(page) == truth, page.url


def test_two_people_sign_up_create_and_join_a_room_and_talk_live(open_page, rest):
    alice_page, bob_page = open_page(), open_page()
    alice, bob = unique("alice"), unique("bob")
    sign_up(alice_page, alice)
    sign_up(bob_page, bob)

    room_name = unique("Room")
    visit(alice_page, "/rooms/new/")
    alice_page.get_by_label("Name", exact=True).fill(room_name)
    alice_page.get_by_label("Description", exact=True).fill("Where the tests talk")
    alice_page.get_by_role("radio", name=re.compile(r"^Public\b")).check()
    alice_page.get_by_role("button", name="Create room", exact=True).click()
    expect(alice_page).to_have_url(re.compile(r"/rooms/\d+/$"))
    expect(alice_page.get_by_role("heading", level=1, name=room_name, exact=True)).to_be_visible()
    room_id = room_id_of(alice_page)

    visit(bob_page, "/rooms/browse/")
    join = join_button(bob_page, room_name)
    join.click()
    expect(join).to_have_count(0)
    open_room(bob_page, room_id)
    expect(rooms_nav(bob_page).locator(f'a[data-room-id="{room_id}"]')).to_contain_text(room_name)
    expect_online(alice_page)

    pages = (alice_page, bob_page)
    send(alice_page, "Hello Bob, are you there?")
    expect_once(pages, "Hello Bob, are you there?")
    send(bob_page, "Hi Alice, loud and clear.")
    expect_once(pages, "Hi Alice, loud and clear.")

    # Shift+Enter starts a new line; only Enter sends.
    box = composer(bob_page)
    box.press_sequentially("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    expect(box).to_have_value("first line\nsecond line")
    expect(messages_with(alice_page, "first line")).to_have_count(0)
    box.press("Enter")
    expect(box).to_have_value("")
    multiline = expect_once(pages, "first line")
    expect(message(alice_page, multiline)).to_contain_text("second line")

    truth = rest.message_ids(rest.login(alice), room_id)
    assert len(truth) == 3
    assert_same_history(*pages, truth=truth)


def test_each_sees_the_other_typing(conversation):
    alice, bob = conversation.alice, conversation.bob

    composer(bob.page).press_sequentially("I am writing a long")
    expect(alice.page.get_by_label("Typing", exact=True)).to_contain_text(
        f"{bob.username} is typing"
    )
    expect(bob.page.get_by_label("Typing", exact=True)).not_to_contain_text(bob.username)

    composer(alice.page).press_sequentially("So am I")
    expect(bob.page.get_by_label("Typing", exact=True)).to_contain_text(
        f"{alice.username} is typing"
    )


def reaction(page, message_id, emoji="👍"):
    return message(page, message_id).locator(f'.reactions [data-emoji="{emoji}"]')


def test_a_reaction_shows_on_both_sides_with_its_count(conversation):
    alice, bob = conversation.alice, conversation.bob
    send(alice.page, "React to this, please")
    message_id = expect_once((alice.page, bob.page), "React to this, please")

    act_on(bob.page, message_id, "React")
    bob.page.get_by_role("button", name="👍", exact=True).click()
    for page, mine in ((alice.page, "false"), (bob.page, "true")):
        expect(reaction(page, message_id)).to_have_text(re.compile(r"^\s*👍\s*1\s*$"))
        expect(reaction(page, message_id)).to_have_attribute("aria-pressed", mine)

    # Pressing one's own reaction again takes it back.
    reaction(bob.page, message_id).click()
    expect(reaction(alice.page, message_id)).to_have_count(0)
    expect(reaction(bob.page, message_id)).to_have_count(0)


def test_an_edit_shows_on_both_sides_as_edited(conversation):
    alice, bob = conversation.alice, conversation.bob
    send(alice.page, "Thsi has a typo")
    message_id = expect_once((alice.page, bob.page), "Thsi has a typo")

    # Escape cancels an edit.
    act_on(alice.page, message_id, "Edit")
    editor = alice.page.get_by_role("textbox", name="Edit message", exact=True)
    editor.fill("never saved")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(message(alice.page, message_id).locator(".message-body")).to_have_text("Thsi has a typo")

    act_on(alice.page, message_id, "Edit")
    editor = alice.page.get_by_role("textbox", name="Edit message", exact=True)
    expect(editor).to_have_value("Thsi has a typo")
    editor.fill("This had a typo")
    editor.press("Enter")
    expect(editor).to_have_count(0)
    for page in (alice.page, bob.page):
        expect(message(page, message_id).locator(".message-body")).to_have_text("This had a typo")
        expect(message(page, message_id).locator(".message-edited")).to_have_text("(edited)")
    expect(messages_with(bob.page, "never saved")).to_have_count(0)


def test_a_deletion_shows_on_both_sides_as_a_placeholder(conversation):
    alice, bob = conversation.alice, conversation.bob
    send(alice.page, "I will regret this")
    message_id = expect_once((alice.page, bob.page), "I will regret this")

    # Delete asks first: dismissing keeps the message.
    alice.page.once("dialog", lambda dialog: dialog.dismiss())
    act_on(alice.page, message_id, "Delete")
    expect(message(alice.page, message_id)).not_to_have_attribute("data-deleted", "true")

    alice.page.once("dialog", lambda dialog: dialog.accept())
    act_on(alice.page, message_id, "Delete")
    for page in (alice.page, bob.page):
        expect(message(page, message_id)).to_have_attribute("data-deleted", "true")
        expect(message(page, message_id).locator(".message-body")).to_have_text(
            "This message was deleted."
        )
        expect(messages_with(page, "I will regret this")).to_have_count(0)


def test_a_reload_shows_the_same_history(conversation, rest):
    alice, bob = conversation.alice, conversation.bob
    pages = (alice.page, bob.page)
    for index in range(3):
        send(alice.page, f"From Alice, number {index}")
        send(bob.page, f"From Bob, number {index}")
    for index in range(3):
        expect_once(pages, f"From Alice, number {index}")
        expect_once(pages, f"From Bob, number {index}")
    live = message_ids(bob.page)

    bob.page.reload()
    expect_online(bob.page)
    truth = rest.message_ids(bob, conversation.room_id)
    assert live == truth
    assert_same_history(*pages, truth=truth)


def test_both_pages_recover_from_a_server_restart_with_nothing_lost_or_doubled(
    conversation, rest, server, open_page
):
    for pattern in RECONNECTING_ERRORS:
        open_page.allow_console_error(pattern)
    alice, bob = conversation.alice, conversation.bob
    pages = (alice.page, bob.page)
    send(alice.page, "Before the restart, from Alice")
    send(bob.page, "Before the restart, from Bob")
    expect_once(pages, "Before the restart, from Alice")
    expect_once(pages, "Before the restart, from Bob")

    server.stop()
    for page in pages:
        expect(page.locator("#connection-state")).not_to_have_attribute("data-state", "online")
        expect(page.locator("#connection-state")).not_to_contain_text("Connected")
    server.start()
    # Posted from Bob's other device while the pages are still reconnecting.
    rest.post(bob, conversation.room_id, "During the restart, from Bob's phone")

    for page in pages:
        expect_online(page)
    expect_once(pages, "During the restart, from Bob's phone")
    send(alice.page, "After the restart, from Alice")
    send(bob.page, "After the restart, from Bob")
    expect_once(pages, "After the restart, from Alice")
    expect_once(pages, "After the restart, from Bob")

    truth = rest.message_ids(bob, conversation.room_id)
    assert len(truth) == 5
    assert_same_history(*pages, truth=truth)


def test_the_title_counts_unread_messages_of_another_room(conversation, rest):
    alice, bob = conversation.alice, conversation.bob
    other = rest.create_room(alice)
    rest.join(bob, other["id"])
    open_room(bob.page, conversation.room_id)
    expect(bob.page).to_have_title(re.compile(r"^(?!\(\d+\) ).*· Lair Chat$"))

    rest.post(alice, other["id"], "Over here, Bob")
    expect(bob.page).to_have_title(re.compile(r"^\(1\) .*· Lair Chat$"))
    link = rooms_nav(bob.page).locator(f'a[data-room-id="{other["id"]}"]')
    expect(link.locator(".badge-unread")).to_have_text(re.compile(r"^\s*1\b"))
    expect(link).to_have_accessible_name(re.compile(r"\b1 unread"))
