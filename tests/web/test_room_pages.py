"""The room pages over real requests: what a browser user without the script sees and does.

The live behaviour (the socket, the script) is tested in a real browser in
tests/browser; these pin the server side: rules, escaping, redirects, queries.
"""

from __future__ import annotations

import re

import pytest

from messaging.models import Message
from rooms.models import Membership
from tests.helpers import (
    add_member,
    browser_of,
    client_for,
    create_room,
    join,
    post_message,
    posted,
)

pytestmark = pytest.mark.django_db


def ids_on(response) -> list[int]:
    return [int(i) for i in re.findall(r'<div class="message[^"]*" id="m-(\d+)"', response.text)]


def test_anonymous_visitor_of_a_page_goes_to_sign_in_with_next(client):
    response = client.get("/rooms/1/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/rooms/1/"
    assert client.get("/")["Location"] == "/login/?next=/"


def test_home_lists_my_rooms_with_unread_counts_and_direct_messages_apart(alice, bob):
    room = create_room(alice, name="general")
    join(bob, room)
    post_message(bob, room, "one")
    post_message(bob, room, "two")
    browser_of(bob).get(f"/direct/{alice.username}/")
    page = browser_of(alice).get("/")
    assert page.status_code == 200
    nav = page.text.split('<nav aria-label="Rooms"', 1)[1].split("</nav>", 1)[0]
    rooms, directs = nav.split("Direct messages", 1)
    assert "general" in rooms
    assert (bob.display_name or bob.username) not in rooms
    assert f'data-room-id="{room}"' in rooms
    assert re.search(r'<span class="count">2</span><span class="visually-hidden"> unread', rooms)
    assert (bob.display_name or bob.username) in directs
    assert page.text.count("<title>(2) ") == 1


def test_room_page_shows_history_oldest_first_and_marks_it_read(alice, bob):
    room = create_room(alice)
    join(bob, room)
    first = posted(alice, room, "first")["id"]
    second = posted(alice, room, "second")["id"]
    page = browser_of(bob).get(f"/rooms/{room}/")
    assert page.status_code == 200
    assert ids_on(page) == [first, second]
    assert 'role="log" aria-label="Messages"' in page.text
    marker = Membership.objects.get(room_id=room, user=bob).last_read_message_id
    assert marker == second


def test_older_messages_page_without_script(alice, runtime_config):
    runtime_config(message_rate_limit="1000/60")
    room = create_room(alice)
    ids = [posted(alice, room, f"m{i}")["id"] for i in range(55)]
    page = browser_of(alice).get(f"/rooms/{room}/")
    assert ids_on(page) == ids[5:]
    assert f'href="?before={ids[5]}"' in page.text
    older = browser_of(alice).get(f"/rooms/{room}/?before={ids[5]}")
    assert ids_on(older) == ids[:5]
    assert "Newer messages" in older.text


def test_posting_without_script_redirects_to_the_message(alice):
    room = create_room(alice)
    browser = browser_of(alice)
    response = browser.post(f"/rooms/{room}/", {"content": "from a form"})
    message = Message.objects.get(room_id=room)
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room}/#m-{message.pk}"
    assert "from a form" in browser.get(f"/rooms/{room}/").text


def test_resubmitted_form_posts_once(alice):
    room = create_room(alice)
    browser = browser_of(alice)
    for _ in range(2):
        browser.post(f"/rooms/{room}/", {"content": "once", "client_id": "form-1"})
    assert Message.objects.filter(room_id=room).count() == 1


def test_empty_or_too_long_message_is_a_form_error_keeping_the_text(alice):
    room = create_room(alice)
    browser = browser_of(alice)
    empty = browser.post(f"/rooms/{room}/", {"content": "   "})
    assert empty.status_code == 400
    assert 'class="field-error"' in empty.text or 'class="form-errors"' in empty.text
    long_text = "x" * 4001
    too_long = browser.post(f"/rooms/{room}/", {"content": long_text})
    assert too_long.status_code == 400
    assert long_text in too_long.text
    assert not Message.objects.filter(room_id=room).exists()


def test_message_markup_is_escaped_everywhere(alice):
    room = create_room(alice, name="<b>room</b>")
    post_message(alice, room, "<img src=x onerror=alert(1)>")
    page = browser_of(alice).get(f"/rooms/{room}/").text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>room</b>" not in page
    assert "&lt;b&gt;room&lt;/b&gt;" in page


def test_private_room_page_is_404_to_an_outsider(alice, outsider):
    room = create_room(alice, type="private", name="secret")
    post_message(alice, room, "hush")
    page = browser_of(outsider).get(f"/rooms/{room}/")
    assert page.status_code == 404
    assert "hush" not in page.text
    assert "secret" not in page.text
    assert browser_of(outsider).post(f"/rooms/{room}/", {"content": "hi"}).status_code == 404
    assert not Message.objects.filter(room_id=room, author=outsider).exists()


