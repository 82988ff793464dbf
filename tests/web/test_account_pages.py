"""The account pages: sign up, sign in, sign out, settings and device sessions.

Through the Django test client on the real database, as a browser would:
forms posted, redirects followed, the API asked what it now says.
"""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import User
from lair.models import AuditEntry
from sessions_app.models import DeviceSession
from tests.factories import PASSWORD, UserFactory
from tests.helpers import API, BROWSER_IP, browser_of, sign_in_device

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an entirely new passphrase"
SIGNUP_PASSWORD = "a long and unusual passphrase"
DEVICE_SESSION_KEY = "device_session_id"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


def browser(**extra) -> Client:
    return Client(REMOTE_ADDR=BROWSER_IP, HTTP_USER_AGENT=FIREFOX, **extra)


def signup(client, **fields):
    body = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password": SIGNUP_PASSWORD,
        **fields,
    }
    return client.post("/signup/", body)


def login(client, identifier, password=PASSWORD, next_url=None):
    path = "/login/" if next_url is None else f"/login/?next={next_url}"
    return client.post(path, {"identifier": identifier, "password": password})


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def field_errors(response, form_name: str, field: str) -> list[str]:
    return [str(e) for e in response.context[form_name].errors.get(field, [])]


def form_errors(response, form_name: str = "form") -> list[str]:
    return [str(e) for e in response.context[form_name].non_field_errors()]


def signed_in_user(client):
    """Who the client is signed in as, per GET /api/v1/users/profile (by its cookie)."""
    response = client.get(f"{API}/users/profile")
    return response.json()["username"] if response.status_code == 200 else None


def session_ids_of(client) -> list[int]:
    return [s["id"] for s in client.get(f"{API}/sessions").json()["results"]]


def audit_actions() -> list[tuple]:
    return [
        (e.action, e.details.get("via"))
        for e in AuditEntry.objects.exclude(action="config.changed").order_by("id")
    ]


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def limits(settings, runtime_config):
    """Set rate limits: the registration one in settings, the sign-in ones in the runtime config."""

    def set_limits(*, register_ip=None, login_ip=None, login_username=None):
        if register_ip:
            settings.RATELIMITS = {**settings.RATELIMITS, "register_ip": register_ip}
        changes = {}
        if login_ip:
            changes["login_rate_limit_ip"] = login_ip
        if login_username:
            changes["login_rate_limit_username"] = login_username
        if changes:
            runtime_config(**changes)

    return set_limits


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


# --- Sign up -----------------------------------------------------------------------


def test_the_signup_page_has_labelled_fields_and_a_create_account_button():
    response = browser().get("/signup/")

    text = page_text(response)
    assert response.status_code == 200
    for label in ("Username", "Email", "Password", "Display name"):
        assert f">{label}</label>" in text
    assert ">Create account</button>" in text
    assert 'name="csrfmiddlewaretoken"' in text


def test_signing_up_lands_on_home_signed_in_with_a_device_session():
    client = browser()

    response = signup(client, display_name="New Comer")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user(client) == "newcomer"
    user = User.objects.get(username="newcomer")
    assert user.display_name == "New Comer"
    session = DeviceSession.objects.active().get(user=user)
    assert client.session[DEVICE_SESSION_KEY] == session.pk
    assert client.get("/").status_code == 200


def test_signing_up_honours_a_local_next():
    response = browser().post(
        "/signup/?next=/rooms/browse/",
        {"username": "newcomer", "email": "n@example.org", "password": SIGNUP_PASSWORD},
    )

    assert response["Location"] == "/rooms/browse/"


