"""The harness itself: the live server takes the production path, and pages are watched."""

from __future__ import annotations

import re

import httpx

from tests.browser.support import expect, serious_axe_violations


def test_the_live_server_answers_health_without_debug(server):
    answer = httpx.get(f"{server.url}/api/v1/health")
    assert answer.status_code == 200
    # DEBUG off: an unknown page is the plain 404, not Django's debug page.
    missing = httpx.get(f"{server.url}/no-such-page/")
    assert missing.status_code == 404
    assert "URLconf" not in missing.text


def test_static_files_are_collected_and_served_by_whitenoise(server, open_page):
    page = open_page()
    answer = page.goto("/admin/login/")
    assert answer.status == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    stylesheet = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    # The manifest storage names files by their content hash.
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
    css = httpx.get(server.url + stylesheet)
    assert css.status_code == 200
    assert "max-age=315360000" in css.headers["cache-control"]


def test_axe_runs_under_the_pages_content_security_policy(open_page):
    page = open_page()
    page.goto("/admin/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    # The admin's markup is not ours to judge here: the check must run, not pass.
    assert isinstance(serious_axe_violations(page), list)


def test_a_restart_closes_sockets_and_serves_again_on_the_same_port_and_database(
    server, rest, open_page
):
    someone = rest.register("restart")
    page = open_page()
    page.goto("/admin/login/")
    page.evaluate(
        """() => new Promise((opened, failed) => {
            const socket = new WebSocket(`ws://${location.host}/api/v1/ws/`);
            window.socketClosed = new Promise(closed => { socket.onclose = closed; });
            socket.onopen = opened;
            socket.onerror = failed;
        })"""
    )
    url = server.url

    server.restart()

    assert page.evaluate("() => window.socketClosed.then(() => true)")
    assert server.url == url
    assert rest.login(someone.username).id == someone.id
    assert page.goto("/admin/login/").status == 200
