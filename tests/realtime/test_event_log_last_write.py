"""The event is the last write of its transaction: nothing runs between the append and COMMIT.

Appending takes the event log's lock, held until COMMIT (realtime/log.py):
any statement after it would make every other writer wait for it. These
tests capture the statements of real service calls on committed
transactions and find the append as the last one, a single call however
many events the transaction logged.
"""

from __future__ import annotations

import pytest
from django.db import connection

from messaging import services as messaging
from realtime.models import Event
from rooms import services as rooms
from rooms.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

EVENT_TABLE = Event._meta.db_table


def is_append(sql: str) -> bool:
    return "lair_append_event" in sql or sql.lstrip().startswith(f'INSERT INTO "{EVENT_TABLE}"')


def statements_of(action) -> list[str]:
    """Every statement ``action()`` sent to the database, in order."""
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        action()
    return statements


def assert_the_append_ends_the_transaction(statements: list[str]) -> None:
    appends = [index for index, sql in enumerate(statements) if is_append(sql)]
    assert len(appends) == 1, statements
    after = statements[appends[0] + 1 :]
    # A savepoint released is no write; COMMIT itself is not a cursor statement.
    assert all(sql.startswith("RELEASE SAVEPOINT") for sql in after), after


@pytest.fixture
def room(alice, bob):
    room = rooms.create_room(actor=alice, name="general", type="public")
    rooms.join_room(actor=bob, room_id=room.pk)
    return room


@pytest.fixture
def message(alice, room):
    message = messaging.post_message(actor=alice, room_id=room.pk, content="hello @bob").message
    return message


def test_posting_a_message_appends_its_event_last(alice, room):
    statements = statements_of(
        lambda: messaging.post_message(actor=alice, room_id=room.pk, content="hi @bob")
    )
    assert_the_append_ends_the_transaction(statements)


def test_a_thread_reply_appends_its_event_last(bob, room, message):
    statements = statements_of(
        lambda: messaging.post_message(
            actor=bob, room_id=room.pk, content="a reply", parent_id=message["id"]
        )
    )
    assert_the_append_ends_the_transaction(statements)


def test_editing_appends_its_event_after_rewriting_the_logged_frames(alice, message):
    statements = statements_of(
        lambda: messaging.edit_message(actor=alice, message_id=message["id"], content="changed")
    )
    assert_the_append_ends_the_transaction(statements)
    # The earlier frames were rewritten first, outside the log's lock.
    append = next(index for index, sql in enumerate(statements) if is_append(sql))
    assert any(sql.startswith(f'UPDATE "{EVENT_TABLE}"') for sql in statements[:append])


def test_deleting_a_message_appends_its_event_last(alice, message):
    statements = statements_of(
        lambda: messaging.delete_message(actor=alice, message_id=message["id"])
    )
    assert_the_append_ends_the_transaction(statements)


def test_reacting_and_taking_it_back_append_their_events_last(bob, message):
    added = statements_of(
        lambda: messaging.add_reaction(actor=bob, message_id=message["id"], emoji="👍")
    )
    removed = statements_of(
        lambda: messaging.remove_reaction(actor=bob, message_id=message["id"], emoji="👍")
    )
    assert_the_append_ends_the_transaction(added)
    assert_the_append_ends_the_transaction(removed)


def test_moving_the_read_marker_appends_its_event_last(bob, room, message):
    statements = statements_of(
        lambda: messaging.mark_read(actor=bob, room_id=room.pk, message_id=message["id"])
    )
    assert_the_append_ends_the_transaction(statements)


def test_creating_and_joining_a_room_append_their_events_last(alice, carol):
    created = {}
    statements = statements_of(
        lambda: created.setdefault(
            "room", rooms.create_room(actor=alice, name="new", type="public")
        )
    )
    assert_the_append_ends_the_transaction(statements)
    joined = statements_of(lambda: rooms.join_room(actor=carol, room_id=created["room"].pk))
    assert_the_append_ends_the_transaction(joined)


def test_adding_a_member_appends_the_join_last(alice, carol, room):
    statements = statements_of(
        lambda: rooms.add_member(actor=alice, room_id=room.pk, user_id=carol.pk)
    )
    assert_the_append_ends_the_transaction(statements)


def test_kicking_with_a_ban_appends_the_departure_last(alice, bob, room):
    statements = statements_of(
        lambda: rooms.remove_member(actor=alice, room_id=room.pk, user_id=bob.pk, ban=True)
    )
    assert_the_append_ends_the_transaction(statements)


def test_an_owner_leaving_hands_over_the_room_before_the_append(alice, bob, room):
    statements = statements_of(
        lambda: rooms.remove_member(actor=alice, room_id=room.pk, user_id=alice.pk)
    )
    assert_the_append_ends_the_transaction(statements)
    assert Membership.objects.get(room=room, user=bob).role == Membership.Role.OWNER


def test_accepting_an_invitation_appends_the_join_last(alice, carol, room):
    invitation, _ = rooms.invite(actor=alice, room_id=room.pk, user_id=carol.pk)
    statements = statements_of(
        lambda: rooms.accept_invitation(actor=carol, invitation_id=invitation.pk)
    )
    assert_the_append_ends_the_transaction(statements)


def test_updating_and_deleting_a_room_append_their_events_last(alice, room):
    updated = statements_of(lambda: rooms.update_room(actor=alice, room_id=room.pk, topic="news"))
    deleted = statements_of(lambda: rooms.delete_room(actor=alice, room_id=room.pk))
    assert_the_append_ends_the_transaction(updated)
    assert_the_append_ends_the_transaction(deleted)


def test_opening_a_direct_room_writes_both_members_before_one_append(alice, bob):
    statements = statements_of(lambda: rooms.get_or_create_direct_room(actor=alice, user_id=bob.pk))
    assert_the_append_ends_the_transaction(statements)
    room = Membership.objects.get(user=alice, room__type="direct").room
    joined = Event.objects.filter(room_id=room.pk, type="member.joined").order_by("id")
    assert sorted(joined.values_list("target_user_id", flat=True)) == sorted([alice.pk, bob.pk])
