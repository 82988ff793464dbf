"""A suspended, deactivated or deleted user's tokens stop working on the next request."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.helpers import assert_access_rejected, assert_error, assert_refresh_rejected


@pytest.mark.django_db
def test_suspending_a_user_rejects_their_existing_access_token(signed_in, user):
    client, answer = signed_in
    assert client.get("/api/v1/sessions/current").status_code == 200

    User.objects.filter(pk=user.pk).update(is_suspended=True)

    assert_error(client.get("/api/v1/sessions/current"), 401, "token_invalid")
    assert_access_rejected(answer["access"])


@pytest.mark.django_db
def test_a_suspended_user_cannot_refresh(signed_in, user):
    _, answer = signed_in

    User.objects.filter(pk=user.pk).update(is_suspended=True)

    assert_refresh_rejected(answer["refresh"])


@pytest.mark.django_db
def test_a_deactivated_user_is_signed_out_at_once(signed_in, user):
    client, answer = signed_in

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_error(client.get("/api/v1/users/profile"), 401, "token_invalid")
    assert_refresh_rejected(answer["refresh"])


@pytest.mark.django_db
def test_a_deleted_user_is_signed_out_at_once(signed_in, user):
    client, answer = signed_in

    User.objects.filter(pk=user.pk).delete()

    assert_error(client.get("/api/v1/users/profile"), 401, "token_invalid")
    assert_refresh_rejected(answer["refresh"])
