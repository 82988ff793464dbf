"""Rate limits on the auth endpoints: 429 rate_limited with a Retry-After header.

Time is frozen in these tests so that a rate window never rolls over mid-test.
"""

from __future__ import annotations

import logging

import pytest

from tests.factories import PASSWORD, UserFactory
from tests.helpers import assert_error

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"
WRONG_PASSWORD = "wrong password"


pytestmark = pytest.mark.usefixtures("frozen_time")


def login(api, username, password=WRONG_PASSWORD, ip="198.51.100.1"):
    return api.post(
        LOGIN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def assert_rate_limited(response, period_seconds: int) -> None:
    assert_error(response, 429, "rate_limited")
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= period_seconds


@pytest.mark.django_db
def test_login_brute_force_from_one_ip_is_rate_limited(api, limits):
    limits(login_ip="3/3600")
    for n in range(3):
        assert_error(login(api, f"victim{n}"), 401, "authentication_failed")

    assert_rate_limited(login(api, "victim9"), 3600)


@pytest.mark.django_db
def test_the_ip_limit_applies_even_to_the_right_password(api, user, limits):
    limits(login_ip="3/3600")
    for _ in range(3):
        login(api, "someone-else")

    assert_rate_limited(login(api, user.username, PASSWORD), 3600)


@pytest.mark.django_db
def test_the_ip_limit_does_not_block_other_ips(api, user, limits):
    limits(login_ip="3/3600")
    for _ in range(4):
        login(api, "someone", ip="198.51.100.1")

    response = login(api, user.username, PASSWORD, ip="198.51.100.2")

    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_login_brute_force_on_one_username_is_limited_across_ips(api, user, limits):
    limits(login_username="3/3600")
    typed = [user.username, user.username.upper(), f" {user.username} "]
    for n, name in enumerate(typed):
        assert_error(login(api, name, ip=f"203.0.113.{n}"), 401, "authentication_failed")

    # From yet another IP, even with the right password.
    assert_rate_limited(login(api, user.username, PASSWORD, ip="203.0.113.99"), 3600)


@pytest.mark.django_db
def test_the_username_and_the_email_of_one_account_share_one_limit(api, limits):
    limits(login_username="10/3600")
    user = UserFactory(username="alice", email="alice@example.org")
    for n in range(10):
        assert_error(login(api, "alice", ip=f"203.0.113.{n}"), 401, "authentication_failed")

    assert_rate_limited(login(api, "Alice@Example.org", ip="203.0.113.50"), 3600)
    assert_rate_limited(login(api, user.email, PASSWORD, ip="203.0.113.51"), 3600)


@pytest.mark.django_db
def test_a_lockout_is_logged_as_a_security_event(api, user, limits, caplog):
    limits(login_username="1/3600")
    login(api, user.username)
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="lair.security"):
        assert_rate_limited(login(api, user.username), 3600)

    events = [r for r in caplog.records if r.name == "lair.security"]
    assert [(r.action, r.user_id, r.scope) for r in events] == [
        ("login.locked_out", user.pk, "login_username")
    ]


@pytest.mark.django_db
def test_the_username_limit_does_not_block_other_users(api, user, limits):
    limits(login_username="3/3600")
    victim = UserFactory()
    for _ in range(4):
        login(api, victim.username)

    response = login(api, user.username, PASSWORD)

    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_registration_is_rate_limited_per_ip(api, limits):
    limits(register_ip="2/3600")

    def register(n, ip="192.0.2.1"):
        body = {
            "username": f"newcomer{n}",
            "email": f"newcomer{n}@example.org",
            "password": "a long and unusual passphrase",
        }
        return api.post(REGISTER, body, format="json", REMOTE_ADDR=ip)

    assert register(1).status_code == 201
    assert register(2).status_code == 201
    assert_rate_limited(register(3), 3600)
    # Another address may still register.
    assert register(4, ip="192.0.2.2").status_code == 201


@pytest.mark.django_db
def test_guessing_the_old_password_is_rate_limited(signed_in, limits):
    client, _ = signed_in
    limits(password_user="2/3600")

    def guess():
        return client.post(
            "/api/v1/auth/password",
            {"old_password": "guess", "new_password": "an entirely new passphrase"},
            format="json",
        )

    assert_error(guess(), 400, "validation_error")
    assert_error(guess(), 400, "validation_error")
    assert_rate_limited(guess(), 3600)


@pytest.mark.django_db
def test_a_minute_rate_says_to_retry_within_the_minute(api, limits):
    limits(login_ip="1/60")
    login(api, "someone")

    assert_rate_limited(login(api, "someone"), 60)


@pytest.mark.django_db
def test_password_guesses_through_the_service_meet_the_same_limit(limits):
    # What a browser form or an admin page calls: no API view in between.
    from lair.errors import RateLimited, ValidationError
    from sessions_app import services
    from tests.factories import UserFactory

    user = UserFactory()
    limits(password_user="2/3600")

    def guess():
        services.change_password(
            user=user,
            old_password="guess",
            new_password="an entirely new passphrase",
            current_session_id=None,
        )

    for _ in range(2):
        with pytest.raises(ValidationError):
            guess()
    with pytest.raises(RateLimited):
        guess()
