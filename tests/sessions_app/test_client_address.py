"""The client address of a request: REMOTE_ADDR, or the entry our own proxies added.

The address names device sessions and keys the per-IP limits, so an address a
client chose must never be believed (the servers themselves are covered in
tests/integration/test_client_address.py).
"""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"


def session_ip(api, user, forwarded: str, remote: str = "192.0.2.10") -> str:
    response = api.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD},
        format="json",
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert response.status_code == 200, response.content
    return response.json()["session"]["ip"]


@pytest.mark.django_db
def test_without_trusted_proxies_forwarded_for_is_ignored(api, user, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert session_ip(api, user, "6.6.6.6") == "192.0.2.10"


@pytest.mark.django_db
def test_behind_one_proxy_only_the_entry_it_added_counts(api, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    # The client sent "6.6.6.6"; the proxy appended the address it saw.
    assert session_ip(api, user, "6.6.6.6, 203.0.113.9") == "203.0.113.9"


@pytest.mark.django_db
def test_a_request_that_bypassed_the_proxies_keeps_its_own_address(api, user, settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert session_ip(api, user, "6.6.6.6") == "192.0.2.10"


@pytest.mark.django_db
@pytest.mark.parametrize("garbage", ["not-an-address", "203.0.113.9:443", "[::1]", "6.6.6.6 x"])
def test_a_forwarded_entry_that_is_not_an_address_is_not_used(api, user, settings, garbage):
    settings.TRUSTED_PROXY_COUNT = 1

    assert session_ip(api, user, garbage) == "192.0.2.10"
