"""The sessions API: list my devices, see this one, revoke one, revoke all the others."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory, UserFactory
from tests.helpers import (
    assert_access_rejected,
    assert_access_works,
    assert_error,
    assert_refresh_rejected,
    refresh_tokens,
    sign_in_device,
)

SESSIONS = "/api/v1/sessions"
SESSION_FIELDS = {
    "id",
    "device_name",
    "ip",
    "user_agent",
    "created_at",
    "last_seen_at",
    "current",
}


@pytest.mark.django_db
def test_the_list_shows_only_my_active_sessions_and_marks_this_one(signed_in, user):
    client, mine = signed_in
    _, laptop = sign_in_device(user.username, device_name="laptop")
    DeviceSessionFactory(user=user, revoked_at=timezone.now(), revoke_reason="logout")
    DeviceSessionFactory(user=user, expires_at=timezone.now() - timedelta(minutes=1))
    DeviceSessionFactory(user=UserFactory())

    response = client.get(SESSIONS)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert body["next"] is None
    assert body["previous"] is None
    by_id = {s["id"]: s for s in body["results"]}
    assert set(by_id) == {mine["session"]["id"], laptop["session"]["id"]}
    assert by_id[mine["session"]["id"]]["current"] is True
    assert by_id[laptop["session"]["id"]]["current"] is False
    assert by_id[laptop["session"]["id"]]["device_name"] == "laptop"
    for session in body["results"]:
        assert set(session) >= SESSION_FIELDS


@pytest.mark.django_db
def test_the_list_shows_times_in_utc_iso_8601(signed_in):
    client, _ = signed_in

    (session,) = client.get(SESSIONS).json()["results"]

    for field in ("created_at", "last_seen_at"):
        assert session[field].endswith("Z"), session
        assert datetime.fromisoformat(session[field]).utcoffset() == timedelta(0)


@pytest.mark.django_db
def test_the_list_is_paginated(signed_in, user):
    client, _ = signed_in
    DeviceSessionFactory.create_batch(4, user=user)

    first = client.get(SESSIONS, {"limit": 3}).json()
    assert len(first["results"]) == 3
    assert first["next"] is not None
    assert first["previous"] is None

    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert second["next"] is None
    assert second["previous"] is not None
    ids = [s["id"] for s in first["results"] + second["results"]]
    assert len(set(ids)) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("other_sessions", [0, 4])
def test_listing_sessions_takes_the_same_queries_for_one_or_five(
    signed_in, user, django_assert_num_queries, other_sessions
):
    client, _ = signed_in
    DeviceSessionFactory.create_batch(other_sessions, user=user)

    # One query authenticates (session joined with its user), one reads the page.
    with django_assert_num_queries(2):
        response = client.get(SESSIONS)

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1 + other_sessions


@pytest.mark.django_db
def test_listing_sessions_needs_a_signed_in_user(api):
    assert_error(api.get(SESSIONS), 401, "not_authenticated")


@pytest.mark.django_db
def test_current_answers_this_session(signed_in):
    client, answer = signed_in

    response = client.get(SESSIONS + "/current")

    assert response.status_code == 200, response.content
    session = response.json()
    assert session["id"] == answer["session"]["id"]
    assert session["current"] is True
    assert set(session) >= SESSION_FIELDS


@pytest.mark.django_db
def test_using_a_session_moves_its_last_seen_time(signed_in):
    client, _ = signed_in
    before = client.get(SESSIONS + "/current").json()["last_seen_at"]

    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        assert client.get(SESSIONS + "/current").status_code == 200

    after = client.get(SESSIONS + "/current").json()["last_seen_at"]
    assert after > before


@pytest.mark.django_db
def test_revoking_one_of_my_sessions_signs_that_device_out(signed_in, user):
    client, mine = signed_in
    _, laptop = sign_in_device(user.username, device_name="laptop")

    response = client.delete(f"{SESSIONS}/{laptop['session']['id']}")

    assert response.status_code == 204, response.content
    assert_access_rejected(laptop["access"])
    assert_refresh_rejected(laptop["refresh"])
    # This device is untouched.
    listed = client.get(SESSIONS).json()["results"]
    assert [s["id"] for s in listed] == [mine["session"]["id"]]


@pytest.mark.django_db
def test_revoking_my_current_session_signs_me_out(signed_in):
    client, answer = signed_in

    assert client.delete(f"{SESSIONS}/{answer['session']['id']}").status_code == 204

    assert_access_rejected(answer["access"])
    assert_refresh_rejected(answer["refresh"])


@pytest.mark.django_db
def test_someone_elses_session_is_not_found_and_stays_signed_in(signed_in):
    client, _ = signed_in
    stranger = UserFactory()
    _, theirs = sign_in_device(stranger.username)

    error = assert_error(client.delete(f"{SESSIONS}/{theirs['session']['id']}"), 404, "not_found")

    assert error["details"] == {}
    assert_access_works(theirs["access"])
    assert refresh_tokens(theirs["refresh"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("session_id", ["0", "987654", "99999999999999999999999999"])
def test_an_unknown_session_id_is_not_found(signed_in, session_id):
    client, _ = signed_in

    assert_error(client.delete(f"{SESSIONS}/{session_id}"), 404, "not_found")


@pytest.mark.django_db
def test_revoking_an_already_revoked_session_is_not_found(signed_in, user):
    client, _ = signed_in
    old = DeviceSessionFactory(user=user, revoked_at=timezone.now(), revoke_reason="logout")

    assert_error(client.delete(f"{SESSIONS}/{old.pk}"), 404, "not_found")


@pytest.mark.django_db
def test_cleanup_revokes_every_other_session_and_keeps_this_one(signed_in, user):
    client, mine = signed_in
    _, laptop = sign_in_device(user.username)
    DeviceSessionFactory.create_batch(2, user=user)
    DeviceSessionFactory(user=user, revoked_at=timezone.now(), revoke_reason="logout")
    stranger_session = DeviceSessionFactory(user=UserFactory())

    response = client.post(SESSIONS + "/cleanup")

    assert response.status_code == 200, response.content
    assert response.json() == {"revoked": 3}
    listed = client.get(SESSIONS).json()["results"]
    assert [(s["id"], s["current"]) for s in listed] == [(mine["session"]["id"], True)]
    assert_access_rejected(laptop["access"])
    assert_refresh_rejected(laptop["refresh"])
    assert_access_works(mine["access"])
    stranger_session.refresh_from_db()
    assert stranger_session.revoked_at is None


@pytest.mark.django_db
def test_cleanup_with_no_other_session_revokes_nothing(signed_in):
    client, answer = signed_in

    response = client.post(SESSIONS + "/cleanup")

    assert response.json() == {"revoked": 0}
    assert_access_works(answer["access"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", SESSIONS + "/", 200),
        ("get", SESSIONS + "/current/", 200),
        ("post", SESSIONS + "/cleanup/", 200),
    ],
)
def test_session_paths_work_with_a_trailing_slash(signed_in, method, path, status):
    client, _ = signed_in

    response = getattr(client, method)(path)

    assert response.status_code == status, response.content


@pytest.mark.django_db
def test_deleting_a_session_with_a_trailing_slash_works_the_same(signed_in, user):
    client, _ = signed_in
    other = DeviceSessionFactory(user=user)

    assert client.delete(f"{SESSIONS}/{other.pk}/").status_code == 204

    other.refresh_from_db()
    assert other.revoked_at is not None
    assert DeviceSession.objects.active().filter(user=user).count() == 1
