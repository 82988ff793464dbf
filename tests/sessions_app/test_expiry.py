"""Access tokens live 15 minutes, sessions (and refresh tokens) 30 days of inactivity."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sessions_app.models import DeviceSession
from tests.helpers import (
    assert_access_rejected,
    assert_access_works,
    assert_error,
    assert_refresh_rejected,
    refresh_tokens,
    sign_in_device,
)

ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=30)
# simplejwt allows 5 s of clock skew.
PAST_LEEWAY = timedelta(seconds=10)


def later(delta):
    return time_machine.travel(timezone.now() + delta, tick=False)


@pytest.mark.django_db
def test_the_access_token_still_works_just_before_15_minutes(signed_in):
    _, answer = signed_in

    with later(ACCESS_LIFETIME - timedelta(seconds=30)):
        assert_access_works(answer["access"])


@pytest.mark.django_db
def test_the_access_token_expires_after_15_minutes(signed_in):
    _, answer = signed_in

    with later(ACCESS_LIFETIME + PAST_LEEWAY):
        assert_access_rejected(answer["access"])


@pytest.mark.django_db
def test_after_the_access_token_expires_refresh_gives_a_working_one(signed_in):
    _, answer = signed_in

    with later(ACCESS_LIFETIME + timedelta(minutes=5)):
        response = refresh_tokens(answer["refresh"])
        assert response.status_code == 200, response.content
        assert assert_access_works(response.json()["access"])["id"] == answer["session"]["id"]


@pytest.mark.django_db
def test_an_unused_session_expires_after_30_days(signed_in):
    _, answer = signed_in

    with later(REFRESH_LIFETIME + timedelta(minutes=1)):
        assert_refresh_rejected(answer["refresh"])


@pytest.mark.django_db
def test_refreshing_keeps_an_active_session_alive_past_30_days(signed_in):
    _, answer = signed_in

    with later(timedelta(days=20)):
        pair = refresh_tokens(answer["refresh"]).json()
    with later(timedelta(days=40)):
        response = refresh_tokens(pair["refresh"])
        assert response.status_code == 200, response.content
        assert_access_works(response.json()["access"])


@pytest.mark.django_db
def test_an_expired_session_rejects_even_a_fresh_access_token(signed_in):
    client, answer = signed_in

    DeviceSession.objects.filter(pk=answer["session"]["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert_error(client.get("/api/v1/sessions/current"), 401, "token_invalid")
    assert_refresh_rejected(answer["refresh"])


@pytest.mark.django_db
def test_an_expired_session_is_not_listed(signed_in, user):
    client, answer = signed_in
    _, laptop = sign_in_device(user.username)
    DeviceSession.objects.filter(pk=laptop["session"]["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    listed = client.get("/api/v1/sessions").json()["results"]
    assert [s["id"] for s in listed] == [answer["session"]["id"]]
