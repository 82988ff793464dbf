"""Cookie sign-ins (the admin, browser pages) are device sessions too.

Every Django login opens a device session whose id the Django session keeps.
A cookie works only while that device session lives and its user may sign in:
suspension, revocation, expiry, logout and a password change end it at once,
for the admin, the API (by cookie) and the pages alike.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from sessions_app import services
from sessions_app.models import DeviceSession
from tests.factories import PASSWORD, UserFactory
from tests.helpers import (
    assert_access_rejected,
    assert_access_works,
    assert_error,
    client_for,
    sign_in_device,
)

DEVICE_SESSION_KEY = "device_session_id"
NEW_PASSWORD = "an entirely new passphrase"


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


def admin_login(user, user_agent="Firefox/140.0", ip="198.51.100.7") -> Client:
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = browser.post(
        "/admin/login/", {"username": user.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return browser


def device_session_of(browser: Client) -> DeviceSession:
    return DeviceSession.objects.get(pk=browser.session[DEVICE_SESSION_KEY])


def assert_signed_in(browser: Client) -> None:
    assert browser.get("/admin/").status_code == 200
    assert browser.get("/api/v1/users/profile").status_code == 200


def assert_signed_out(browser: Client) -> None:
    """Refused at once: the API answers as to an anonymous caller, the admin asks to sign in."""
    assert_error(browser.get("/api/v1/users/profile"), 401, "not_authenticated")
    admin = browser.get("/admin/")
    assert admin.status_code == 302
    assert admin["Location"].startswith("/admin/login/")


def private_room_of(user) -> dict:
    response = client_for(user).post(
        "/api/v1/rooms", {"name": "staff only", "type": "private"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_an_admin_login_opens_a_device_session(staff):
    browser = admin_login(staff)

    session = device_session_of(browser)
    assert session.user_id == staff.pk
    assert session.is_active
    assert session.device_name == "Firefox/140.0"
    assert session.user_agent == "Firefox/140.0"
    assert session.ip == "198.51.100.7"
    # It is listed among the user's sessions, as the current one when asked by cookie.
    listed = browser.get("/api/v1/sessions").json()["results"]
    assert [(s["id"], s["current"]) for s in listed] == [(session.pk, True)]


def test_a_device_named_after_a_hostile_user_agent_loses_its_invisible_characters(staff):
    # The session list shows device names beside each other: an escape
    # sequence or a bidi override from a User-Agent must not reach it.
    browser = admin_login(staff, user_agent="Firefox\u202e/140.0\x1b[2J\u200b")

    assert device_session_of(browser).device_name == "Firefox/140.0[2J"


@pytest.mark.django_db
def test_force_login_opens_a_device_session_too(client, user):
    client.force_login(user)

    assert device_session_of(client).user_id == user.pk
    assert client.get("/api/v1/users/profile").status_code == 200


@pytest.mark.django_db
def test_a_staff_user_suspended_through_the_service_loses_the_api_and_the_admin_at_once(
    staff, operator
):
    browser = admin_login(staff)
    room = private_room_of(staff)
    messages = f"/api/v1/rooms/{room['id']}/messages"
    assert browser.get(messages).status_code == 200
    assert browser.get("/admin/").status_code == 200

    services.suspend_user(actor=operator, user=staff)

    assert_error(browser.get(messages), 401, "not_authenticated")
    admin = browser.get("/admin/")
    assert admin.status_code == 302
    assert admin["Location"].startswith("/admin/login/")
    session = DeviceSession.objects.get(user=staff)
    assert session.revoke_reason == DeviceSession.RevokeReason.SUSPENDED


@pytest.mark.django_db
def test_suspension_revokes_every_session_and_unsuspension_lets_the_user_sign_in_again(
    staff, operator, api
):
    browser = admin_login(staff)
    _, device = sign_in_device(staff.username)

    revoked = services.suspend_user(actor=operator, user=staff)

    assert revoked == 2
    assert User.objects.get(pk=staff.pk).is_suspended
    assert_signed_out(browser)
    assert_access_rejected(device["access"])
    assert set(DeviceSession.objects.values_list("revoke_reason", flat=True)) == {"suspended"}

    services.unsuspend_user(actor=operator, user=staff)

    assert not User.objects.get(pk=staff.pk).is_suspended
    # Old sessions stay ended; a new sign-in works.
    assert_signed_out(browser)
    assert_signed_in(admin_login(staff))


@pytest.mark.django_db
def test_flipping_the_flag_in_the_database_is_enough_to_refuse_the_cookie(staff):
    browser = admin_login(staff)

    User.objects.filter(pk=staff.pk).update(is_suspended=True)

    assert_signed_out(browser)


@pytest.mark.django_db
def test_a_deactivated_users_cookie_is_refused(staff):
    browser = admin_login(staff)

    User.objects.filter(pk=staff.pk).update(is_active=False)

    assert_signed_out(browser)


@pytest.mark.django_db
def test_revoking_the_device_session_signs_the_browser_out(staff):
    browser = admin_login(staff)
    other, _ = sign_in_device(staff.username)

    response = other.delete(f"/api/v1/sessions/{device_session_of(browser).pk}")

    assert response.status_code == 204, response.content
    assert_signed_out(browser)


@pytest.mark.django_db
def test_an_expired_cookie_session_is_refused(staff):
    browser = admin_login(staff)
    expires_at = device_session_of(browser).expires_at

    with time_machine.travel(expires_at + timedelta(seconds=1)):
        assert_signed_out(browser)


@pytest.mark.django_db
def test_a_cookie_login_without_a_device_session_is_refused(staff):
    # A Django session from before device sessions were kept in it.
    browser = admin_login(staff)
    session = browser.session
    del session[DEVICE_SESSION_KEY]
    session.save()

    assert_signed_out(browser)


@pytest.mark.django_db
def test_a_device_session_of_another_user_does_not_sign_in(staff, user):
    browser = admin_login(staff)
    session = browser.session
    session[DEVICE_SESSION_KEY] = services.open_session(user=user).session.pk
    session.save()

    assert_signed_out(browser)


@pytest.mark.django_db
def test_a_refused_cookie_is_flushed(staff):
    browser = admin_login(staff)
    DeviceSession.objects.update(revoked_at=timezone.now())

    browser.get("/api/v1/users/profile")

    assert "_auth_user_id" not in browser.session
    # Un-revoking the row later does not bring the browser back.
    DeviceSession.objects.update(revoked_at=None)
    assert_signed_out(browser)


@pytest.mark.django_db
def test_signing_in_again_in_the_same_browser_replaces_its_device_session(staff):
    browser = admin_login(staff)
    first = device_session_of(browser)

    browser.post("/admin/login/", {"username": staff.username, "password": PASSWORD})

    second = device_session_of(browser)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert not first.is_active
    assert_signed_in(browser)


@pytest.mark.django_db
def test_api_logout_by_cookie_ends_the_device_session(staff):
    browser = admin_login(staff)
    session = device_session_of(browser)

    response = browser.post("/api/v1/auth/logout")

    assert response.status_code == 204, response.content
    session.refresh_from_db()
    assert session.revoke_reason == DeviceSession.RevokeReason.LOGOUT
    assert_signed_out(browser)


@pytest.mark.django_db
def test_admin_logout_ends_the_device_session(staff):
    browser = admin_login(staff)
    session = device_session_of(browser)

    response = browser.post("/admin/logout/")

    assert response.status_code == 200, response.status_code
    session.refresh_from_db()
    assert session.revoke_reason == DeviceSession.RevokeReason.LOGOUT
    assert_signed_out(browser)


@pytest.mark.django_db
def test_a_password_change_by_cookie_keeps_this_browser_and_ends_every_other_session(staff):
    browser = admin_login(staff)
    other_browser = admin_login(staff, user_agent="Chromium/150.0")
    _, device = sign_in_device(staff.username)

    response = browser.post(
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 204, response.content
    assert_signed_in(browser)
    assert device_session_of(browser).is_active
    assert_signed_out(other_browser)
    assert_access_rejected(device["access"])
    reasons = DeviceSession.objects.exclude(pk=device_session_of(browser).pk).values_list(
        "revoke_reason", flat=True
    )
    assert set(reasons) == {"password_changed"}


@pytest.mark.django_db
def test_the_admin_suspend_action_revokes_sessions(staff, operator, user):
    browser = admin_login(operator)
    _, device = sign_in_device(user.username)

    response = browser.post(
        "/admin/accounts/user/",
        {"action": "suspend_users", "_selected_action": [str(user.pk)]},
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert User.objects.get(pk=user.pk).is_suspended
    assert_access_rejected(device["access"])
    assert set(DeviceSession.objects.filter(user=user).values_list("revoke_reason", flat=True)) == {
        "suspended"
    }

    browser.post(
        "/admin/accounts/user/",
        {"action": "unsuspend_users", "_selected_action": [str(user.pk)]},
    )
    assert not User.objects.get(pk=user.pk).is_suspended


@pytest.mark.django_db
def test_a_password_change_in_the_admin_keeps_this_browser_and_ends_every_other_session(staff):
    browser = admin_login(staff)
    other_browser = admin_login(staff, user_agent="Chromium/150.0")
    _, device = sign_in_device(staff.username)

    response = browser.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert_signed_in(browser)
    assert_signed_out(other_browser)
    assert_access_rejected(device["access"])
    kept = device_session_of(browser)
    assert kept.is_active
    assert set(
        DeviceSession.objects.exclude(pk=kept.pk).values_list("revoke_reason", flat=True)
    ) == {"password_changed"}


@pytest.mark.django_db
def test_an_operator_setting_a_users_password_ends_every_session_of_that_user(operator, staff):
    browser = admin_login(operator)
    victim_browser = admin_login(staff)
    _, device = sign_in_device(staff.username)

    response = browser.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set_usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert User.objects.get(pk=staff.pk).check_password(NEW_PASSWORD)
    assert_signed_out(victim_browser)
    assert_access_rejected(device["access"])
    assert_signed_in(browser)


@pytest.mark.django_db
def test_a_wrong_old_password_in_the_admin_ends_no_session(staff):
    browser = admin_login(staff)
    _, device = sign_in_device(staff.username)

    response = browser.post(
        "/admin/password_change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert not DeviceSession.objects.filter(revoked_at__isnull=False).exists()
    assert_access_works(device["access"])
    assert_signed_in(browser)


def change_form_data(browser: Client, user, **changes) -> dict:
    """The admin change form of ``user`` as the page shows it, with ``changes``."""
    page = browser.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None
        and value is not False
        and name
        not in (
            "password",
            "avatar",
            "groups",
            "user_permissions",
            "last_login",
            "last_seen",
            "date_joined",
        )
    }
    data.update(
        {
            "is_active": "on",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "settings-TOTAL_FORMS": "1",
            "settings-INITIAL_FORMS": "1",
            "settings-MIN_NUM_FORMS": "0",
            "settings-MAX_NUM_FORMS": "1",
            "settings-0-user": str(user.pk),
            "settings-0-theme": "system",
            "settings-0-notify": "all",
            "settings-0-language": "en",
            **changes,
        }
    )
    return data


@pytest.mark.django_db
def test_suspending_in_the_admin_change_form_revokes_every_session(operator, staff):
    browser = admin_login(operator)
    victim_browser = admin_login(staff)
    _, device = sign_in_device(staff.username)

    data = change_form_data(browser, staff, is_suspended="on")
    response = browser.post(f"/admin/accounts/user/{staff.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=staff.pk).is_suspended
    assert_signed_out(victim_browser)
    assert_access_rejected(device["access"])
    reasons = DeviceSession.objects.filter(user=staff).values_list("revoke_reason", flat=True)
    assert set(reasons) == {"suspended"}
