"""The account services operators act through (sessions_app.services): role
changes, suspension, deactivation, and the change of both at once."""

from __future__ import annotations

import pytest

from accounts.models import User
from lair.errors import PermissionDenied, ValidationError
from lair.models import AuditEntry
from sessions_app import services
from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def acts() -> list[tuple]:
    return list(
        AuditEntry.objects.order_by("pk").values_list(
            "action", "actor_id", "target_type", "target_id", "ip", "details"
        )
    )


def test_a_role_change_is_stored_and_recorded_with_old_and_new(site_admin, bob):
    services.change_site_role(actor=site_admin, user=bob, role="moderator", ip="192.0.2.1")
    bob.refresh_from_db()
    assert bob.role == User.Role.MODERATOR
    assert acts() == [
        (
            "user.role_changed",
            site_admin.pk,
            "user",
            str(bob.pk),
            "192.0.2.1",
            {"old": "user", "new": "moderator"},
        )
    ]


def test_giving_the_role_a_user_has_records_nothing(site_admin, bob):
    services.change_site_role(actor=site_admin, user=bob, role="user")
    assert acts() == []


@pytest.mark.parametrize("role", ["wizard", "", None, 1, "Admin"])
def test_an_unknown_role_is_refused_as_bad_input(site_admin, bob, role):
    with pytest.raises(ValidationError) as refused:
        services.change_site_role(actor=site_admin, user=bob, role=role)
    assert "role" in refused.value.details
    bob.refresh_from_db()
    assert bob.role == User.Role.USER


@pytest.mark.parametrize("role", [User.Role.MODERATOR, User.Role.USER, User.Role.GUEST])
def test_only_site_admins_change_roles(bob, role):
    actor = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        services.change_site_role(actor=actor, user=bob, role="admin")
    bob.refresh_from_db()
    assert bob.role == User.Role.USER
    assert acts() == []


def test_an_admin_cannot_change_their_own_role(site_admin):
    with pytest.raises(PermissionDenied):
        services.change_site_role(actor=site_admin, user=site_admin, role="user")
    site_admin.refresh_from_db()
    assert site_admin.role == User.Role.ADMIN


def test_a_command_acts_without_an_actor_and_is_recorded_as_the_system(bob):
    services.change_site_role(actor=None, user=bob, role="admin")
    [(action, actor_id, *_)] = acts()
    assert (action, actor_id) == ("user.role_changed", None)


def test_deactivation_erases_the_profile_ends_sessions_and_keeps_the_username(site_admin, bob):
    DeviceSessionFactory(user=bob)
    DeviceSessionFactory(user=bob)
    bob.bio, bob.status_text = "about me", "busy"
    bob.save()

    ended = services.deactivate_user(actor=site_admin, user=bob, ip="192.0.2.2")

    assert ended == 2
    bob.refresh_from_db()
    assert not bob.is_active
    assert (bob.email, bob.bio, bob.status_text) == ("", "", "")
    assert bob.display_name == services.DEACTIVATED_DISPLAY_NAME
    assert bob.username == "bob"
    assert not bob.has_usable_password()
    assert not DeviceSession.objects.filter(user=bob, revoked_at__isnull=True).exists()
    [(action, actor_id, _, target_id, ip, details)] = acts()
    assert (action, actor_id, target_id, ip) == (
        "user.deactivated",
        site_admin.pk,
        str(bob.pk),
        "192.0.2.2",
    )
    assert details == {"username": "bob", "revoked": 2}


def test_deactivating_twice_changes_and_records_nothing_more(site_admin, bob):
    services.deactivate_user(actor=site_admin, user=bob)
    assert services.deactivate_user(actor=site_admin, user=bob) == 0
    assert [a[0] for a in acts()] == ["user.deactivated"]


def test_a_moderator_cannot_deactivate_and_nobody_deactivates_themself(site_admin, bob):
    moderator = UserFactory(role=User.Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=moderator, user=bob)
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=site_admin, user=site_admin)
    bob.refresh_from_db()
    site_admin.refresh_from_db()
    assert bob.is_active
    assert site_admin.is_active
    assert acts() == []


def test_suspension_is_for_site_admins_and_never_of_oneself(site_admin, bob):
    moderator = UserFactory(role=User.Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        services.suspend_user(actor=moderator, user=bob)
    with pytest.raises(PermissionDenied):
        services.suspend_user(actor=site_admin, user=site_admin)
    with pytest.raises(PermissionDenied):
        services.unsuspend_user(actor=moderator, user=bob)
    bob.refresh_from_db()
    assert not bob.is_suspended


def test_change_account_makes_both_changes_in_one_go(site_admin, bob):
    DeviceSessionFactory(user=bob)
    services.change_account(actor=site_admin, user=bob, role="guest", is_suspended=True)
    bob.refresh_from_db()
    assert (bob.role, bob.is_suspended) == ("guest", True)
    assert [a[0] for a in acts()] == ["user.role_changed", "user.suspended"]
    assert acts()[1][5] == {"revoked": 1}


def test_change_account_with_a_bad_role_changes_nothing(site_admin, bob):
    with pytest.raises(ValidationError):
        services.change_account(actor=site_admin, user=bob, role="wizard", is_suspended=True)
    bob.refresh_from_db()
    assert (bob.role, bob.is_suspended) == ("user", False)
    assert acts() == []


@pytest.mark.parametrize("value", ["maybe", 1, "true"])
def test_change_account_refuses_a_suspension_that_is_not_a_boolean(site_admin, bob, value):
    with pytest.raises(ValidationError) as refused:
        services.change_account(actor=site_admin, user=bob, is_suspended=value)
    assert "is_suspended" in refused.value.details


def test_change_account_writes_nothing_when_nothing_changes(site_admin, bob):
    services.change_account(actor=site_admin, user=bob, role="user", is_suspended=False)
    assert acts() == []
