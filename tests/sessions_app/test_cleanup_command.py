"""`manage.py cleanup_sessions`: delete ended sessions, keep live ones."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory
from tests.helpers import assert_access_works


def cleanup(*args) -> str:
    out = StringIO()
    call_command("cleanup_sessions", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_cleanup_deletes_expired_sessions_and_keeps_active_ones(user):
    now = timezone.now()
    active = DeviceSessionFactory(user=user)
    expired = DeviceSessionFactory(user=user, expires_at=now - timedelta(seconds=1))
    long_expired = DeviceSessionFactory(user=user, expires_at=now - timedelta(days=90))

    output = cleanup()

    remaining = set(DeviceSession.objects.values_list("pk", flat=True))
    assert active.pk in remaining
    assert expired.pk not in remaining
    assert long_expired.pk not in remaining
    assert "Deleted 2 ended session(s)." in output


@pytest.mark.django_db
def test_cleanup_deletes_sessions_revoked_long_ago_and_keeps_recent_ones(user):
    now = timezone.now()
    recent = DeviceSessionFactory(user=user, revoked_at=now - timedelta(days=1))
    old = DeviceSessionFactory(user=user, revoked_at=now - timedelta(days=31))

    cleanup()

    remaining = set(DeviceSession.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk}
    assert old.pk not in remaining


@pytest.mark.django_db
def test_cleanup_days_option_sets_how_long_revoked_sessions_are_kept(user):
    now = timezone.now()
    two_days = DeviceSessionFactory(user=user, revoked_at=now - timedelta(days=2))
    today = DeviceSessionFactory(user=user, revoked_at=now - timedelta(hours=1))

    cleanup("--days", "1")

    remaining = set(DeviceSession.objects.values_list("pk", flat=True))
    assert remaining == {today.pk}
    assert two_days.pk not in remaining


@pytest.mark.django_db
def test_cleanup_leaves_signed_in_devices_working(signed_in):
    _, answer = signed_in

    assert "Deleted 0 ended session(s)." in cleanup()

    assert_access_works(answer["access"])
