"""The Django admin as the operator console: every page, who may see it, the dashboard.

Each changelist is loaded with 50 rows and its query count pinned, so a
column that costs a query per row fails here. Access follows the site role:
admins everything, moderators the read-only pages, everyone else the sign-in page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from lair import audit
from messaging.models import Mention, Reaction
from realtime.models import Event
from rooms.models import Membership, RoomBan
from sessions_app import services as session_services
from tests.factories import (
    PASSWORD,
    DeviceSessionFactory,
    InvitationFactory,
    MembershipFactory,
    MessageFactory,
    RoomFactory,
    UserFactory,
    room_owned_by,
)
from tests.helpers import browser_of

pytestmark = pytest.mark.django_db


# --- 50 rows of every model -------------------------------------------------------


def _people(n=5):
    return UserFactory.create_batch(n)


def seed_users():
    _people(50)


def seed_sessions():
    people = _people()
    for n in range(50):
        DeviceSessionFactory(user=people[n % 5])


def seed_rooms():
    people = _people()
    for n in range(50):
        room = room_owned_by(people[n % 5])
        MembershipFactory(room=room, user=people[(n + 1) % 5])


def seed_memberships():
    people, rooms = _people(), RoomFactory.create_batch(10)
    for n in range(50):
        MembershipFactory(room=rooms[n // 5], user=people[n % 5])


def seed_invitations():
    people, rooms = _people(), RoomFactory.create_batch(10)
    for n in range(50):
        InvitationFactory(room=rooms[n // 5], invitee=people[n % 5], inviter=people[(n + 1) % 5])


def seed_bans():
    people, rooms = _people(), RoomFactory.create_batch(10)
    for n in range(50):
        RoomBan.objects.create(room=rooms[n // 5], user=people[n % 5], banned_by=people[0])


def _messages(n=50):
    people, rooms = _people(), RoomFactory.create_batch(5)
    return [MessageFactory(room=rooms[i % 5], author=people[i % 5]) for i in range(n)], people


def seed_messages():
    _messages()


def seed_reactions():
    messages, people = _messages(10)
    for n in range(50):
        Reaction.objects.create(message=messages[n // 5], user=people[n % 5], emoji="👍")


def seed_mentions():
    messages, people = _messages(10)
    for n in range(50):
        message = messages[n // 5]
        Mention.objects.create(message=message, user=people[n % 5], room_id=message.room_id)


def seed_events():
    Event.objects.bulk_create(
        Event(room_id=n % 5 + 1, type="message.created", payload="{}", message_id=n)
        for n in range(50)
    )


def seed_audit_log():
    people = _people()
    for n in range(50):
        audit.record("user.suspended", actor=people[n % 5], target=("user", n), ip="203.0.113.5")


# (changelist URL, seeding, queries the admin's changelist takes with 50 rows).
# A site admin's permission checks cost no query (accounts.backends: the role decides).
CHANGELISTS = {
    "users": ("/admin/accounts/user/", seed_users, 7),
    "sessions": ("/admin/sessions_app/devicesession/", seed_sessions, 7),
    "rooms": ("/admin/rooms/room/", seed_rooms, 7),
    "memberships": ("/admin/rooms/membership/", seed_memberships, 7),
    "invitations": ("/admin/rooms/invitation/", seed_invitations, 7),
    "bans": ("/admin/rooms/roomban/", seed_bans, 7),
    "messages": ("/admin/messaging/message/", seed_messages, 4),
    "reactions": ("/admin/messaging/reaction/", seed_reactions, 6),
    "mentions": ("/admin/messaging/mention/", seed_mentions, 4),
    "events": ("/admin/realtime/event/", seed_events, 7),
    "audit log": ("/admin/lair/auditentry/", seed_audit_log, 8),
}


@pytest.mark.parametrize("name", CHANGELISTS)
def test_every_changelist_shows_50_rows_in_a_fixed_number_of_queries(
    name, site_admin, django_assert_num_queries
):
    url, seed, queries = CHANGELISTS[name]
    seed()
    browser = browser_of(site_admin)

    with django_assert_num_queries(queries):
        response = browser.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 50


@pytest.mark.parametrize("name", CHANGELISTS)
def test_every_change_page_renders_for_a_site_admin(name, site_admin):
    url, seed, _ = CHANGELISTS[name]
    seed()
    browser = browser_of(site_admin)
    first = browser.get(url).context["cl"].result_list[0]

    response = browser.get(f"{url}{first.pk}/change/")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/messaging/message/",
        "/admin/messaging/reaction/",
        "/admin/messaging/mention/",
        "/admin/realtime/event/",
        "/admin/lair/auditentry/",
        "/admin/rooms/membership/",
        "/admin/rooms/invitation/",
        "/admin/rooms/roomban/",
        "/admin/sessions_app/devicesession/",
        "/admin/rooms/room/",
    ],
)
def test_records_the_services_write_cannot_be_added_in_the_console(url, site_admin):
    assert browser_of(site_admin).get(f"{url}add/").status_code == 403


def test_a_message_cannot_be_edited_or_deleted_row_by_row_even_by_a_site_admin(site_admin):
    (message,), _ = _messages(1)
    browser = browser_of(site_admin)
    url = f"/admin/messaging/message/{message.pk}/"

    page = browser.get(f"{url}change/")
    edit = browser.post(f"{url}change/", {"content": "rewritten"})
    delete = browser.post(f"{url}delete/", {"post": "yes"})

    assert 'name="content"' not in page.content.decode()
    assert (edit.status_code, delete.status_code) == (403, 403)
    message.refresh_from_db()
    assert message.content.startswith("message number")


def test_the_messages_of_private_and_direct_rooms_stay_out_of_a_moderators_console(
    moderator, alice
):
    public = MessageFactory(room=RoomFactory(), author=alice)
    MessageFactory(room=RoomFactory(type="private"), author=alice)
    MessageFactory(room=RoomFactory(type="direct"), author=alice)

    listed = browser_of(moderator).get("/admin/messaging/message/").context["cl"].result_list

    assert [m.pk for m in listed] == [public.pk]


def test_a_site_admin_reads_private_rooms_but_not_other_peoples_direct_messages(site_admin, alice):
    public = MessageFactory(room=RoomFactory(), author=alice)
    private = MessageFactory(room=RoomFactory(type="private"), author=alice)
    MessageFactory(room=RoomFactory(type="direct"), author=alice)

    listed = browser_of(site_admin).get("/admin/messaging/message/").context["cl"].result_list

    assert sorted(m.pk for m in listed) == [public.pk, private.pk]


# --- who may enter -------------------------------------------------------------------

MODERATOR_PAGES = [
    "/admin/accounts/user/",
    "/admin/rooms/room/",
    "/admin/rooms/membership/",
    "/admin/messaging/message/",
    "/admin/lair/auditentry/",
    "/admin/sessions_app/devicesession/",
]
ADMIN_ONLY_PAGES = [
    "/admin/rooms/invitation/",
    "/admin/rooms/roomban/",
    "/admin/messaging/reaction/",
    "/admin/messaging/mention/",
    "/admin/realtime/event/",
    "/admin/broadcast/",
]


@pytest.mark.parametrize("url", MODERATOR_PAGES)
def test_a_moderator_reads_the_moderation_pages(url, moderator):
    assert browser_of(moderator).get(url).status_code == 200


@pytest.mark.parametrize("url", ADMIN_ONLY_PAGES)
def test_a_moderator_is_refused_the_admin_only_pages(url, moderator):
    assert browser_of(moderator).get(url).status_code == 403


def test_a_moderator_sees_a_user_but_cannot_change_them(moderator, bob):
    browser = browser_of(moderator)
    url = f"/admin/accounts/user/{bob.pk}/change/"

    page = browser.get(url)
    post = browser.post(url, {"username": "renamed", "role": "admin"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    bob.refresh_from_db()
    assert (bob.username, bob.role) == ("bob", "user")


def action_names(response) -> set[str]:
    if response.context["action_form"] is None:
        return set()
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


def test_a_moderator_may_only_run_the_message_moderation_action(moderator):
    browser = browser_of(moderator)

    assert action_names(browser.get("/admin/messaging/message/")) == {"delete_messages"}
    assert action_names(browser.get("/admin/accounts/user/")) == set()
    assert action_names(browser.get("/admin/rooms/room/")) == set()
    assert action_names(browser.get("/admin/sessions_app/devicesession/")) == set()


def test_a_moderator_posting_an_admin_action_changes_nothing(moderator, bob):
    response = browser_of(moderator).post(
        "/admin/accounts/user/", {"action": "suspend_users", "_selected_action": [str(bob.pk)]}
    )

    assert response.status_code in (200, 302)
    bob.refresh_from_db()
    assert not bob.is_suspended
    assert not audit.AuditEntry.objects.exists()


@pytest.mark.parametrize("role", [User.Role.USER, User.Role.GUEST])
def test_users_and_guests_are_sent_to_the_sign_in_page(role):
    browser = browser_of(UserFactory(role=role, is_staff=True))

    for url in ["/admin/", "/admin/accounts/user/", "/admin/messaging/message/"]:
        response = browser.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_a_user_cannot_sign_in_to_the_admin_with_the_right_password(bob):
    browser = Client()

    response = browser.post("/admin/login/", {"username": "bob", "password": PASSWORD})

    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert browser.get("/admin/").status_code == 302


def test_a_moderator_signs_in_to_the_admin_without_any_staff_flag(moderator):
    browser = Client()

    response = browser.post(
        "/admin/login/", {"username": "mona", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert browser.get("/admin/").status_code == 200


def test_a_user_promoted_to_moderator_uses_the_console_at_once_and_loses_it_when_demoted(
    site_admin, bob
):
    browser = browser_of(bob)
    assert browser.get("/admin/").status_code == 302

    session_services.change_site_role(actor=site_admin, user=bob, role="moderator")
    assert browser.get("/admin/").status_code == 200

    session_services.change_site_role(actor=site_admin, user=bob, role="user")
    assert browser.get("/admin/").status_code == 302


# --- the dashboard ----------------------------------------------------------------------


def test_the_dashboard_shows_the_site_figures_and_two_charts_in_fixed_queries(
    site_admin, alice, bob, django_assert_num_queries
):
    room = room_owned_by(alice)
    RoomFactory(type="private", archived_at=timezone.now())
    now = timezone.now()
    for days_ago, author in [(0, alice), (0, bob), (0, alice), (2, bob), (40, alice)]:
        MessageFactory(room=room, author=author, created_at=now - timedelta(days=days_ago))
    UserFactory(is_suspended=True)
    browser = browser_of(site_admin)

    with django_assert_num_queries(8):
        response = browser.get("/admin/")

    assert response.status_code == 200
    page = response.content.decode()
    stats = response.context["stats"]
    assert stats["messages"] == {"total": 5, "last_24h": 3}
    assert stats["rooms"]["archived"] == 1
    assert stats["users"]["suspended"] == 1
    assert '<dd data-stat="messages.total">5</dd>' in page
    assert '<dd data-stat="rooms.total">2</dd>' in page
    assert page.count('<svg class="lair-chart"') == 2
    assert '<title id="messages-per-day-title">Messages per day' in page
    # Today: three messages by two authors; two days ago one by one; 40 days ago is out.
    assert f"{now.date().isoformat()}: 3 messages" in page
    assert f"{now.date().isoformat()}: 2 active users" in page
    assert f"{(now - timedelta(days=2)).date().isoformat()}: 1 messages" in page
    assert "4 messages from" in page
    assert 'href="/admin/broadcast/"' in page


def test_the_dashboard_query_count_does_not_grow_with_the_data(
    site_admin, alice, django_assert_num_queries
):
    rooms = [room_owned_by(alice) for _ in range(20)]
    now = timezone.now()
    for n in range(60):
        MessageFactory(room=rooms[n % 20], author=alice, created_at=now - timedelta(days=n % 30))
    browser = browser_of(site_admin)

    with django_assert_num_queries(8):
        assert browser.get("/admin/").status_code == 200


def test_a_moderator_sees_the_dashboard_without_the_broadcast_button(moderator):
    page = browser_of(moderator).get("/admin/")

    assert page.status_code == 200
    assert page.content.decode().count('<svg class="lair-chart"') == 2
    assert 'href="/admin/broadcast/"' not in page.content.decode()


def test_memberships_are_listed_with_their_room_role(site_admin, alice):
    room = room_owned_by(alice)

    page = browser_of(site_admin).get("/admin/rooms/membership/").content.decode()

    assert Membership.objects.get(room=room).role == "owner"
    assert "Owner" in page
    assert room.name in page
