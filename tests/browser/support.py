"""The browser tests' live server, page tracking and helpers (used by conftest.py and the tests).

The server is a real uvicorn process serving the production ASGI app with
DEBUG off, whitenoise serving collected static files, a SQLite file database
of its own and the in-memory channel layer: what `make run` serves, minus TLS.
Tests drive it through Debian's chromium with Playwright's sync API, by the
accessible names of API.md "Pages", and prepare data over the REST API.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect
except ImportError:  # conftest.py skips the folder; the tests never run then
    Browser = BrowserContext = Page = None
    expect = None

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"

PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "mobile": MOBILE}
SCHEMES = ("light", "dark")

MESSAGES = "#messages [data-message-id]"


def unique(prefix: str) -> str:
    """A name no other test (or earlier run on the same database) uses: usernames take 3-32."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The live server ----------------------------------------------------------


class LiveServer:
    """One uvicorn process on a fixed port and database: ``start()``, ``stop()``, ``restart()``.

    Its output goes to ``log_path``; ``log_tail()`` is printed with a failing test.
    """

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen | None = None
        self.env = self._environment()
        self.api = Api(self.url)

    def _environment(self) -> dict:
        # The CI's second run exports DATABASE_URL and REDIS_URL: the server
        # keeps its own SQLite file and in-memory layer either way (one process).
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="lair.settings",
            DEBUG="false",
            SECRET_KEY="browser-tests-only-secret-key-long-enough-for-hs256-0123456789",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            SECURE_HSTS_SECONDS="0",
            DATABASE_URL=f"sqlite:///{self.workdir / 'db.sqlite3'}",
            STATIC_ROOT=str(self.workdir / "static"),
            MEDIA_ROOT=str(self.workdir / "media"),
            # Every test signs people up from 127.0.0.1: the per-address
            # limits (10 registrations an hour) would stop the suite, and the
            # limits have tests of their own.
            RATELIMIT_ENABLE="false",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        return env

    def prepare(self) -> None:
        """Migrate the database and collect static files, as a deployment does."""
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if done.returncode:
                raise RuntimeError(f"manage.py {command[0]} failed:\n{done.stdout}\n{done.stderr}")

    def start(self, timeout: float = 30.0) -> None:
        # The flags of the Makefile's SERVE line (no permessage-deflate, no proxy headers).
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "lair.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--lifespan",
                    "off",
                    "--ws-per-message-deflate",
                    "false",
                    "--no-proxy-headers",
                    "--ws-max-size",
                    "16384",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the live server did not start:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        self.stop()
        self.api.close()


# --- The REST API, to prepare data fast ---------------------------------------


@dataclass
class Person:
    """Someone with an account on the live server, and an API token of their own."""

    username: str
    password: str
    token: str
    id: int
    page: Page | None = field(default=None, repr=False)

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """The live server's REST API (API.md), for setting up what a test is not about."""

    def __init__(self, url: str):
        self.http = httpx.Client(base_url=f"{url}/api/v1", timeout=10)

    def close(self) -> None:
        self.http.close()

    def _ok(self, answer: httpx.Response) -> dict:
        assert answer.status_code < 300, f"{answer.request.method} {answer.url}: {answer.text}"
        return answer.json() if answer.content else {}

    def register(self, prefix: str = "user", *, password: str = PASSWORD) -> Person:
        username = unique(prefix)
        body = self._ok(
            self.http.post(
                "/auth/register",
                json={
                    "username": username,
                    "email": f"{username}@example.com",
                    "password": password,
                },
            )
        )
        return Person(username, password, body["access"], body["user"]["id"])

    def login(self, username: str, password: str = PASSWORD) -> Person:
        body = self._ok(
            self.http.post("/auth/login", json={"username": username, "password": password})
        )
        return Person(username, password, body["access"], body["user"]["id"])

    def create_room(self, person: Person, name: str | None = None, *, type="public", **extra):
        payload = {"name": name or unique("Room"), "type": type, **extra}
        return self._ok(self.http.post("/rooms", json=payload, headers=person.headers))

    def join(self, person: Person, room_id: int) -> None:
        self._ok(self.http.post(f"/rooms/{room_id}/members", json={}, headers=person.headers))

    def add_member(self, person: Person, room_id: int, user: Person) -> None:
        self._ok(
            self.http.post(
                f"/rooms/{room_id}/members", json={"user_id": user.id}, headers=person.headers
            )
        )

    def post(self, person: Person, room_id: int, content: str) -> dict:
        return self._ok(
            self.http.post(
                f"/rooms/{room_id}/messages", json={"content": content}, headers=person.headers
            )
        )

    def react(self, person: Person, message_id: int, emoji: str) -> None:
        self._ok(
            self.http.post(
                f"/messages/{message_id}/reactions", json={"emoji": emoji}, headers=person.headers
            )
        )

    def message_ids(self, person: Person, room_id: int) -> list[str]:
        """The room's last 100 messages, oldest first, as the pages' ``data-message-id``."""
        body = self._ok(
            self.http.get(
                f"/rooms/{room_id}/messages", params={"limit": 100}, headers=person.headers
            )
        )
        return [str(message["id"]) for message in reversed(body["results"])]


