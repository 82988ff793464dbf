"""Settings in a browser: a picture uploads when chosen, a theme applies at once."""

from __future__ import annotations

from PIL import Image

from tests.browser.support import expect, visit


def test_a_chosen_picture_uploads_at_once_and_shows(person, tmp_path):
    alice = person("alice")
    picture = tmp_path / "me.png"
    Image.new("RGB", (64, 64), (120, 80, 200)).save(picture)
    visit(alice.page, "/settings/")
    alice.page.get_by_label("New picture").set_input_files(str(picture))
    expect(alice.page.get_by_role("img", name="Your current picture")).to_be_visible()


def test_the_dark_theme_applies_on_the_next_page(person):
    alice = person("alice")
    visit(alice.page, "/settings/")
    alice.page.get_by_role("radio", name="Dark").check()
    alice.page.get_by_role("button", name="Save preferences").click()
    expect(alice.page.locator("html")).to_have_attribute("data-theme", "dark")
    visit(alice.page, "/rooms/browse/")
    expect(alice.page.locator("html")).to_have_attribute("data-theme", "dark")
