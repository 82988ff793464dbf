"""GET, PATCH and DELETE /admin/users: accounts as operators see and change them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from lair.models import AuditEntry
from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory, UserFactory, room_owned_by
from tests.helpers import API, ISO_UTC, assert_error, client_for, history, join, posted, sign_in

pytestmark = pytest.mark.django_db
USERS = f"{API}/admin/users"
ADMIN_USER_KEYS = {
    "id",
    "username",
    "display_name",
    "bio",
    "avatar_url",
    "role",
    "presence",
    "status_text",
    "last_seen",
    "email",
    "is_suspended",
    "is_active",
    "date_joined",
    "active_sessions",
}


def listed(admin, **params) -> list[str]:
    response = client_for(admin).get(USERS, params)
    assert response.status_code == 200, response.content
    return [user["username"] for user in response.json()["results"]]


# --- reading ----------------------------------------------------------------------


def test_a_user_as_operators_see_them_has_the_email_state_and_active_sessions(site_admin, bob):
    DeviceSessionFactory(user=bob)
    DeviceSessionFactory(user=bob)
    DeviceSessionFactory(user=bob, revoked_at="2026-01-01T00:00:00Z")

    response = client_for(site_admin).get(f"{USERS}/{bob.pk}")

    assert response.status_code == 200, response.content
    user = response.json()
    assert set(user) == ADMIN_USER_KEYS
    assert user["email"] == "bob@example.org"
    assert user["is_suspended"] is False
    assert user["is_active"] is True
    assert user["active_sessions"] == 2
    assert ISO_UTC.match(user["date_joined"])


def test_the_list_is_paginated_newest_first_and_includes_deactivated_accounts(site_admin):
    first = UserFactory(username="first")
    UserFactory(username="second", is_active=False)
    names = listed(site_admin)
    assert names.index("second") < names.index("first")
    page = client_for(site_admin).get(USERS, {"limit": 1}).json()
    assert set(page) == {"results", "next", "previous"}
    assert len(page["results"]) == 1
    assert page["next"] is not None
    assert first.username in listed(site_admin, limit=100)


@pytest.mark.parametrize("query", ["wonder", "WONDER@example", "Rabbit"])
def test_q_finds_a_user_by_username_email_or_display_name(site_admin, query):
    UserFactory(username="wonderland", email="wonder@example.net", display_name="White Rabbit")
    UserFactory(username="someone")
    assert listed(site_admin, q=query) == ["wonderland"]


def test_role_and_is_suspended_filter_the_list(site_admin):
    UserFactory(username="mod", role=User.Role.MODERATOR)
    UserFactory(username="away", is_suspended=True)
    UserFactory(username="plain")
    assert listed(site_admin, role="moderator") == ["mod"]
    assert listed(site_admin, is_suspended="true") == ["away"]
    assert "away" not in listed(site_admin, is_suspended="false")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "wizard"}, "role"),
        ({"is_suspended": "maybe"}, "is_suspended"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-5"}, "offset"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(site_admin, params, field):
    error = assert_error(client_for(site_admin).get(USERS, params), 400, "validation_error")
    assert field in error["details"]


def test_an_unknown_user_is_404(site_admin):
    assert_error(client_for(site_admin).get(f"{USERS}/999999"), 404, "not_found")
    assert_error(
        client_for(site_admin).patch(f"{USERS}/999999", {"role": "user"}, format="json"),
        404,
        "not_found",
    )
    assert_error(client_for(site_admin).delete(f"{USERS}/999999"), 404, "not_found")


def test_the_list_takes_one_query_for_fifty_users(site_admin, django_assert_num_queries):
    for _ in range(50):
        user = UserFactory()
        DeviceSessionFactory(user=user)
    client = client_for(site_admin)
    with django_assert_num_queries(1):
        response = client.get(USERS, {"limit": 50})
    results = response.json()["results"]
    assert len(results) == 50
    assert {user["active_sessions"] for user in results[:-1]} == {1}


# --- changing ---------------------------------------------------------------------


def test_patching_the_role_changes_it_and_is_audited_with_old_and_new(site_admin, bob):
    response = client_for(site_admin).patch(
        f"{USERS}/{bob.pk}", {"role": "moderator"}, format="json", REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "moderator"
    bob.refresh_from_db()
    assert bob.role == User.Role.MODERATOR
    entry = AuditEntry.objects.get(action="user.role_changed")
    assert (entry.actor, entry.target_type, entry.target_id) == (site_admin, "user", str(bob.pk))
    assert entry.ip == "198.51.100.4"
    assert entry.details == {"old": "user", "new": "moderator"}


def test_suspending_revokes_every_session_and_refuses_sign_in_until_unsuspended(
    site_admin, bob, api
):
    signed = sign_in(APIClient(), "bob")
    admin = client_for(site_admin)

    response = admin.patch(f"{USERS}/{bob.pk}", {"is_suspended": True}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["is_suspended"] is True
    assert response.json()["active_sessions"] == 0
    session = DeviceSession.objects.get(pk=signed["session"]["id"])
    assert session.revoked_at is not None
    answer = api.post(
        f"{API}/auth/login",
        {"username": "bob", "password": "correct horse battery staple"},
        format="json",
    )
    assert answer.status_code in (401, 403), answer.content

    response = admin.patch(f"{USERS}/{bob.pk}", {"is_suspended": False}, format="json")
    assert response.json()["is_suspended"] is False
    sign_in(APIClient(), "bob")
    acts = AuditEntry.objects.filter(action__startswith="user.").order_by("pk")
    assert list(acts.values_list("action", flat=True)) == ["user.suspended", "user.unsuspended"]


def test_suspending_a_suspended_user_again_records_nothing_more(site_admin, bob):
    admin = client_for(site_admin)
    admin.patch(f"{USERS}/{bob.pk}", {"is_suspended": True}, format="json")
    admin.patch(f"{USERS}/{bob.pk}", {"is_suspended": True}, format="json")
    assert AuditEntry.objects.filter(action="user.suspended").count() == 1


def test_role_and_suspension_change_together(site_admin, bob):
    response = client_for(site_admin).patch(
        f"{USERS}/{bob.pk}", {"role": "guest", "is_suspended": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["is_suspended"]) == ("guest", True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "wizard"}, "role"),
        ({"role": 3}, "role"),
        ({"is_suspended": "maybe"}, "is_suspended"),
        ({"is_suspended": 1}, "is_suspended"),
        ({"email": "new@example.org"}, "email"),
        ({"is_supended": True}, "is_supended"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field_and_changes_nothing(site_admin, bob, body, field):
    response = client_for(site_admin).patch(f"{USERS}/{bob.pk}", body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]
    bob.refresh_from_db()
    assert (bob.role, bob.is_suspended, bob.email) == ("user", False, "bob@example.org")
    assert not AuditEntry.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(site_admin, bob):
    response = client_for(site_admin).patch(f"{USERS}/{bob.pk}", ["role"], format="json")
    assert_error(response, 400, "validation_error")


def test_an_admin_cannot_change_or_deactivate_their_own_account(site_admin):
    admin = client_for(site_admin)
    own = f"{USERS}/{site_admin.pk}"
    assert_error(admin.patch(own, {"role": "user"}, format="json"), 403, "permission_denied")
    assert_error(admin.patch(own, {"is_suspended": True}, format="json"), 403, "permission_denied")
    assert_error(admin.delete(own), 403, "permission_denied")
    site_admin.refresh_from_db()
    assert (site_admin.role, site_admin.is_suspended, site_admin.is_active) == (
        "admin",
        False,
        True,
    )


def test_put_is_not_allowed(site_admin, bob):
    response = client_for(site_admin).put(f"{USERS}/{bob.pk}", {"role": "user"}, format="json")
    assert_error(response, 405, "method_not_allowed")


# --- deactivating -------------------------------------------------------------------


def test_deleting_deactivates_for_good_and_keeps_the_messages(site_admin, bob, alice):
    room = room_owned_by(alice)
    join(bob, room)
    message = posted(bob, room, "still here")

    response = client_for(site_admin).delete(f"{USERS}/{bob.pk}")

    assert response.status_code == 204
    bob.refresh_from_db()
    assert not bob.is_active
    assert bob.email == ""
    assert not bob.has_usable_password()
    shown = {m["id"]: m for m in history(alice, room)["results"]}[message["id"]]
    assert shown["content"] == "still here"
    assert shown["author"]["id"] == bob.pk
    assert shown["author"]["display_name"] == "Deactivated user"
    detail = client_for(site_admin).get(f"{USERS}/{bob.pk}").json()
    assert (detail["is_active"], detail["active_sessions"]) == (False, 0)
    assert AuditEntry.objects.filter(action="user.deactivated", target_id=str(bob.pk)).count() == 1


def test_a_deactivated_username_stays_reserved(site_admin, bob, api):
    client_for(site_admin).delete(f"{USERS}/{bob.pk}")
    response = api.post(
        f"{API}/auth/register",
        {"username": "bob", "email": "new-bob@example.org", "password": "a long new passphrase"},
        format="json",
    )
    error = assert_error(response, 409, "conflict")
    assert "username" in error["details"]


def test_deleting_twice_answers_204_and_records_once(site_admin, bob):
    admin = client_for(site_admin)
    assert admin.delete(f"{USERS}/{bob.pk}").status_code == 204
    assert admin.delete(f"{USERS}/{bob.pk}").status_code == 204
    assert AuditEntry.objects.filter(action="user.deactivated").count() == 1