def test_visitor_of_a_public_room_reads_and_can_join(alice, bob):
    room = create_room(alice)
    post_message(alice, room, "welcome")
    browser = browser_of(bob)
    page = browser.get(f"/rooms/{room}/")
    assert "welcome" in page.text
    assert 'id="composer"' not in page.text
    assert browser.post(f"/rooms/{room}/join/")["Location"] == f"/rooms/{room}/"
    assert Membership.objects.filter(room_id=room, user=bob).exists()
    assert 'id="composer"' in browser.get(f"/rooms/{room}/").text


def test_create_room_lands_on_it_and_bad_name_is_a_form_error(alice):
    browser = browser_of(alice)
    response = browser.post("/rooms/new/", {"name": "design", "description": "", "type": "public"})
    room = Membership.objects.get(user=alice).room
    assert response["Location"] == f"/rooms/{room.pk}/"
    bad = browser.post("/rooms/new/", {"name": "", "type": "public"})
    assert bad.status_code == 400
    assert 'class="field-error"' in bad.text
    wrong_type = browser.post("/rooms/new/", {"name": "x", "type": "direct"})
    assert wrong_type.status_code == 400


def test_guest_cannot_create_a_room_and_sees_why(guest):
    response = browser_of(guest).post("/rooms/new/", {"name": "mine", "type": "public"})
    assert response.status_code == 400
    assert not Membership.objects.filter(user=guest).exists()


def test_browse_lists_public_rooms_with_join_buttons(alice, bob):
    create_room(alice, name="open-room")
    create_room(alice, type="private", name="closed-room")
    page = browser_of(bob).get("/rooms/browse/")
    assert "open-room" in page.text
    assert "closed-room" not in page.text
    assert ">Join</button>" in page.text


def test_direct_page_opens_the_same_room_both_ways(alice, bob):
    there = browser_of(alice).get(f"/direct/{bob.username}/")
    back = browser_of(bob).get(f"/direct/{alice.username}/")
    assert there["Location"] == back["Location"]
    assert browser_of(alice).get("/direct/nobody-here/").status_code == 404


def test_invitations_accept_and_decline(alice, bob):
    room = create_room(alice, type="private", name="club")
    other = create_room(alice, type="private", name="other-club")
    api = client_for(alice)
    api.post(f"/api/v1/rooms/{room}/invitations", {"user_id": bob.pk}, format="json")
    api.post(f"/api/v1/rooms/{other}/invitations", {"user_id": bob.pk}, format="json")
    browser = browser_of(bob)
    page = browser.get("/invitations/")
    assert "club" in page.text
    assert "other-club" in page.text
    ids = [int(i) for i in re.findall(r"/invitations/(\d+)/accept/", page.text)]
    accepted = browser.post(f"/invitations/{ids[0]}/accept/")
    assert accepted.status_code == 302
    browser.post(f"/invitations/{ids[1]}/decline/")
    assert Membership.objects.filter(user=bob).count() == 1
    assert browser.post(f"/invitations/{ids[1]}/maybe/").status_code == 404


def test_thread_page_shows_replies_and_posts_a_reply(alice):
    room = create_room(alice)
    root = posted(alice, room, "root")["id"]
    browser = browser_of(alice)
    response = browser.post(f"/rooms/{room}/threads/{root}/", {"content": "a reply"})
    reply = Message.objects.get(parent_id=root)
    assert response["Location"] == f"/rooms/{room}/threads/{root}/#m-{reply.pk}"
    page = browser.get(f"/rooms/{room}/threads/{root}/")
    assert "a reply" in page.text
    assert browser.get(f"/rooms/{room + 1}/threads/{root}/").status_code == 404


def test_search_page_highlights_and_links_to_the_message(alice, outsider):
    room = create_room(alice, name="general")
    hit = posted(alice, room, "the quick brown fox")["id"]
    secret = create_room(alice, type="private", name="secret")
    post_message(alice, secret, "the quick hidden fox")
    page = browser_of(alice).get("/search/?q=fox")
    assert "<mark>fox</mark>" in page.text
    assert f'href="/rooms/{room}/?at={hit}#m-{hit}"' in page.text
    assert "quick hidden" not in browser_of(outsider).get("/search/?q=fox").text
    around = browser_of(alice).get(f"/rooms/{room}/?at={hit}")
    assert hit in ids_on(around)


def test_search_page_with_a_bad_query_is_not_an_error_page(alice):
    page = browser_of(alice).get("/search/?q=" + "x" * 5000 + "&before=yesterday")
    assert page.status_code == 200
    # The refusal is said on the page, in the search's words, not as an error page.
    assert 'class="form-errors" role="alert"' in page.text
    assert "characters" in page.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    bad_date = browser_of(alice).get("/search/?q=fox&before=yesterday")
    assert bad_date.status_code == 200
    assert 'class="form-errors" role="alert"' in bad_date.text


