"""factory-boy factories shared by the test suite.

Factories write rows for set-up (history to page through, rooms to list);
behaviour under test goes through the API or the services.
"""

from __future__ import annotations

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User, UserSettings
from messaging.models import Message
from messaging.rendering import render_content
from rooms.models import Invitation, Membership, Room
from sessions_app.models import DeviceSession

PASSWORD = "correct horse battery staple"
# Hash once: Argon2id costs ~45 ms a hash, and most tests never sign in.
_PASSWORD_HASH = None


def password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return _PASSWORD_HASH


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    password = factory.LazyFunction(password_hash)
    role = User.Role.USER

    @factory.post_generation
    def user_settings(obj, create, extracted, **kwargs):
        if create:
            UserSettings.objects.get_or_create(user=obj)


class DeviceSessionFactory(factory.django.DjangoModelFactory):
    """A device session row (no tokens: sign in over the API when a test needs them)."""

    class Meta:
        model = DeviceSession

    user = factory.SubFactory(UserFactory)
    device_name = factory.Sequence(lambda n: f"Device {n}")
    ip = "203.0.113.7"
    user_agent = "factory-boy"
    expires_at = factory.LazyFunction(lambda: timezone.now() + settings.REFRESH_TOKEN_LIFETIME)


class RoomFactory(factory.django.DjangoModelFactory):
    """A room row without members: use ``room_owned_by`` for a room with its owner."""

    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"room-{n}")
    type = Room.Type.PUBLIC
    created_by = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    room = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    room = factory.SubFactory(RoomFactory)
    inviter = None
    invitee = factory.SubFactory(UserFactory)


class MessageFactory(factory.django.DjangoModelFactory):
    """A stored message (history set-up); behaviour under test goes through the API."""

    class Meta:
        model = Message

    content = factory.Sequence(lambda n: f"message number {n}")
    # As posting stores it (no mentions: a factory makes no mention rows).
    html = factory.LazyAttribute(lambda message: render_content(message.content, mentions={}))


def room_owned_by(owner: User, **fields) -> Room:
    """A room created by ``owner`` with ``owner`` as its room owner."""
    room = RoomFactory(created_by=owner, **fields)
    MembershipFactory(room=room, user=owner, role=Membership.Role.OWNER)
    return room
