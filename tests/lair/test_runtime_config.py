"""Runtime config (lair.config): what operators change while the server runs.

Each reader is checked through the behaviour a user meets once an operator
changed the value through the service, and the service's own rules: who,
which values, and the audit entry.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lair import config
from lair.errors import PermissionDenied, ValidationError
from lair.models import AuditEntry
from realtime.log import prune_event_log
from realtime.models import Event
from tests.factories import MembershipFactory, MessageFactory, room_owned_by
from tests.helpers import API, assert_error, client_for, create_room, join, post_message

pytestmark = pytest.mark.django_db


# --- the service -----------------------------------------------------------------


def test_a_change_is_in_effect_at_once_and_audited_with_old_and_new_values(site_admin):
    new = config.change(
        actor=site_admin,
        changes={"max_message_length": 100, "guests_can_post": True},
        ip="192.0.2.9",
    )

    assert new["max_message_length"] == 100
    assert config.get("max_message_length") == 100
    assert config.get("guests_can_post") is True
    entry = AuditEntry.objects.get(action="config.changed")
    assert (entry.actor, entry.ip, entry.target_type) == (site_admin, "192.0.2.9", "config")
    assert entry.details == {
        "old": {"max_message_length": 4000, "guests_can_post": False},
        "new": {"max_message_length": 100, "guests_can_post": True},
    }


def test_a_change_to_the_value_in_force_records_nothing(site_admin):
    config.change(actor=site_admin, changes={"max_message_length": 4000})
    assert not AuditEntry.objects.filter(action="config.changed").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_message_length": 0}, "max_message_length"),
        ({"max_message_length": "100"}, "max_message_length"),
        ({"max_message_length": True}, "max_message_length"),
        ({"max_message_length": 10**9}, "max_message_length"),
        ({"edit_window_seconds": -1}, "edit_window_seconds"),
        ({"event_log_retention_days": 0}, "event_log_retention_days"),
        ({"registration_open": "yes"}, "registration_open"),
        ({"guests_can_post": 1}, "guests_can_post"),
        ({"message_rate_limit": "abc"}, "message_rate_limit"),
        ({"message_rate_limit": "0/0"}, "message_rate_limit"),
        ({"message_rate_limit": "20/10s"}, "message_rate_limit"),
        ({"message_rate_limit": 20}, "message_rate_limit"),
        ({"login_rate_limit_ip": "-1/60"}, "login_rate_limit_ip"),
        ({"no_such_setting": 1}, "no_such_setting"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_changes(site_admin, changes, field):
    with pytest.raises(ValidationError) as refused:
        config.change(actor=site_admin, changes=changes)
    assert field in refused.value.details
    assert config.values() == config.defaults()
    assert not AuditEntry.objects.exists()


def test_one_bad_field_refuses_the_good_ones_with_it(site_admin):
    with pytest.raises(ValidationError) as refused:
        config.change(
            actor=site_admin, changes={"max_message_length": 100, "edit_window_seconds": "soon"}
        )
    assert list(refused.value.details) == ["edit_window_seconds"]
    assert config.get("max_message_length") == 4000


def test_only_site_admins_change_the_config(alice, guest):
    for user in (alice, guest):
        with pytest.raises(PermissionDenied):
            config.change(actor=user, changes={"max_message_length": 100})
    assert config.get("max_message_length") == 4000


def test_a_rate_is_kept_in_one_form(site_admin):
    assert (
        config.change(actor=site_admin, changes={"message_rate_limit": " 05/60 "})[
            "message_rate_limit"
        ]
        == "5/60"
    )


def test_another_processes_change_is_read_once_the_snapshot_is_old(site_admin, settings):
    """What a second process sees: the stored value, at its next refresh, no restart."""
    config.change(actor=site_admin, changes={"max_message_length": 123})
    config.reset_snapshot()  # this process, as a second one that never saw the change
    assert config.get("max_message_length") == 4000
    settings.CONFIG_REFRESH_SECONDS = 0
    assert config.get("max_message_length") == 123


def test_a_read_in_the_steady_state_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        for _ in range(10):
            config.get("max_message_length")


# --- the readers -----------------------------------------------------------------


def test_a_shorter_max_message_length_refuses_longer_messages(runtime_config, alice):
    room = create_room(alice)
    runtime_config(max_message_length=10)

    refused = post_message(alice, room, "x" * 11)
    assert_error(refused, 400, "validation_error")
    assert "10 characters" in refused.json()["error"]["message"]
    assert post_message(alice, room, "x" * 10).status_code == 201


def test_closed_registration_refuses_sign_up(runtime_config, client):
    runtime_config(registration_open=False)
    response = client.post(
        f"{API}/auth/register",
        {"username": "newcomer", "email": "new@example.org", "password": "a-long-passphrase-42"},
        content_type="application/json",
    )
    assert_error(response, 403, "permission_denied")
    assert "Registration is closed" in response.json()["error"]["message"]


def test_an_edit_window_refuses_edits_of_older_messages(runtime_config, alice):
    room = room_owned_by(alice)
    old = MessageFactory(room=room, author=alice, created_at=timezone.now() - timedelta(minutes=10))
    fresh = MessageFactory(room=room, author=alice)
    runtime_config(edit_window_seconds=300)

    late = client_for(alice).patch(f"{API}/messages/{old.pk}", {"content": "late"}, format="json")
    assert_error(late, 403, "permission_denied")
    assert "300 seconds" in late.json()["error"]["message"]
    on_time = client_for(alice).patch(
        f"{API}/messages/{fresh.pk}", {"content": "ok"}, format="json"
    )
    assert on_time.status_code == 200

    runtime_config(edit_window_seconds=0)  # no limit
    again = client_for(alice).patch(f"{API}/messages/{old.pk}", {"content": "now"}, format="json")
    assert again.status_code == 200


def test_guests_post_in_their_rooms_only_while_guests_can_post(runtime_config, alice, guest):
    room = room_owned_by(alice)
    MembershipFactory(room=room, user=guest)

    assert_error(post_message(guest, room.pk, "hi"), 403, "permission_denied")
    runtime_config(guests_can_post=True)
    assert post_message(guest, room.pk, "hi").status_code == 201


def test_a_changed_message_rate_limit_applies_at_once(runtime_config, alice):
    room = create_room(alice)
    runtime_config(message_rate_limit="2/60")
    assert post_message(alice, room, "one").status_code == 201
    assert post_message(alice, room, "two").status_code == 201
    limited = assert_error(post_message(alice, room, "three"), 429, "rate_limited")
    assert limited["message"]


def test_a_changed_login_limit_applies_at_once(runtime_config, alice, client):
    runtime_config(login_rate_limit_username="1/3600")
    body = {"username": alice.username, "password": "wrong-password"}
    first = client.post(f"{API}/auth/login", body, content_type="application/json")
    second = client.post(f"{API}/auth/login", body, content_type="application/json")
    assert first.status_code == 401
    assert_error(second, 429, "rate_limited")


def test_a_shorter_retention_prunes_more_of_the_event_log(runtime_config, alice, bob):
    room = create_room(alice)
    join(bob, room)
    Event.objects.update(created_at=timezone.now() - timedelta(days=3))
    assert prune_event_log() == 0  # within the default 7 days
    runtime_config(event_log_retention_days=2)
    assert prune_event_log() > 0
    assert not Event.objects.exists()


def test_an_operator_may_allow_messages_longer_than_the_default(runtime_config, alice):
    room = create_room(alice)
    runtime_config(max_message_length=6000)
    assert post_message(alice, room, "x" * 5000).status_code == 201
