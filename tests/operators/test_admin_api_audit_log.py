"""GET /admin/audit-log: what operators did, newest first, filtered; never changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lair import audit
from lair.models import AuditEntry
from tests.factories import UserFactory
from tests.helpers import API, ISO_UTC, assert_error, client_for

pytestmark = pytest.mark.django_db
LOG = f"{API}/admin/audit-log"


def entries(admin, **params) -> list[dict]:
    response = client_for(admin).get(LOG, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _at(entry: AuditEntry, when) -> None:
    # ``at`` is set on insert; tests that filter by time place entries in the past.
    # A queryset update of ``at`` would be refused (append-only), so raw SQL it is.
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is the model's, not input.
            f"UPDATE {AuditEntry._meta.db_table} SET at = %s WHERE id = %s",  # noqa: S608
            [when, entry.pk],
        )


def test_an_entry_has_exactly_the_documented_shape(site_admin, bob):
    client_for(site_admin).patch(
        f"{API}/admin/users/{bob.pk}", {"role": "moderator"}, format="json", REMOTE_ADDR="192.0.2.8"
    )
    [entry] = entries(site_admin)
    assert set(entry) == {
        "id",
        "at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "ip",
        "details",
    }
    assert ISO_UTC.match(entry["at"])
    assert entry["actor"] == {"id": site_admin.pk, "username": "sadie"}
    assert (entry["action"], entry["target_type"], entry["target_id"]) == (
        "user.role_changed",
        "user",
        str(bob.pk),
    )
    assert entry["ip"] == "192.0.2.8"
    assert entry["details"] == {"old": "user", "new": "moderator"}


def test_an_act_of_the_system_has_no_actor(site_admin):
    audit.record("broadcast.sent", content="from a command")
    assert entries(site_admin)[0]["actor"] is None


def test_newest_first_and_paginated(site_admin):
    for n in range(3):
        audit.record("broadcast.sent", actor=site_admin, content=f"number {n}")
    shown = entries(site_admin)
    assert [e["details"]["content"] for e in shown] == ["number 2", "number 1", "number 0"]
    page = client_for(site_admin).get(LOG, {"limit": 2}).json()
    assert len(page["results"]) == 2
    assert page["next"] is not None


def test_filters_by_action_actor_and_target(site_admin, alice, bob):
    other_admin = UserFactory(role="admin")
    audit.record("user.suspended", actor=site_admin, target=bob)
    audit.record("user.suspended", actor=other_admin, target=alice)
    audit.record("room.archived", actor=site_admin, target=("room", 7))
    assert len(entries(site_admin, action="user.suspended")) == 2
    assert [e["target_id"] for e in entries(site_admin, actor=other_admin.pk)] == [str(alice.pk)]
    assert [e["action"] for e in entries(site_admin, target_type="room")] == ["room.archived"]
    found = entries(site_admin, target_type="user", target_id=str(bob.pk))
    assert [e["actor"]["id"] for e in found] == [site_admin.pk]


def test_since_and_until_bound_the_time(site_admin):
    now = timezone.now()
    old = audit.record("broadcast.sent", content="old")
    _at(old, now - timedelta(days=10))
    middle = audit.record("broadcast.sent", content="middle")
    _at(middle, now - timedelta(days=5))
    audit.record("broadcast.sent", content="new")

    def contents(**params):
        return [e["details"]["content"] for e in entries(site_admin, **params)]

    since = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert contents(since=since) == ["new", "middle"]
    assert contents(until=until) == ["middle", "old"]
    assert contents(since=since, until=until) == ["middle"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01T00:00:00Z"}, "until"),
        ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "since"),
        ({"actor": "sadie"}, "actor"),
        ({"actor": "-1"}, "actor"),
        ({"limit": "-3"}, "limit"),
        ({"action": "x" * 65}, "action"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(site_admin, params, field):
    error = assert_error(client_for(site_admin).get(LOG, params), 400, "validation_error")
    assert field in error["details"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_log_cannot_be_written_over_the_api(site_admin, method):
    audit.record("broadcast.sent", content="kept")
    response = getattr(client_for(site_admin), method)(LOG, {"action": "x"}, format="json")
    assert_error(response, 405, "method_not_allowed")
    assert AuditEntry.objects.count() == 1


def test_fifty_entries_take_one_query(site_admin, django_assert_num_queries):
    for _ in range(50):
        audit.record("user.suspended", actor=UserFactory(), target=("user", 1))
    client = client_for(site_admin)
    with django_assert_num_queries(1):
        response = client.get(LOG, {"limit": 50})
    assert len(response.json()["results"]) == 50