def test_delete_without_script_and_refused_delete(alice, bob):
    room = create_room(alice)
    join(bob, room)
    mine = posted(bob, room, "mine")["id"]
    theirs = posted(alice, room, "theirs")["id"]
    browser = browser_of(bob)
    assert browser.post(f"/messages/{mine}/delete/").status_code == 302
    assert Message.objects.get(pk=mine).deleted_at is not None
    refused = browser.post(
        f"/messages/{theirs}/delete/", HTTP_REFERER=f"http://testserver/rooms/{room}/"
    )
    assert refused.status_code == 302
    assert Message.objects.get(pk=theirs).deleted_at is None


def test_csrf_is_enforced_on_page_forms(alice):
    from django.test import Client

    room = create_room(alice)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post(f"/rooms/{room}/", {"content": "forged"}).status_code == 403
    assert not Message.objects.filter(room_id=room).exists()


def test_room_page_query_count_does_not_grow_with_history(
    alice, bob, django_assert_max_num_queries
):
    room = create_room(alice)
    join(bob, room)
    add_member(alice, create_room(alice, type="private", name="p"), bob)
    for i in range(50):
        post_message(alice, room, f"m{i}")
    browser = browser_of(bob)
    browser.get(f"/rooms/{room}/")
    with django_assert_max_num_queries(14):
        assert browser.get(f"/rooms/{room}/").status_code == 200


def test_every_page_has_a_strict_script_policy(alice):
    room = create_room(alice)
    for path in (
        "/",
        f"/rooms/{room}/",
        "/rooms/new/",
        "/rooms/browse/",
        "/search/?q=a",
        "/invitations/",
    ):
        response = browser_of(alice).get(path)
        policy = response["Content-Security-Policy"]
        script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert "unsafe-inline" not in script, path
        assert "unsafe-eval" not in script, path
        assert "<script>" not in response.text, path
        assert " onclick=" not in response.text, path


def test_out_of_range_ids_and_odd_parameters_are_not_server_errors(alice):
    room = create_room(alice)
    browser = browser_of(alice)
    assert browser.get("/rooms/99999999999999999999/").status_code == 404
    assert browser.get("/rooms/9223372036854775807/threads/1/").status_code == 404
    assert browser.get(f"/rooms/{room}/?before=abc&at=-1").status_code == 200
    assert browser.get(f"/rooms/{room}/?at=999999999999999999").status_code == 200
    assert browser.post("/messages/99999999999999/delete/").status_code == 404


def test_non_ascii_digits_in_page_parameters_are_ignored_not_errors(alice):
    room = create_room(alice)
    root = posted(alice, room, "root")["id"]
    browser = browser_of(alice)
    for query in ("before=%C2%B2", "at=%C2%B2", "before=%D9%A1%D9%A2"):
        assert browser.get(f"/rooms/{room}/?{query}").status_code == 200, query
    assert browser.get(f"/rooms/{room}/threads/{root}/?after=%C2%B2").status_code == 200


def test_thread_replies_stay_in_their_thread_not_in_the_room_history(alice):
    room = create_room(alice)
    root = posted(alice, room, "root")["id"]
    reply = posted(alice, room, "a reply", parent_id=root)["id"]
    page = browser_of(alice).get(f"/rooms/{room}/")
    assert ids_on(page) == [root]
    assert reply not in ids_on(page)
    assert re.search(r'<span class="count">1</span> reply<', page.text)


def test_a_rate_limited_post_from_the_page_is_a_429_keeping_the_text(alice, runtime_config):
    runtime_config(message_rate_limit="1/60")
    room = create_room(alice)
    browser = browser_of(alice)
    browser.post(f"/rooms/{room}/", {"content": "first"})
    limited = browser.post(f"/rooms/{room}/", {"content": "second try"})
    assert limited.status_code == 429
    assert limited["Retry-After"]
    assert "second try" in limited.text


def test_a_room_admin_invites_someone_by_username_from_the_room_page(alice, bob, outsider):
    from rooms.models import Invitation

    room = create_room(alice, type="private", name="club")
    browser = browser_of(alice)
    assert 'aria-label="Invite someone"' in browser.get(f"/rooms/{room}/").text
    response = browser.post(f"/rooms/{room}/invite/", {"username": bob.username})
    assert response.status_code == 302
    assert Invitation.objects.filter(room_id=room, invitee=bob, status="pending").exists()
    assert "club" in browser_of(bob).get("/invitations/").text
    unknown = browser.post(f"/rooms/{room}/invite/", {"username": "nobody-at-all"})
    assert unknown.status_code == 302
    assert "No user" in browser.get(f"/rooms/{room}/").text
    # Someone who may not add members gets no form and no invitation.
    assert (
        browser_of(outsider).post(f"/rooms/{room}/invite/", {"username": "bob"}).status_code == 404
    )
