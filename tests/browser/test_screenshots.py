"""Screenshots of the main pages at desktop and phone width, light and dark.

Saved under tests/browser/screenshots/ (git-ignored) for people to look at;
each page must also fit the phone's width without scrolling sideways.
"""

from __future__ import annotations

import pytest

from tests.browser.support import (
    expect,
    furnish_room,
    open_room,
    save_screenshots,
    sign_in,
    visit,
)


@pytest.fixture
def alice_in_her_room(rest, open_page):
    alice, bob = rest.register("alice"), rest.register("bob")
    room = furnish_room(rest, alice, bob)
    page = open_page()
    sign_in(page, alice.username)
    return page, room


def test_the_sign_in_page(open_page):
    page = open_page()
    visit(page, "/login/")
    assert len(save_screenshots(page, "sign-in")) == 4


def test_the_room_list(alice_in_her_room):
    page, room = alice_in_her_room
    visit(page, "/")
    expect(page.get_by_role("navigation", name="Rooms", exact=True)).to_contain_text(room["name"])
    save_screenshots(page, "room-list")


def test_a_room_with_markdown_a_mention_and_reactions(alice_in_her_room):
    page, room = alice_in_her_room
    open_room(page, room["id"])
    expect(page.locator(".reactions [data-emoji='🎉']")).to_be_visible()
    save_screenshots(page, "room")


def test_the_settings(alice_in_her_room):
    page, _ = alice_in_her_room
    visit(page, "/settings/")
    save_screenshots(page, "settings")