# --- Pages: each in a context of its own, watched ------------------------------


class PageFactory:
    """``open_page()`` gives a page in a fresh browser context (one per person).

    Every request to a host other than the live server's is aborted and
    recorded, and so are console errors and uncaught exceptions; ``check()``
    (at the test's teardown) fails on any. A test that provokes an expected
    console error (a 404 page, a socket refused while the server restarts)
    names it with ``allow_console_error(pattern)``.
    """

    def __init__(self, browser: Browser, server: LiveServer):
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.left_host: list[str] = []
        self.console_errors: list[str] = []
        self.allowed: list[re.Pattern] = []

    def __call__(
        self,
        *,
        viewport: dict = DESKTOP,
        color_scheme: str = "light",
        java_script_enabled: bool = True,
        bypass_csp: bool = False,
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.server.url,
            viewport=viewport,
            color_scheme=color_scheme,
            java_script_enabled=java_script_enabled,
            bypass_csp=bypass_csp,
            locale="en-US",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", self._route)
        self.contexts.append(context)
        return self.watch(context.new_page())

    def new_tab(self, page: Page) -> Page:
        """Another page in the same context (same person, same cookies)."""
        return self.watch(page.context.new_page())

    def watch(self, page: Page) -> Page:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        page.on("websocket", lambda ws: self._check_host(ws.url))
        return page

    def allow_console_error(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def _route(self, route) -> None:
        if self._check_host(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _check_host(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == self.server.host:
            return True
        self.left_host.append(url)
        return False

    def _console(self, page: Page, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{page.url}: {message.text} ({message.location})")

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()

    def unexpected_console_errors(self) -> list[str]:
        return [
            text
            for text in self.console_errors
            if not any(pattern.search(text) for pattern in self.allowed)
        ]

    def report(self) -> str:
        lines = [f"request left the host: {url}" for url in self.left_host]
        lines += [f"console error: {text}" for text in self.unexpected_console_errors()]
        return "\n".join(lines) or "no request left the host, no console error"

    def check(self) -> None:
        assert not self.left_host, f"requests left the host: {self.left_host}"
        unexpected = self.unexpected_console_errors()
        assert not unexpected, "console errors:\n" + "\n".join(unexpected)


# --- Through the pages, as a person does -----------------------------------------


def visit(page: Page, path: str, *, status: int = 200):
    """Go to ``path`` and check the answer's status (a missing page fails here, fast)."""
    answer = page.goto(path)
    assert answer is not None, f"GET {path}: no answer"
    assert answer.status == status, f"GET {path} answered {answer.status}, not {status}"
    return answer


def sign_up(page: Page, username: str, password: str = PASSWORD, email: str | None = None):
    """Sign up through /signup/; a new account is signed in and lands on /."""
    visit(page, "/signup/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Email", exact=True).fill(email or f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Create account", exact=True).click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))


def sign_in(page: Page, username: str, password: str = PASSWORD, *, next: str | None = None):
    """Sign in through /login/ (with ``?next=`` when given); waits for the redirect away."""
    visit(page, "/login/" if next is None else f"/login/?{httpx.QueryParams(next=next)}")
    page.get_by_label("Username or email", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/"))


def open_room(page: Page, room_id: int, *, live: bool = True) -> None:
    """Go to a room page; with ``live``, wait until its socket is connected."""
    visit(page, f"/rooms/{room_id}/")
    expect(page.get_by_role("log", name="Messages", exact=True)).to_be_attached()
    if live:
        expect_online(page)


def expect_online(page: Page) -> None:
    """The page's socket is connected, and the connection indicator says so."""
    state = page.locator("#connection-state")
    expect(state).to_have_attribute("data-state", "online")
    expect(state).to_contain_text("Connected")


def rooms_nav(page: Page):
    return page.get_by_role("navigation", name="Rooms", exact=True)


def join_button(page: Page, room_name: str):
    """The "Join" button beside a room's name (on /rooms/browse/), whatever the markup around."""
    name = page.get_by_text(room_name)
    card = name.locator("xpath=ancestor::*[.//button or .//input[@type='submit']][1]")
    return card.get_by_role("button", name=re.compile(r"^Join\b"))


def composer(page: Page):
    return page.get_by_role("textbox", name="Message", exact=True)


def send(page: Page, text: str) -> None:
    """Type a message in the composer and press Enter, as a person does."""
    box = composer(page)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def messages_with(page: Page, text: str):
    """The message elements of the log holding ``text``."""
    return page.locator(MESSAGES).filter(has_text=text)


def message(page: Page, message_id):
    """The message element with that id."""
    return page.locator(f'#messages [data-message-id="{message_id}"]')


def message_ids(page: Page) -> list[str]:
    """The ``data-message-id`` of the log's messages, top (oldest) to bottom."""
    return page.locator(MESSAGES).evaluate_all("els => els.map(e => e.dataset.messageId)")


def act_on(page: Page, message_id, action: str) -> None:
    """Click one of a message's action buttons ("React", "Edit", "Delete", ...)."""
    element = message(page, message_id)
    element.hover()
    element.get_by_role("button", name=action, exact=True).click()


def room_id_of(page: Page) -> int:
    match = re.search(r"/rooms/(\d+)/", page.url)
    assert match, f"not a room page: {page.url}"
    return int(match.group(1))


def furnish_room(api: Api, alice: Person, bob: Person) -> dict:
    """A public room of Alice's that Bob joined, with a few messages as people write them:
    Markdown, a mention, a code block, reactions. Returns the room."""
    room = api.create_room(
        alice, unique("Design-review"), description="Weekly design review", topic="Ship it"
    )
    api.join(bob, room["id"])
    first = api.post(alice, room["id"], "Morning! The **new layout** is up for review.")
    api.post(bob, room["id"], f"@{alice.username} looks great, one nit: the `margin` on mobile.")
    api.post(alice, room["id"], "Fixed:\n\n```\n.composer { margin: 0 }\n```\n\n- lists\n- work")
    last = api.post(bob, room["id"], "> quoting works too\n\nSee https://example.com/docs")
    api.react(bob, first["id"], "👍")
    api.react(alice, first["id"], "👍")
    api.react(alice, last["id"], "🎉")
    return room


# --- Accessibility (axe-core) and screenshots ---------------------------------


def serious_axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now.

    The pages' CSP (script-src 'self') refuses an injected script tag, so axe
    is evaluated through the DevTools protocol, which the CSP does not cover.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text() + "\n;undefined")
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
                }));
        }"""
    )


def assert_no_serious_axe_violations(page: Page) -> None:
    """Fail with each serious or critical axe violation: its id, impact and first targets."""
    violations = serious_axe_violations(page)
    assert not violations, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['impact']} {v['id']} ({v['help']}): {', '.join(v['targets'])}" for v in violations
    )


def save_screenshots(page: Page, name: str, *, viewports=VIEWPORTS, schemes=SCHEMES) -> list[Path]:
    """Screenshots of the page at desktop and mobile width, light and dark.

    Saved as ``screenshots/<name>-<desktop|mobile>-<light|dark>.png``. At each
    width the page must not scroll sideways (responsive down to 360 px).
    """
    SCREENSHOTS.mkdir(exist_ok=True)
    saved = []
    for width_name, viewport in viewports.items():
        page.set_viewport_size(viewport)
        for scheme in schemes:
            page.emulate_media(color_scheme=scheme)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport}"
            path = SCREENSHOTS / f"{name}-{width_name}-{scheme}.png"
            page.screenshot(path=path, full_page=True, animations="disabled")
            saved.append(path)
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme="light")
    return saved


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if expect is None:
        return "the playwright module is not installed (pip install -e '.[dev]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None
