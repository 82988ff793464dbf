"""GET, PATCH, DELETE /messages/{id}: reading, editing one's own, (moderated) soft delete."""

from __future__ import annotations

import pytest

from accounts.models import User
from messaging.models import Mention, Message, Reaction
from tests.factories import UserFactory
from tests.helpers import (
    API,
    ISO_UTC,
    archive,
    assert_error,
    client_for,
    get_message,
    history,
    posted,
    set_role,
)


def edit(user, message_id: int, content):
    return client_for(user).patch(
        f"{API}/messages/{message_id}", {"content": content}, format="json"
    )


def delete(user, message_id: int):
    return client_for(user).delete(f"{API}/messages/{message_id}")


def assert_placeholder(message: dict) -> None:
    """A deleted message reads back as a placeholder: flagged, with its text gone."""
    assert message["deleted"] is True
    assert message["content"] == ""


def react(user, message_id: int, emoji: str = "👍"):
    response = client_for(user).post(
        f"{API}/messages/{message_id}/reactions", {"emoji": emoji}, format="json"
    )
    assert response.status_code in (200, 201), response.content


def test_member_reads_a_message(alice, bob, room):
    message = posted(alice, room, "read me")

    assert get_message(bob, message["id"]) == message


def test_public_room_message_is_readable_by_non_members(alice, room, outsider):
    message = posted(alice, room, "public")

    assert get_message(outsider, message["id"])["content"] == "public"


def test_unknown_message_is_404(alice, room):
    assert_error(client_for(alice).get(f"{API}/messages/999999"), 404, "not_found")


# --- editing ---------------------------------------------------------------


def test_author_edits_own_message_and_edited_at_is_set(alice, room):
    message = posted(alice, room, "typo")

    response = edit(alice, message["id"], "fixed")

    assert response.status_code == 200, response.content
    edited = response.json()
    assert edited["content"] == "fixed"
    assert ISO_UTC.match(edited["edited_at"]), edited
    assert edited["created_at"] == message["created_at"]
    assert get_message(alice, message["id"]) == edited


def test_edit_keeps_edited_at_on_later_reads(alice, bob, room):
    message = posted(alice, room, "typo")
    edit(alice, message["id"], "fixed")

    seen = history(bob, room)["results"][0]

    assert seen["content"] == "fixed"
    assert seen["edited_at"] is not None


def test_editing_someone_elses_message_is_forbidden(alice, bob, room):
    message = posted(alice, room, "mine")

    assert_error(edit(bob, message["id"], "hijacked"), 403, "permission_denied")
    assert Message.objects.get(pk=message["id"]).content == "mine"


def test_room_owner_cannot_edit_someone_elses_message(alice, bob, room):
    message = posted(bob, room, "bob's words")

    assert_error(edit(alice, message["id"], "alice's words"), 403, "permission_denied")


def test_editing_a_deleted_message_is_a_conflict(alice, room):
    message = posted(alice, room, "soon gone")
    delete(alice, message["id"])

    assert_error(edit(alice, message["id"], "back again"), 409, "conflict")


@pytest.mark.parametrize("content", ["", "   ", "x" * 4001])
def test_edit_content_follows_the_posting_rules(alice, room, content):
    message = posted(alice, room, "original")

    error = assert_error(edit(alice, message["id"], content), 400, "validation_error")

    assert "content" in error["details"]
    assert Message.objects.get(pk=message["id"]).content == "original"


def test_edit_cannot_change_author_room_or_state(alice, bob, room):
    message = posted(alice, room, "original")

    response = client_for(alice).patch(
        f"{API}/messages/{message['id']}",
        {"content": "new", "author": bob.pk, "room_id": 999, "deleted": True, "parent_id": 1},
        format="json",
    )

    assert response.status_code == 200, response.content
    edited = response.json()
    assert (edited["author"]["id"], edited["room_id"], edited["deleted"]) == (
        alice.pk,
        room,
        False,
    )
    assert edited["parent_id"] is None


def test_editing_in_an_archived_room_is_forbidden(alice, room):
    message = posted(alice, room, "frozen")
    archive(alice, room)

    assert_error(edit(alice, message["id"], "thawed"), 403, "permission_denied")


# --- deleting --------------------------------------------------------------


