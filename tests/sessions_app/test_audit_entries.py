"""What sign-ins, sessions, passwords and suspensions write to the audit log.

Each act writes exactly one entry, from the service, with the client's IP
that the API or the admin saw; an act that is refused writes none.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from accounts.models import User
from lair.models import AuditEntry
from sessions_app.models import DeviceSession
from tests.factories import PASSWORD, DeviceSessionFactory, UserFactory
from tests.helpers import assert_error, sign_in_device

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

API = "/api/v1"
CLIENT_IP = "198.51.100.23"
OPERATOR_IP = "198.51.100.9"
NEW_PASSWORD = "a brand new passphrase 42"
WRONG_PASSWORD = "wrong password"


def entries() -> list[tuple]:
    """Every entry as (action, actor id, target type, target id, ip, details), oldest first;
    not the test's own setting of the limits (config.changed)."""
    return [
        (e.action, e.actor_id, e.target_type, e.target_id, e.ip, e.details)
        for e in AuditEntry.objects.exclude(action="config.changed").order_by("id")
    ]


def login(api, username, password=WRONG_PASSWORD):
    return api.post(
        f"{API}/auth/login",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=CLIENT_IP,
    )


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_browser(operator) -> Client:
    browser = Client(REMOTE_ADDR=OPERATOR_IP)
    browser.force_login(operator)
    return browser


# --- sign-in failures ---------------------------------------------------------------


def test_a_failed_login_over_the_api_records_login_failed_with_the_client_ip(api, user, caplog):
    with caplog.at_level(logging.INFO, logger="lair.security"):
        assert_error(login(api, user.username), 401, "authentication_failed")

    assert entries() == [("login.failed", None, "user", str(user.pk), CLIENT_IP, {"via": "api"})]
    # The security log line stays, for log routing.
    assert [r.action for r in caplog.records if r.name == "lair.security"] == ["login.failed"]


def test_a_failed_login_of_no_account_records_no_target(api):
    login(api, "nobody-by-this-name")

    assert entries() == [("login.failed", None, "", "", CLIENT_IP, {"via": "api"})]


def test_a_lockout_records_login_locked_out_with_its_scope(api, user, limits):
    limits(login_username="1/3600")
    login(api, user.username)

    assert_error(login(api, user.username), 429, "rate_limited")

    assert entries()[-1] == (
        "login.locked_out",
        None,
        "user",
        str(user.pk),
        CLIENT_IP,
        {"via": "api", "scope": "login_username"},
    )
    assert len(entries()) == 2


def test_a_successful_login_records_nothing(api, user):
    assert login(api, user.username, PASSWORD).status_code == 200

    assert entries() == []


# --- sessions -----------------------------------------------------------------------


def test_revoking_one_of_my_sessions_records_session_revoked(user):
    me, _ = sign_in_device(user.username)
    _, other = sign_in_device(user.username)
    other_id = other["session"]["id"]

    response = me.delete(f"{API}/sessions/{other_id}", REMOTE_ADDR=CLIENT_IP)

    assert response.status_code == 204
    assert entries() == [
        (
            "session.revoked",
            user.pk,
            "user",
            str(user.pk),
            CLIENT_IP,
            {"reason": "revoked", "count": 1, "session_ids": [other_id]},
        )
    ]


def test_revoking_someone_elses_session_records_nothing(user, bob):
    me, _ = sign_in_device(user.username)
    theirs = DeviceSessionFactory(user=bob)

    assert_error(me.delete(f"{API}/sessions/{theirs.pk}"), 404, "not_found")

    assert entries() == []


def test_the_cleanup_records_one_entry_with_the_count(user):
    me, _ = sign_in_device(user.username)
    sign_in_device(user.username)
    sign_in_device(user.username)

    response = me.post(f"{API}/sessions/cleanup", REMOTE_ADDR=CLIENT_IP)

    assert response.json() == {"revoked": 2}
    assert entries() == [
        (
            "session.revoked",
            user.pk,
            "user",
            str(user.pk),
            CLIENT_IP,
            {"reason": "revoked", "count": 2},
        )
    ]


def test_signing_out_records_nothing(user):
    me, _ = sign_in_device(user.username)

    assert me.post(f"{API}/auth/logout").status_code == 204

    assert entries() == []


def test_revoking_sessions_in_the_admin_records_the_operator(admin_browser, operator, bob):
    session = DeviceSessionFactory(user=bob)

    response = admin_browser.post(
        "/admin/sessions_app/devicesession/",
        {"action": "revoke", "_selected_action": [str(session.pk)]},
    )

    assert response.status_code == 302
    assert [e for e in entries() if e[0] == "session.revoked"] == [
        (
            "session.revoked",
            operator.pk,
            "user",
            str(bob.pk),
            OPERATOR_IP,
            {"reason": "admin", "count": 1, "session_ids": [session.pk]},
        )
    ]


# --- passwords ----------------------------------------------------------------------


def test_a_password_change_records_one_entry(user):
    me, _ = sign_in_device(user.username)
    sign_in_device(user.username)

    response = me.post(
        f"{API}/auth/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
        REMOTE_ADDR=CLIENT_IP,
    )

    assert response.status_code == 204
    assert entries() == [
        (
            "password.changed",
            user.pk,
            "user",
            str(user.pk),
            CLIENT_IP,
            {"via": "api", "sessions_revoked": 1},
        )
    ]


def test_a_refused_password_change_records_nothing(user):
    me, _ = sign_in_device(user.username)

    response = me.post(
        f"{API}/auth/password",
        {"old_password": "not my password", "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert entries() == []


def test_an_operator_setting_a_password_in_the_admin_records_password_changed(
    admin_browser, operator, bob
):
    response = admin_browser.post(
        f"/admin/accounts/user/{bob.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert entries() == [
        (
            "password.changed",
            operator.pk,
            "user",
            str(bob.pk),
            OPERATOR_IP,
            {"via": "admin", "sessions_revoked": 0},
        )
    ]


# --- suspensions (the admin's actions) ------------------------------------------------


def test_suspending_and_unsuspending_in_the_admin_record_the_operator_and_their_ip(
    admin_browser, operator, bob
):
    sign_in_device(bob.username)

    admin_browser.post(
        "/admin/accounts/user/",
        {"action": "suspend_users", "_selected_action": [str(bob.pk)]},
    )
    admin_browser.post(
        "/admin/accounts/user/",
        {"action": "unsuspend_users", "_selected_action": [str(bob.pk)]},
    )

    assert not User.objects.get(pk=bob.pk).is_suspended
    assert DeviceSession.objects.get(user=bob).revoke_reason == "suspended"
    assert entries() == [
        ("user.suspended", operator.pk, "user", str(bob.pk), OPERATOR_IP, {"revoked": 1}),
        ("user.unsuspended", operator.pk, "user", str(bob.pk), OPERATOR_IP, {}),
    ]


def test_a_staff_member_without_the_change_permission_cannot_suspend_nor_record(bob):
    clerk = UserFactory(username="clerk", is_staff=True)
    browser = Client(REMOTE_ADDR=OPERATOR_IP)
    browser.force_login(clerk)

    response = browser.post(
        "/admin/accounts/user/",
        {"action": "suspend_users", "_selected_action": [str(bob.pk)]},
    )

    # The site role opens the console, not the staff flag: back to the sign-in page.
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not User.objects.get(pk=bob.pk).is_suspended
    assert entries() == []
