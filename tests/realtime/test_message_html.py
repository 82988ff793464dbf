"""The socket carries a message's ``html`` as the REST API answers it: rendered once."""

from __future__ import annotations

import pytest

from tests.helpers import API, client_for, get_message
from tests.helpers import posted as post

pytestmark = pytest.mark.django_db(transaction=True)


def test_message_created_and_updated_frames_carry_the_rest_html(connect_as, alice, bob, room):
    socket, _ = connect_as(bob)

    message = post(alice, room["id"], "**hi** @bob see https://example.org")
    created = socket.receive_until("message.created")

    assert created["message"]["html"] == message["html"]
    assert created["message"]["html"] == get_message(bob, message["id"])["html"]
    assert 'class="mention"' in created["message"]["html"]

    edited = client_for(alice).patch(
        f"{API}/messages/{message['id']}", {"content": "_bye_"}, format="json"
    )
    assert edited.status_code == 200, edited.content
    updated = socket.receive_until("message.updated")

    assert updated["message"]["html"] == edited.json()["html"] == "<p><em>bye</em></p>"
