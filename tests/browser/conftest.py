"""Fixtures of the browser tests: a live server process, chromium, and watched pages.

Per pytest-xdist worker (session scope): one uvicorn process on its own SQLite
file and one chromium. Per test: fresh browser contexts (one per person) from
``open_page``, checked at teardown for requests that left the host and for
console errors. See support.py for the helpers.

The folder is skipped, with the reason, when /usr/bin/chromium or the
playwright module is missing; a missing page is a failure, not a skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import support

HERE = Path(__file__).resolve().parent
_SKIP_REASON = support.chromium_missing_reason()
_SERVERS: list[support.LiveServer] = []


def pytest_collection_modifyitems(config, items):
    if _SKIP_REASON is None:
        return
    skip = pytest.mark.skip(reason=f"browser tests: {_SKIP_REASON}")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when in ("setup", "call") and report.failed:
        item.browser_test_failed = True
    if report.failed and _SERVERS and HERE in Path(item.path).parents:
        for server in _SERVERS:
            report.sections.append(
                (f"live server log, last lines ({server.url})", server.log_tail())
            )
    return report


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The live server: ``server.url``, ``server.api`` (REST helpers), ``server.restart()``."""
    live = support.LiveServer(tmp_path_factory.mktemp("browser-server"))
    live.prepare()
    live.start()
    _SERVERS.append(live)
    yield live
    _SERVERS.remove(live)
    live.close()


@pytest.fixture(scope="session")
def rest(server):
    """The live server's REST API (support.Api): accounts, rooms and messages made fast."""
    return server.api


# Per module, not per session: while the sync driver lives, its event loop
# counts as running in this thread, and later tests of the same worker that
# call asyncio.run() fail ("cannot be called from a running event loop").
@pytest.fixture(scope="module")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        support.expect.set_options(timeout=support.TIMEOUT_MS)
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver):
    chromium = playwright_driver.chromium.launch(
        executable_path=support.CHROMIUM, headless=True, args=support.CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def open_page(request, browser, server):
    """``open_page(viewport=..., color_scheme=..., java_script_enabled=...)`` -> a page in a
    fresh context; ``open_page.allow_console_error(pattern)``, ``open_page.new_tab(page)``."""
    pages = support.PageFactory(browser, server)
    yield pages
    pages.close()
    if getattr(request.node, "browser_test_failed", False):
        # A failed test reports its failure; what the pages logged is a clue to it.
        print(pages.report())
    else:
        pages.check()


@pytest.fixture
def person(rest, open_page):
    """``person(prefix)``: an account made over the API, signed in on a page of its own."""

    def make(prefix: str = "user", **page_options) -> support.Person:
        someone = rest.register(prefix)
        someone.page = open_page(**page_options)
        support.sign_in(someone.page, someone.username, someone.password)
        return someone

    return make


@dataclass
class Conversation:
    alice: support.Person
    bob: support.Person
    room_id: int
    room_name: str


@pytest.fixture
def conversation(rest, person):
    """Alice and Bob, members of one public room, each on its page with the socket connected."""
    alice, bob = person("alice"), person("bob")
    room = rest.create_room(alice, description="Where the tests talk")
    rest.join(bob, room["id"])
    for someone in (alice, bob):
        support.open_room(someone.page, room["id"])
    return Conversation(alice, bob, room["id"], room["name"])
