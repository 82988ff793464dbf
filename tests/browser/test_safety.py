"""What a page must never do: run a message as markup, show a private room to an outsider,
redirect off the site after sign-in, or keep a signed-out session alive."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.support import (
    expect,
    expect_online,
    messages_with,
    open_room,
    send,
    sign_in,
    sign_out,
    visit,
)

XSS = "<img src=x onerror=alert(1)>"


def test_a_message_of_markup_shows_as_text_and_markdown_renders(conversation):
    alice, bob = conversation.alice, conversation.bob
    dialogs = []
    for page in (alice.page, bob.page):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    send(alice.page, XSS)
    send(alice.page, "Some **bold** words and `code` too")

    def check(page):
        shown = messages_with(page, XSS)
        expect(shown).to_have_count(1)
        expect(shown.locator(".message-body")).to_have_text(XSS)
        expect(shown.locator(".message-body img")).to_have_count(0)
        rendered = messages_with(page, "words and")
        expect(rendered.locator(".message-body strong")).to_have_text("bold")
        expect(rendered.locator(".message-body code")).to_have_text("code")
        expect(rendered.locator(".message-body")).not_to_contain_text("**")

    # Live (inserted by the script) on both pages, then as the server renders it.
    check(alice.page)
    check(bob.page)
    bob.page.reload()
    check(bob.page)
    expect(bob.page.locator("#messages img[src='x']")).to_have_count(0)
    assert dialogs == []


def test_a_private_room_is_not_found_for_an_outsider(rest, person, open_page):
    owner = rest.register("owner")
    room = rest.create_room(owner, "Secret plans", type="private")
    rest.post(owner, room["id"], "The plans are in the drawer")
    outsider = person("outsider")
    open_page.allow_console_error(r"status of 404")

    visit(outsider.page, f"/rooms/{room['id']}/", status=404)
    expect(outsider.page.locator("body")).not_to_contain_text("Secret plans")
    expect(outsider.page.locator("body")).not_to_contain_text("The plans are in the drawer")


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/"])
def test_signing_in_never_redirects_off_the_site(rest, open_page, server, elsewhere):
    someone = rest.register("someone")
    page = open_page()
    sign_in(page, someone.username, next=elsewhere)
    expect(page).to_have_url(f"{server.url}/")


def test_signing_in_follows_a_local_next(rest, open_page, server):
    someone = rest.register("someone")
    page = open_page()
    sign_in(page, someone.username, next="/rooms/browse/")
    expect(page).to_have_url(f"{server.url}/rooms/browse/")


def test_signing_out_closes_the_socket_and_ends_the_session(conversation, open_page, server):
    alice, bob = conversation.alice, conversation.bob
    # Alice's second tab on the room: the same session, its own socket.
    other_tab = open_page.new_tab(alice.page)
    sockets = []
    other_tab.on("websocket", lambda socket: sockets.append(socket))
    open_room(other_tab, conversation.room_id)
    assert sockets, "the room page opened no socket"
    cookies = {c["name"]: c["value"] for c in alice.page.context.cookies()}
    profile = f"{server.url}/api/v1/users/profile"
    assert httpx.get(profile, cookies=cookies).status_code == 200
    # Its reconnection attempts are refused from now on.
    open_page.allow_console_error(r"WebSocket connection to 'ws://[^']+/api/v1/ws/?' failed")

    sign_out(alice.page)

    for socket in sockets:
        if not socket.is_closed():
            socket.wait_for_event("close")
    # The other tab shows it is cut off, or has gone to the sign-in page already.
    expect(other_tab.locator('#connection-state[data-state="online"]')).to_have_count(0)
    answer = httpx.get(profile, cookies=cookies)
    assert answer.status_code in (401, 403), answer.text
    other_tab.reload()
    expect(other_tab).to_have_url(re.compile(r"/login/"))

    # Bob, in his own browser, goes on as before.
    expect_online(bob.page)
    send(bob.page, "Still here")
    expect(messages_with(bob.page, "Still here")).to_have_count(1)
