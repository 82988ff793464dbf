"""The runtime config's page in the Django admin: saved through lair.config."""

from __future__ import annotations

import pytest
from django.test import Client

from lair import config
from lair.models import AuditEntry
from tests.factories import UserFactory
from tests.helpers import browser_of

pytestmark = pytest.mark.django_db
PAGE = "/admin/constance/config/"


def submitted(browser: Client, **changes):
    """The page's form as shown, with ``changes`` typed in, posted back."""
    form = browser.get(PAGE).context["form"]
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return browser.post(PAGE, data)


def test_an_admin_changes_a_value_on_the_page_and_it_is_in_force_and_audited(site_admin):
    browser = browser_of(site_admin)
    assert browser.get(PAGE).status_code == 200

    response = submitted(browser, max_message_length=250, registration_open=False)

    assert response.status_code == 302, response.context["form"].errors
    assert config.get("max_message_length") == 250
    assert config.get("registration_open") is False
    entry = AuditEntry.objects.get(action="config.changed")
    assert entry.actor == site_admin
    assert entry.details["old"] == {"max_message_length": 4000, "registration_open": True}


def test_a_bad_value_is_a_form_error_and_changes_nothing(site_admin):
    response = submitted(browser_of(site_admin), message_rate_limit="fast", max_message_length=9)

    assert response.status_code == 200
    assert "message_rate_limit" in response.context["form"].errors
    assert config.get("max_message_length") == 4000
    assert not AuditEntry.objects.filter(action="config.changed").exists()


def test_an_admin_by_role_without_the_superuser_flag_may_change_it():
    admin = UserFactory(role="admin", is_superuser=False, is_staff=False)
    assert submitted(browser_of(admin), edit_window_seconds=60).status_code == 302
    assert config.get("edit_window_seconds") == 60


@pytest.mark.parametrize("role", ["moderator", "user"])
def test_others_cannot_see_or_change_the_config(role):
    browser = browser_of(UserFactory(role=role))
    assert browser.get(PAGE).status_code in (302, 403)
    browser.post(PAGE, {"max_message_length": 5})
    assert config.get("max_message_length") == 4000


def test_the_console_index_offers_no_add_for_the_config_and_no_groups(site_admin):
    apps = {
        app["app_label"]: app for app in browser_of(site_admin).get("/admin/").context["app_list"]
    }
    [config_model] = apps["constance"]["models"]
    assert config_model["add_url"] is None
    # Site roles decide access; Django's groups would be a second, unused door.
    assert "auth" not in apps
