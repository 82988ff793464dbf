"""Signing in at /admin/login/: the API's limits, its failures, its device sessions.

Time is frozen so that a rate window never rolls over mid-test.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from tests.helpers import assert_error

ADMIN_LOGIN = "/admin/login/"
API_LOGIN = "/api/v1/auth/login"
INVALID = "Please enter the correct username and password for a staff account."
LIMITED = "Too many sign-in attempts."
WRONG_PASSWORD = "wrong password"


pytestmark = pytest.mark.usefixtures("frozen_time")


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


def admin_login(client: Client, username: str, password: str = WRONG_PASSWORD, ip="198.51.100.1"):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT="Firefox/140.0",
    )


def signed_in_to_admin(client: Client) -> bool:
    response = client.get("/admin/")
    return response.status_code == 200


def assert_form_error(response, text: str) -> None:
    assert response.status_code == 200, response.status_code
    assert text in response.content.decode(), response.content.decode()[-2000:]


@pytest.mark.django_db
def test_wrong_passwords_at_the_admin_login_are_limited_per_account(client, staff, limits):
    limits(login_username="3/3600")
    for n in range(3):
        assert_form_error(admin_login(client, staff.username, ip=f"203.0.113.{n}"), INVALID)

    # From another address, even with the right password.
    response = admin_login(client, staff.username, PASSWORD, ip="203.0.113.99")

    assert_form_error(response, LIMITED)
    assert not signed_in_to_admin(client)


@pytest.mark.django_db
def test_the_admin_login_is_limited_per_ip(client, staff, limits):
    limits(login_ip="3/3600")
    for n in range(3):
        assert_form_error(admin_login(client, f"someone{n}"), INVALID)

    assert_form_error(admin_login(client, staff.username, PASSWORD), LIMITED)
    assert not signed_in_to_admin(client)
    # Another address may still sign in.
    assert admin_login(client, staff.username, PASSWORD, ip="198.51.100.2").status_code == 302
    assert signed_in_to_admin(client)


@pytest.mark.django_db
def test_the_admin_login_and_the_api_login_share_one_limit(api, client, staff, limits):
    limits(login_username="3/3600")
    for _ in range(3):
        api.post(API_LOGIN, {"username": staff.email, "password": WRONG_PASSWORD}, format="json")

    assert_form_error(admin_login(client, staff.username, PASSWORD), LIMITED)
    limited = api.post(API_LOGIN, {"username": staff.username, "password": PASSWORD}, format="json")
    assert_error(limited, 429, "rate_limited")


@pytest.mark.django_db
def test_admin_login_failures_and_lockouts_are_security_events(client, staff, limits, caplog):
    limits(login_username="1/3600")

    with caplog.at_level(logging.INFO, logger="lair.security"):
        admin_login(client, staff.username)
        admin_login(client, staff.username)

    events = [r for r in caplog.records if r.name == "lair.security"]
    assert [(r.action, r.user_id, r.via, r.ip) for r in events] == [
        ("login.failed", staff.pk, "admin", "198.51.100.1"),
        ("login.locked_out", staff.pk, "admin", "198.51.100.1"),
    ]


@pytest.mark.django_db
def test_a_suspended_staff_user_cannot_sign_in_at_the_admin(client):
    suspended = UserFactory(is_staff=True, is_superuser=True, is_suspended=True)

    right = admin_login(client, suspended.username, PASSWORD)
    wrong = admin_login(client, suspended.username, WRONG_PASSWORD)

    assert_form_error(right, INVALID)
    assert_form_error(wrong, INVALID)
    assert not signed_in_to_admin(client)


@pytest.mark.django_db
def test_a_staff_user_signs_in_at_the_admin(client, staff):
    response = admin_login(client, staff.username, PASSWORD)

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert signed_in_to_admin(client)
