"""GET and PATCH /api/v1/admin/config: the runtime config over the admin API."""

from __future__ import annotations

import pytest

from lair import config
from lair.models import AuditEntry
from tests.factories import UserFactory
from tests.helpers import API, assert_error, client_for

pytestmark = pytest.mark.django_db
CONFIG = f"{API}/admin/config"
FIELDS = {
    "registration_open",
    "max_message_length",
    "message_rate_limit",
    "login_rate_limit_ip",
    "login_rate_limit_username",
    "edit_window_seconds",
    "event_log_retention_days",
    "guests_can_post",
}


def test_an_admin_reads_every_field_of_api_md(site_admin):
    response = client_for(site_admin).get(CONFIG)
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= FIELDS
    assert body["max_message_length"] == 4000
    assert body["registration_open"] is True
    assert body["message_rate_limit"] == "20/10"


def test_an_admin_changes_some_fields_and_gets_every_field_back(site_admin):
    response = client_for(site_admin).patch(
        f"{CONFIG}/", {"max_message_length": 500, "message_rate_limit": "5/60"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["max_message_length"] == 500
    assert response.json()["message_rate_limit"] == "5/60"
    assert set(response.json()) == set(config.RULES)
    assert client_for(site_admin).get(CONFIG).json()["max_message_length"] == 500
    entry = AuditEntry.objects.get(action="config.changed")
    assert entry.details["new"] == {"max_message_length": 500, "message_rate_limit": "5/60"}
    assert entry.ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_message_length": -5}, "max_message_length"),
        ({"max_message_length": "many"}, "max_message_length"),
        ({"registration_open": "maybe"}, "registration_open"),
        ({"message_rate_limit": "fast"}, "message_rate_limit"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_values_are_a_400_naming_the_field_and_change_nothing(site_admin, body, field):
    response = client_for(site_admin).patch(CONFIG, body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]
    assert client_for(site_admin).get(CONFIG).json()["max_message_length"] == 4000


def test_a_body_that_is_not_an_object_is_a_400(site_admin):
    assert_error(
        client_for(site_admin).patch(CONFIG, [1, 2], format="json"), 400, "validation_error"
    )


@pytest.mark.parametrize("role", ["moderator", "user", "guest"])
def test_only_site_admins_read_or_change_the_config(role):
    user = UserFactory(role=role)
    assert_error(client_for(user).get(CONFIG), 403, "permission_denied")
    patched = client_for(user).patch(CONFIG, {"max_message_length": 10}, format="json")
    assert_error(patched, 403, "permission_denied")
    assert config.get("max_message_length") == 4000


def test_nobody_signed_in_gets_a_401(client):
    assert_error(client.get(CONFIG), 401, "not_authenticated")
