"""axe-core finds no serious or critical violation on the main pages, light and dark."""

from __future__ import annotations

import pytest

from tests.browser.support import (
    assert_no_serious_axe_violations,
    expect,
    furnish_room,
    open_room,
    sign_in,
    visit,
)

pytestmark = pytest.mark.parametrize("scheme", ["light", "dark"])


@pytest.fixture
def signed_in(rest, open_page):
    """``signed_in(scheme)``: Alice, signed in on a page in that colour scheme, and her room."""

    def make(scheme):
        alice, bob = rest.register("alice"), rest.register("bob")
        room = furnish_room(rest, alice, bob)
        page = open_page(color_scheme=scheme)
        sign_in(page, alice.username)
        return page, room

    return make


def test_the_sign_in_page(open_page, scheme):
    page = open_page(color_scheme=scheme)
    visit(page, "/login/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert_no_serious_axe_violations(page)


def test_the_room_list(signed_in, scheme):
    page, room = signed_in(scheme)
    visit(page, "/")
    expect(page.get_by_role("navigation", name="Rooms", exact=True)).to_contain_text(room["name"])
    assert_no_serious_axe_violations(page)


def test_a_room(signed_in, scheme):
    page, room = signed_in(scheme)
    open_room(page, room["id"])
    expect(page.get_by_role("log", name="Messages", exact=True)).to_contain_text("new layout")
    assert_no_serious_axe_violations(page)


def test_the_settings(signed_in, scheme):
    page, _ = signed_in(scheme)
    visit(page, "/settings/")
    assert_no_serious_axe_violations(page)