def test_author_deletes_own_message_leaving_a_placeholder(alice, bob, room):
    message = posted(alice, room, "regrettable @bob")
    react(bob, message["id"], "👍")
    react(alice, message["id"], "🎉")

    response = delete(alice, message["id"])

    assert response.status_code == 204
    assert response.content == b""
    placeholder = get_message(bob, message["id"])
    assert placeholder["deleted"] is True
    assert placeholder["content"] == ""
    assert placeholder["reactions"] == []
    assert placeholder["mentions"] == []
    assert placeholder["author"]["id"] == alice.pk
    assert not Reaction.objects.filter(message_id=message["id"]).exists()
    assert not Mention.objects.filter(message_id=message["id"]).exists()
    assert [m["id"] for m in history(bob, room)["results"]] == [message["id"]]


def test_deleting_twice_is_harmless(alice, room):
    message = posted(alice, room, "bye")

    assert delete(alice, message["id"]).status_code == 204
    assert delete(alice, message["id"]).status_code == 204
    assert get_message(alice, message["id"])["deleted"] is True


def test_room_moderator_deletes_someone_elses_message(alice, bob, carol, room):
    set_role(alice, room, bob, "moderator")
    message = posted(carol, room, "spam")

    assert delete(bob, message["id"]).status_code == 204
    assert get_message(carol, message["id"])["deleted"] is True
    assert_placeholder(get_message(carol, message["id"]))


def test_room_owner_deletes_someone_elses_message(alice, carol, room):
    message = posted(carol, room, "spam")

    assert delete(alice, message["id"]).status_code == 204
    assert_placeholder(get_message(carol, message["id"]))


def test_site_moderator_deletes_in_public_rooms_without_joining(alice, room):
    message = posted(alice, room, "off topic")
    moderator = UserFactory(username="sitemod", role=User.Role.MODERATOR)

    assert client_for(moderator).delete(f"{API}/messages/{message['id']}").status_code == 204
    assert_placeholder(get_message(alice, message["id"]))


def test_site_moderator_cannot_see_private_rooms_messages(alice, private_room):
    message = posted(alice, private_room, "secret")
    moderator = UserFactory(username="sitemod", role=User.Role.MODERATOR)

    assert_error(client_for(moderator).delete(f"{API}/messages/{message['id']}"), 404, "not_found")


def test_room_admin_role_is_enough_to_delete_others_messages(alice, bob, carol, room):
    set_role(alice, room, bob, "admin")
    message = posted(carol, room, "off topic")

    assert client_for(bob).delete(f"{API}/messages/{message['id']}").status_code == 204
    assert_placeholder(get_message(carol, message["id"]))


def test_plain_member_cannot_delete_someone_elses_message(bob, carol, room):
    message = posted(bob, room, "bob's")

    assert_error(delete(carol, message["id"]), 403, "permission_denied")
    assert get_message(bob, message["id"])["deleted"] is False


def test_non_member_cannot_delete_a_public_rooms_message(alice, room, outsider):
    message = posted(alice, room, "public")

    assert_error(delete(outsider, message["id"]), 403, "permission_denied")


def test_deleting_in_an_archived_room_is_forbidden(alice, room):
    message = posted(alice, room, "frozen")
    archive(alice, room)

    assert_error(delete(alice, message["id"]), 403, "permission_denied")


# --- private rooms do not leak -----------------------------------------------


def test_private_room_message_is_404_to_outsiders_on_get_patch_and_delete(
    alice, private_room, outsider
):
    message = posted(alice, private_room, "secret")
    client = client_for(outsider)
    url = f"{API}/messages/{message['id']}"

    assert_error(client.get(url), 404, "not_found")
    assert_error(client.patch(url, {"content": "x"}, format="json"), 404, "not_found")
    assert_error(client.delete(url), 404, "not_found")
    assert Message.objects.get(pk=message["id"]).content == "secret"


def test_private_room_message_answers_like_an_unknown_message(alice, private_room, outsider):
    message = posted(alice, private_room, "secret")
    client = client_for(outsider)

    hidden = client.get(f"{API}/messages/{message['id']}").json()
    unknown = client.get(f"{API}/messages/{message['id'] + 1000}").json()

    assert hidden == unknown
