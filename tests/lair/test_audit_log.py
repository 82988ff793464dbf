"""The audit log: one way to write, inside the caller's transaction, and never rewritten.

Operators read it in the Django admin (read-only, even for superusers); the
entries of each audited act are tested beside that act (tests/sessions_app,
tests/rooms).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from lair import audit
from lair.models import AppendOnly, AuditEntry
from tests.factories import RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/lair/auditentry/"


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_browser(superuser) -> Client:
    browser = Client(REMOTE_ADDR="198.51.100.9")
    browser.force_login(superuser)
    return browser


@pytest.fixture
def entry(alice, bob) -> AuditEntry:
    return audit.record("user.suspended", actor=alice, target=bob, ip="203.0.113.5", revoked=2)


def test_an_entry_keeps_actor_target_ip_and_details(alice, bob):
    audit.record("user.suspended", actor=alice, target=bob, ip="203.0.113.5", revoked=2)

    stored = AuditEntry.objects.get()
    assert stored.actor == alice
    assert (stored.action, stored.target_type, stored.target_id) == (
        "user.suspended",
        "user",
        str(bob.pk),
    )
    assert stored.ip == "203.0.113.5"
    assert stored.details == {"revoked": 2}
    assert stored.at is not None


def test_a_target_may_be_a_type_and_an_id_and_the_actor_may_be_nobody():
    room = RoomFactory()

    audit.record("room.deleted", target=("room", room.pk), name="general")
    audit.record("login.failed", ip=None)

    deleted, failed = AuditEntry.objects.order_by("id")
    assert (deleted.actor, deleted.target_type, deleted.target_id) == (None, "room", str(room.pk))
    assert deleted.details == {"name": "general"}
    assert (failed.target_type, failed.target_id, failed.ip) == ("", "", None)


def _change_that_fails(user) -> None:
    with transaction.atomic():
        audit.record("password.changed", actor=user, target=user)
        raise RuntimeError("the change failed after the entry was written")


def test_an_act_that_rolls_back_leaves_no_entry(alice):
    with pytest.raises(RuntimeError):
        _change_that_fails(alice)

    assert not AuditEntry.objects.exists()


def test_an_entry_cannot_be_changed_or_deleted_from_python(entry):
    entry.action = "user.unsuspended"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="user.unsuspended")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(actor=None, ip=None)
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()

    stored = AuditEntry.objects.get()
    assert (stored.action, stored.ip) == ("user.suspended", "203.0.113.5")


def test_a_new_entry_with_an_existing_id_does_not_overwrite_it(entry):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry(pk=entry.pk, action="user.unsuspended").save()

    assert AuditEntry.objects.get().action == "user.suspended"


def test_deleting_the_actor_keeps_their_entries(entry, alice):
    alice.delete()

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor is None
    assert stored.action == "user.suspended"


# --- the Django admin ---------------------------------------------------------------


def test_the_changelist_renders_50_entries_in_a_fixed_number_of_queries(
    operator_browser, django_assert_num_queries
):
    actors = UserFactory.create_batch(5)
    for n in range(50):
        audit.record(
            "member.kicked", actor=actors[n % 5], target=("user", n), ip="203.0.113.5", ban=False
        )

    # No COUNT(*) of the whole log (show_full_result_count off).
    with django_assert_num_queries(8):
        response = operator_browser.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("member.kicked") >= 50
    assert actors[0].username in page
    assert "user 49" in page


def test_the_changelist_filters_and_searches(operator_browser, entry, alice):
    audit.record("room.archived", actor=alice, target=("room", 7))

    by_action = operator_browser.get(CHANGELIST, {"action": "room.archived"})
    by_username = operator_browser.get(CHANGELIST, {"q": alice.username})

    assert by_action.status_code == 200
    assert "room 7" in by_action.content.decode()
    assert [e.action for e in by_action.context["cl"].result_list] == ["room.archived"]
    assert by_username.context["cl"].result_count == 2


def test_not_even_a_superuser_may_add_change_or_delete_an_entry(operator_browser, entry):
    change_url = f"{CHANGELIST}{entry.pk}/change/"
    delete_url = f"{CHANGELIST}{entry.pk}/delete/"

    assert operator_browser.get(f"{CHANGELIST}add/").status_code == 403
    assert operator_browser.post(change_url, {"action": "user.unsuspended"}).status_code == 403
    assert operator_browser.get(delete_url).status_code == 403
    assert operator_browser.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = operator_browser.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [str(entry.pk)], "post": "yes"},
    )

    assert bulk.status_code in (200, 302)
    stored = AuditEntry.objects.get()
    assert (stored.action, stored.ip) == ("user.suspended", "203.0.113.5")


def test_the_detail_page_is_read_only(operator_browser, entry):
    response = operator_browser.get(f"{CHANGELIST}{entry.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "203.0.113.5" in page
    assert 'name="action"' not in page
    assert "Save" not in page
