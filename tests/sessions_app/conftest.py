from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

# The auth endpoints' limits (settings.RATELIMITS) that a test does not set itself.
AUTH_SCOPES = ("login_ip", "login_username", "register_ip", "refresh_ip", "password_user")


@pytest.fixture
def frozen_time():
    """Time stands still, so that a rate window never rolls over mid-test."""
    with time_machine.travel(datetime(2030, 5, 17, 12, 0, 7, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def limits(settings):
    """Set some rate limits; the auth limits not named stay generous (1000/h)."""

    def set_limits(**rates):
        settings.RATELIMITS = {
            **settings.RATELIMITS,
            **dict.fromkeys(AUTH_SCOPES, "1000/h"),
            **rates,
        }

    return set_limits