def test_a_taken_username_is_a_field_error_and_the_input_stays(alice):
    response = signup(browser(), username="Alice", email="other@example.org")

    assert response.status_code == 400
    assert field_errors(response, "form", "username") == ["That username is taken."]
    assert 'value="Alice"' in page_text(response)
    assert 'value="other@example.org"' in page_text(response)
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_a_weak_password_and_a_bad_username_are_field_errors():
    response = signup(browser(), username="no spaces allowed", password="123")

    assert response.status_code == 400
    assert field_errors(response, "form", "username")
    assert not User.objects.filter(email="newcomer@example.org").exists()
    weak = signup(browser(), password="password")
    assert weak.status_code == 400
    assert field_errors(weak, "form", "password")


def test_closed_registration_is_said_on_the_page_and_refused(runtime_config):
    runtime_config(registration_open=False)
    client = browser()

    page = client.get("/signup/")
    response = signup(client)

    assert "Registration is closed" in page_text(page)
    assert "Create account</button>" not in page_text(page)
    assert response.status_code == 403
    assert "Registration is closed" in page_text(response)
    assert not User.objects.filter(username="newcomer").exists()
    assert signed_in_user(client) is None


def test_the_registration_limit_counts_the_page_and_the_api_together(api, limits):
    limits(register_ip="2/3600s")
    bad = {"username": "x y", "email": "a@example.org", "password": SIGNUP_PASSWORD}
    api.post(f"{API}/auth/register", bad, format="json", REMOTE_ADDR=BROWSER_IP)
    signup(browser(), username="bad name")

    response = signup(browser())
    over_api = api.post(
        f"{API}/auth/register",
        {"username": "other", "email": "o@example.org", "password": SIGNUP_PASSWORD},
        format="json",
        REMOTE_ADDR=BROWSER_IP,
    )

    assert response.status_code == 429
    assert any("Try again in" in e for e in form_errors(response))
    assert 'value="newcomer"' in page_text(response)
    assert "Registration is closed" not in page_text(response)
    assert over_api.status_code == 429
    assert not User.objects.filter(username="newcomer").exists()


def test_a_signed_in_visitor_is_sent_home_from_signup_and_login(alice):
    client = browser_of(alice)

    assert client.get("/signup/")["Location"] == "/"
    assert client.get("/login/")["Location"] == "/"


# --- Sign in -----------------------------------------------------------------------


def test_the_login_page_has_its_fields_and_a_link_to_sign_up():
    text = page_text(browser().get("/login/"))

    assert ">Username or email</label>" in text
    assert ">Password</label>" in text
    assert ">Sign in</button>" in text
    assert 'href="/signup/"' in text


@pytest.mark.parametrize("identifier", ["alice", "ALICE", "alice@example.org"])
def test_signing_in_with_the_username_or_the_email(identifier):
    UserFactory(username="alice", email="alice@example.org")
    client = browser()

    response = login(client, identifier)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user(client) == "alice"
    assert len(session_ids_of(client)) == 1


def test_a_wrong_password_is_a_form_error_and_an_audit_entry(alice):
    client = browser()

    response = login(client, "alice", "not the password")

    assert response.status_code == 400
    assert form_errors(response) == ["Invalid username or password."]
    assert 'value="alice"' in page_text(response)
    assert audit_actions() == [("login.failed", "web")]
    assert signed_in_user(client) is None


def test_a_suspended_user_gets_the_wrong_passwords_answer():
    suspended = UserFactory(is_suspended=True)

    response = login(browser(), suspended.username)

    assert response.status_code == 400
    assert form_errors(response) == ["Invalid username or password."]


def test_too_many_attempts_are_a_form_error_saying_when_to_retry(alice, limits):
    limits(login_username="2/3600")
    client = browser()
    login(client, "alice", "wrong one")
    login(client, "alice", "wrong two")

    response = login(client, "alice")

    assert response.status_code == 429
    (error,) = form_errors(response)
    assert re.search(r"Try again in \d+ seconds\.", error), error
    assert signed_in_user(client) is None
    assert audit_actions()[-1] == ("login.locked_out", "web")


