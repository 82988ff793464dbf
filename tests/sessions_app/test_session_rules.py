"""The session services end sessions one way, whichever adapter (API, admin) calls them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from sessions_app import services
from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

Reason = DeviceSession.RevokeReason


def ended(session: DeviceSession) -> tuple:
    session.refresh_from_db()
    return session.revoked_at is not None, session.revoke_reason, session.refresh_jti


def test_revoking_one_session_or_all_of_them_ends_each_the_same_way():
    user = UserFactory()
    one, *others = DeviceSessionFactory.create_batch(3, user=user, refresh_jti="jti")

    assert services.revoke_session(session=one, reason=Reason.REVOKED) is True
    assert services.revoke_user_sessions(user=user, reason=Reason.REVOKED) == 2

    assert {ended(session) for session in [one, *others]} == {(True, "revoked", "")}


def test_a_revoked_session_is_not_revoked_again():
    session = DeviceSessionFactory()
    services.revoke_session(session=session, reason=Reason.LOGOUT)

    assert services.revoke_session(session=session, reason=Reason.ADMIN) is False
    assert services.revoke_user_sessions(user=session.user, reason=Reason.ADMIN) == 0
    assert ended(session)[1] == "logout"


def test_why_a_session_ended_names_revoked_expired_and_suspended():
    live = DeviceSessionFactory()
    revoked = DeviceSessionFactory(revoked_at=timezone.now())
    expired = DeviceSessionFactory(expires_at=timezone.now() - timedelta(seconds=1))
    suspended = DeviceSessionFactory(user=UserFactory(is_suspended=True))

    assert services.why_session_ended(live) is None
    assert services.why_session_ended(None) == "This session has been signed out."
    assert services.why_session_ended(revoked) == "This session has been signed out."
    assert services.why_session_ended(expired) == "This session has expired."
    assert services.why_session_ended(suspended) == "This account is suspended or disabled."


def test_a_password_changed_outside_the_api_ends_every_other_session():
    user = UserFactory()
    kept, other = DeviceSessionFactory.create_batch(2, user=user)
    old_hash = user.password
    user.set_password("another long passphrase")
    user.save(update_fields=["password"])

    revoked = services.end_sessions_if_password_changed(
        user=user, old_hash=old_hash, except_session_id=kept.pk
    )

    assert revoked == 1
    assert ended(other)[:2] == (True, "password_changed")
    assert ended(kept)[0] is False


def test_an_unchanged_password_ends_no_session():
    session = DeviceSessionFactory()
    user = User.objects.get(pk=session.user_id)

    assert services.end_sessions_if_password_changed(user=user, old_hash=user.password) == 0
    assert ended(session)[0] is False


def test_a_deactivated_user_loses_every_session():
    user = UserFactory()
    sessions = DeviceSessionFactory.create_batch(2, user=user)

    assert services.end_sessions_of_disabled_user(user=user) == 2
    assert {ended(session)[:2] for session in sessions} == {(True, "admin")}
