"""@username mentions: stored for room members, counted in the room list, kept up by edits."""

from __future__ import annotations

from messaging.models import Mention
from tests.helpers import API, client_for, create_room, get_message, join, posted


def edit(user, message_id: int, content: str) -> dict:
    response = client_for(user).patch(
        f"{API}/messages/{message_id}", {"content": content}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def my_room(user, room_id: int) -> dict:
    response = client_for(user).get(f"{API}/rooms")
    assert response.status_code == 200, response.content
    return next(item for item in response.json()["results"] if item["id"] == room_id)


def test_at_username_mentions_a_room_member(alice, bob, room):
    message = posted(alice, room, "hey @bob, look")

    assert message["mentions"] == [bob.pk]
    assert get_message(bob, message["id"])["mentions"] == [bob.pk]


def test_mentions_are_case_insensitive(alice, bob, room):
    assert posted(alice, room, "hi @BoB")["mentions"] == [bob.pk]


def test_trailing_full_stop_ends_the_mention(alice, bob, room):
    assert posted(alice, room, "thanks @bob.")["mentions"] == [bob.pk]
    assert posted(alice, room, "thanks @bob...")["mentions"] == [bob.pk]


def test_several_mentions_are_listed_by_user_id(alice, bob, carol, room):
    message = posted(alice, room, "@carol and @bob and @bob again")

    assert message["mentions"] == sorted([bob.pk, carol.pk])


def test_only_room_members_are_mentioned(alice, room, outsider):
    assert posted(alice, room, "hello @outsider")["mentions"] == []
    assert not Mention.objects.exists()


def test_unknown_username_mentions_nobody(alice, room):
    assert posted(alice, room, "hello @nobody_here")["mentions"] == []


def test_email_address_is_not_a_mention(alice, bob, room):
    assert posted(alice, room, "write to me@bob please")["mentions"] == []


def test_author_does_not_mention_themselves(alice, room):
    assert posted(alice, room, "note to @alice")["mentions"] == []


def test_mention_counts_in_the_mentioned_members_room_list(alice, bob, carol, room):
    posted(alice, room, "@bob ping")
    posted(alice, room, "no mention here")

    assert my_room(bob, room)["mention_count"] == 1
    assert my_room(bob, room)["unread_count"] == 2
    assert my_room(carol, room)["mention_count"] == 0


def test_mention_count_is_per_room(alice, bob, room):
    other = create_room(alice, name="other")
    join(bob, other)
    posted(alice, other, "@bob over here")

    assert my_room(bob, room)["mention_count"] == 0
    assert my_room(bob, other)["mention_count"] == 1


def test_edit_that_removes_the_mention_removes_it(alice, bob, room):
    message = posted(alice, room, "@bob ping")

    edited = edit(alice, message["id"], "never mind")

    assert edited["mentions"] == []
    assert not Mention.objects.filter(message_id=message["id"]).exists()
    assert my_room(bob, room)["mention_count"] == 0


def test_edit_that_adds_a_mention_adds_it(alice, bob, carol, room):
    message = posted(alice, room, "@bob ping")

    edited = edit(alice, message["id"], "@carol ping instead")

    assert edited["mentions"] == [carol.pk]
    assert my_room(bob, room)["mention_count"] == 0
    assert my_room(carol, room)["mention_count"] == 1


def test_deleting_the_message_removes_its_mentions(alice, bob, room):
    message = posted(alice, room, "@bob ping")

    client_for(alice).delete(f"{API}/messages/{message['id']}")

    assert my_room(bob, room)["mention_count"] == 0