def test_the_login_limit_is_shared_with_the_api(alice, api, limits):
    limits(login_ip="2/3600")
    for _ in range(2):
        api.post(
            f"{API}/auth/login",
            {"username": "alice", "password": "wrong"},
            format="json",
            REMOTE_ADDR=BROWSER_IP,
        )

    assert login(browser(), "alice").status_code == 429


def test_a_local_next_is_honoured(alice):
    client = browser()

    response = login(client, "alice", next_url="/rooms/browse/%3Fq%3Dx")

    assert response["Location"] == "/rooms/browse/?q=x"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil"])
def test_a_next_to_another_site_lands_on_home(alice, target):
    response = browser().post(
        "/login/", {"identifier": "alice", "password": PASSWORD, "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_login_form_keeps_next_through_a_failed_attempt(alice):
    client = browser()

    failed = login(client, "alice", "wrong", next_url="/invitations/")

    assert 'name="next" value="/invitations/"' in page_text(failed)


def test_a_signed_out_visitor_of_a_page_is_sent_to_login_with_next():
    response = browser().get("/settings/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/settings/"


# --- Sign out ----------------------------------------------------------------------


def test_signing_out_ends_the_device_session(alice):
    client = browser()
    login(client, "alice")
    session_id = client.session[DEVICE_SESSION_KEY]
    old_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    other, _ = sign_in_device("alice")

    response = client.post("/logout/", follow=True)

    assert response.redirect_chain == [("/login/", 302)]
    assert "You have signed out." in page_text(response)
    assert session_id not in session_ids_of(other)
    assert DeviceSession.objects.get(pk=session_id).revoke_reason == "logout"
    replay = browser()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = old_cookie
    assert signed_in_user(replay) is None
    assert replay.get("/settings/").status_code == 302


def test_get_logout_does_not_sign_out(alice):
    client = browser_of(alice)

    response = client.get("/logout/")

    assert response.status_code == 200
    assert ">Sign out</button>" in page_text(response)
    assert signed_in_user(client) == "alice"


def test_the_app_shell_has_the_sign_out_button(alice):
    text = page_text(browser_of(alice).get("/settings/"))

    assert 'action="/logout/"' in text
    assert ">Sign out</button>" in text


# --- Settings ----------------------------------------------------------------------


def post_settings(client, section: str, **fields):
    prefixed = {f"{section}-{name}": value for name, value in fields.items()}
    return client.post("/settings/", {"section": section, **prefixed})


def test_the_settings_page_has_a_form_and_button_per_section(alice):
    text = page_text(browser_of(alice).get("/settings/"))

    for button in ("Save profile", "Upload avatar", "Save preferences", "Change password"):
        assert f">{button}</button>" in text
    for label in ("Display name", "Bio", "Time zone", "Current password", "New password"):
        assert f">{label}</label>" in text
    assert text.count('name="csrfmiddlewaretoken"') >= 5
    assert 'href="/settings/sessions/"' in text


def test_the_profile_is_saved_and_the_api_shows_it(alice):
    client = browser_of(alice)

    response = post_settings(
        client,
        "profile",
        display_name="Alice A.",
        status_text="On holiday",
        bio="Hello there",
        timezone="Europe/Paris",
    )

    assert response.status_code == 302
    profile = client.get(f"{API}/users/profile").json()
    assert (profile["display_name"], profile["status_text"], profile["bio"]) == (
        "Alice A.",
        "On holiday",
        "Hello there",
    )
    assert profile["timezone"] == "Europe/Paris"
    assert "Your profile was saved." in page_text(client.get("/settings/"))


def test_an_unknown_time_zone_is_a_field_error_and_nothing_changes(alice):
    client = browser_of(alice)

    response = post_settings(
        client, "profile", display_name="Changed", bio="", status_text="", timezone="Mars/Olympus"
    )

    assert response.status_code == 400
    assert field_errors(response, "profile_form", "timezone") == ["Unknown time zone."]
    assert 'value="Changed"' in page_text(response)
    alice.refresh_from_db()
    assert alice.display_name != "Changed"


def test_a_refused_character_in_the_display_name_is_a_field_error(alice):
    response = post_settings(
        browser_of(alice), "profile", display_name="bad\u202ename", timezone="UTC"
    )

    assert response.status_code == 400
    assert field_errors(response, "profile_form", "display_name")


def test_the_theme_is_saved_and_the_next_page_wears_it(alice):
    client = browser_of(alice)
    assert 'data-theme="system"' in page_text(client.get("/settings/"))

    response = post_settings(
        client, "preferences", theme="dark", notify="mentions", enter_to_send="on"
    )

    assert response.status_code == 302
    page = page_text(client.get("/settings/"))
    assert '<html lang="en" data-theme="dark">' in page
    settings_ = client.get(f"{API}/users/settings").json()
    assert settings_["theme"] == "dark"
    assert settings_["notify"] == "mentions"
    assert settings_["show_presence"] is False
    assert settings_["enter_to_send"] is True


def test_the_theme_radio_group_names_its_choices(alice):
    text = page_text(browser_of(alice).get("/settings/"))

    for choice in ("Follow the system", "Light", "Dark"):
        assert re.search(
            rf'<input type="radio" name="preferences-theme"[^>]*> {choice}</label>', text
        )


def test_an_unknown_theme_is_refused(alice):
    response = post_settings(browser_of(alice), "preferences", theme="neon", notify="all")

    assert response.status_code == 400
    assert field_errors(response, "preferences_form", "theme")


def test_an_avatar_upload_of_a_small_png_is_shown(alice, media):
    client = browser_of(alice)
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")

    response = client.post("/settings/", {"section": "avatar", "avatar-avatar": upload})

    assert response.status_code == 302
    avatar_url = client.get(f"{API}/users/profile").json()["avatar_url"]
    assert avatar_url
    page = page_text(client.get("/settings/"))
    assert "Your picture was updated." in page
    assert 'alt="Your current picture"' in page
    assert ">Remove avatar</button>" in page


def test_a_file_that_is_not_an_image_is_a_field_error(alice, media):
    client = browser_of(alice)
    upload = SimpleUploadedFile("me.png", b"not an image at all", content_type="image/png")

    response = client.post("/settings/", {"section": "avatar", "avatar-avatar": upload})

    assert response.status_code == 400
    assert field_errors(response, "avatar_form", "avatar") == [
        "Avatars must be PNG, JPEG, WebP or GIF images."
    ]
    assert not client.get(f"{API}/users/profile").json()["avatar_url"]


def test_a_picture_over_2_mb_is_a_field_error(alice, media):
    big = SimpleUploadedFile("big.png", b"\0" * (2 * 1024 * 1024 + 1), content_type="image/png")

    response = browser_of(alice).post("/settings/", {"section": "avatar", "avatar-avatar": big})

    assert response.status_code == 400
    (error,) = field_errors(response, "avatar_form", "avatar")
    assert "at most" in error


def test_an_upload_without_a_file_is_a_field_error(alice):
    response = browser_of(alice).post("/settings/", {"section": "avatar"})

    assert response.status_code == 400
    assert field_errors(response, "avatar_form", "avatar")


def test_the_avatar_can_be_removed(alice, media):
    client = browser_of(alice)
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    client.post("/settings/", {"section": "avatar", "avatar-avatar": upload})

    response = client.post("/settings/", {"section": "remove_avatar"})

    assert response.status_code == 302
    assert not client.get(f"{API}/users/profile").json()["avatar_url"]


def test_changing_the_password_keeps_this_browser_and_ends_the_others(alice):
    client = browser()
    login(client, "alice")
    other, _ = sign_in_device("alice")

    response = post_settings(client, "password", old_password=PASSWORD, new_password=NEW_PASSWORD)

    assert response.status_code == 302
    assert signed_in_user(client) == "alice"
    assert other.get(f"{API}/sessions").status_code == 401
    assert len(session_ids_of(client)) == 1
    assert "1 other session signed out" in page_text(client.get("/settings/"))
    assert login(browser(), "alice", NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_is_a_field_error(alice):
    response = post_settings(
        browser_of(alice), "password", old_password="not it", new_password=NEW_PASSWORD
    )

    assert response.status_code == 400
    assert field_errors(response, "password_form", "old_password") == [
        "The current password is wrong."
    ]


def test_an_unknown_section_is_not_a_server_error(alice):
    response = browser_of(alice).post("/settings/", {"section": "nonsense"}, follow=True)

    assert response.status_code == 200
    assert "That form is not one of this page" in page_text(response)


# --- Device sessions -----------------------------------------------------------------


def test_the_sessions_page_lists_this_browser_and_the_others(alice):
    client = browser()
    login(client, "alice")
    sign_in_device("alice", device_name="Work laptop")

    text = page_text(client.get("/settings/sessions/"))

    assert "Firefox on Linux" in text
    assert "This browser" in text
    assert "Work laptop" in text
    assert BROWSER_IP in text
    assert text.count(">Revoke</button>") == 1
    assert ">Sign out all other sessions</button>" in text
    assert 'href="/settings/"' in text


def test_revoking_a_session_signs_that_device_out(alice):
    client = browser()
    login(client, "alice")
    other, answer = sign_in_device("alice", device_name="Phone")

    response = client.post(f"/settings/sessions/{answer['session']['id']}/revoke/", follow=True)

    assert response.status_code == 200
    assert "Signed out Phone." in page_text(response)
    assert other.get(f"{API}/sessions").status_code == 401
    assert signed_in_user(client) == "alice"


def test_another_users_session_cannot_be_revoked(alice, bob):
    _, answer = sign_in_device("bob")

    response = browser_of(alice).post(f"/settings/sessions/{answer['session']['id']}/revoke/")

    assert response.status_code == 404
    assert DeviceSession.objects.get(pk=answer["session"]["id"]).revoked_at is None


def test_signing_out_all_other_sessions(alice):
    client = browser()
    login(client, "alice")
    phone, _ = sign_in_device("alice")
    laptop, _ = sign_in_device("alice")

    response = client.post("/settings/sessions/others/revoke/", follow=True)

    assert "Signed out 2 other sessions." in page_text(response)
    assert phone.get(f"{API}/sessions").status_code == 401
    assert laptop.get(f"{API}/sessions").status_code == 401
    assert len(session_ids_of(client)) == 1


def test_the_sessions_page_costs_the_same_queries_with_more_sessions(
    alice, django_assert_max_num_queries
):
    # The Django session, the cookie's device session with its user, the
    # sessions, and the shell (newest event id, rooms, invitations, theme): none per session.
    client = browser_of(alice)
    with django_assert_max_num_queries(7):
        assert client.get("/settings/sessions/").status_code == 200
    for n in range(8):
        sign_in_device("alice", device_name=f"Device {n}")

    with django_assert_max_num_queries(7):
        response = client.get("/settings/sessions/")

    assert response.status_code == 200
    assert page_text(response).count(">Revoke</button>") == 8


# --- CSRF ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/login/", "/signup/", "/logout/", "/settings/", "/settings/sessions/others/revoke/"]
)
def test_every_form_needs_its_csrf_token(alice, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    if path in ("/login/", "/signup/"):
        client = Client(enforce_csrf_checks=True)

    response = client.post(path, {"identifier": "alice", "password": PASSWORD})

    assert response.status_code == 403


def test_a_form_with_its_csrf_token_is_accepted(alice):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=BROWSER_IP)
    client.get("/login/")
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value

    response = client.post(
        "/login/", {"identifier": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302


def test_sign_up_shows_every_refused_field_at_once(client):
    response = client.post(
        "/signup/", {"username": "no spaces", "email": "not-an-email", "password": "x"}
    )
    assert response.status_code == 400
    assert response.text.count('class="field-error"') >= 3
