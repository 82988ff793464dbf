from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

# The auth endpoints' limits that a test does not set itself: the sign-in ones
# are runtime config, the others settings.RATELIMITS.
CONFIG_SCOPES = {"login_ip": "login_rate_limit_ip", "login_username": "login_rate_limit_username"}
SETTINGS_SCOPES = ("register_ip", "refresh_ip", "password_user")


@pytest.fixture
def frozen_time():
    """Time stands still, so that a rate window never rolls over mid-test."""
    with time_machine.travel(datetime(2030, 5, 17, 12, 0, 7, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def limits(settings, runtime_config):
    """Set some rate limits ("count/seconds"); the auth limits not named stay generous."""

    def set_limits(**rates):
        rates = {**dict.fromkeys((*CONFIG_SCOPES, *SETTINGS_SCOPES), "1000/3600"), **rates}
        settings.RATELIMITS = {
            **settings.RATELIMITS,
            **{scope: f"{rates[scope]}s" for scope in SETTINGS_SCOPES},
        }
        runtime_config(**{field: rates[scope] for scope, field in CONFIG_SCOPES.items()})

    return set_limits
