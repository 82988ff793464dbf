"""Demo data for a first run (manage.py seed_demo), made through the services.

Through the services, so the demo is what users would have made: the same
rules, the same events in the log, the same read markers. Every step finds
what an earlier run made before making it (rooms by owner and name,
messages by their client_id, reactions and memberships being idempotent),
so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts import services as account_services
from accounts.models import User
from messaging import services as messaging_services
from rooms import services as room_services
from rooms.models import Room
from sessions_app import services as session_services

DEMO_PASSWORD = "lair-demo-password"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str


USERS = (
    DemoUser("ada", "Ada (admin)", User.Role.ADMIN),
    DemoUser("moe", "Moe (moderator)", User.Role.MODERATOR),
    DemoUser("alice", "Alice", User.Role.USER),
    DemoUser("bob", "Bob", User.Role.USER),
    DemoUser("carol", "Carol", User.Role.USER),
)

# (owner, name, type, description, members)
ROOMS = (
    ("alice", "general", Room.Type.PUBLIC, "Say hello: everyone is here.", ("bob", "carol", "moe")),
    ("bob", "random", Room.Type.PUBLIC, "Anything goes.", ("alice",)),
    ("carol", "design", Room.Type.PRIVATE, "Sketches and reviews, members only.", ("alice",)),
)

# (client_id, author, room, content, reply to (a client_id) or None)
MESSAGES = (
    ("demo-1", "alice", "general", "Welcome to Lair Chat! Say hello 👋", None),
    ("demo-2", "bob", "general", "Hi everyone, happy to be here.", None),
    ("demo-3", "carol", "general", "Hello! @alice where do the release notes go?", None),
    ("demo-4", "alice", "general", "In #design for now; they come here once final.", "demo-3"),
    ("demo-5", "carol", "general", "Perfect, thanks!", "demo-3"),
    ("demo-6", "bob", "general", "Markdown works too: **bold**, _italics_ and `code`.", None),
    ("demo-7", "carol", "design", "The new room list is up for review.", None),
    ("demo-8", "alice", "design", "Looks great: the unread counts read much better.", "demo-7"),
    (
        "demo-12",
        "carol",
        "general",
        "> where do the release notes go?\n\nFound them: https://example.org/notes\n"
        "Before a release:\n\n1. update the notes\n2. run the tests:\n\n```\nmake test\n```",
        None,
    ),
    ("demo-9", "bob", "random", "Anyone up for a coffee later?", None),
    ("demo-10", "alice", "direct", "Lunch at noon?", None),
    ("demo-11", "bob", "direct", "Sure, see you there.", None),
)

# (who, message client_id, emoji)
REACTIONS = (
    ("bob", "demo-1", "👋"),
    ("carol", "demo-1", "🎉"),
    ("alice", "demo-6", "👍"),
    ("carol", "demo-8", "❤️"),
)


def _user(demo: DemoUser) -> User:
    existing = User.objects.by_username(demo.username).first()
    if existing is not None:
        return existing
    if demo.role == User.Role.ADMIN:
        user, _ = session_services.create_site_admin(
            username=demo.username, email=f"{demo.username}@example.org", password=DEMO_PASSWORD
        )
        return account_services.update_profile(user=user, display_name=demo.display_name)
    user = account_services.register_user(
        username=demo.username,
        email=f"{demo.username}@example.org",
        password=DEMO_PASSWORD,
        display_name=demo.display_name,
        by_operator=True,
    )
    if demo.role != User.Role.USER:
        session_services.change_site_role(actor=None, user=user, role=demo.role)
    return user


def _room(owner: User, name: str, type: str, description: str) -> Room:
    existing = Room.objects.filter(created_by=owner, name=name, type=type).order_by("pk").first()
    if existing is not None:
        return existing
    return room_services.create_room(actor=owner, name=name, type=type, description=description)


def steps():
    """The seeding, one callable per step (for a progress bar); the last returns the users."""
    people: dict[str, User] = {}
    rooms: dict[str, int] = {}
    posted: dict[str, int] = {}

    def make_users():
        for demo in USERS:
            people[demo.username] = _user(demo)

    def make_rooms():
        for owner, name, type, description, members in ROOMS:
            room = _room(people[owner], name, type, description)
            rooms[name] = room.pk
            for member in members:
                room_services.join_or_add_member(
                    actor=people[owner], room_id=room.pk, user_id=people[member].pk
                )
        direct, _ = room_services.get_or_create_direct_room(
            actor=people["alice"], user_id=people["bob"].pk
        )
        rooms["direct"] = direct.pk

    def post(client_id, author, room, content, reply_to):
        message = messaging_services.post_message(
            actor=people[author],
            room_id=rooms[room],
            content=content,
            parent_id=posted[reply_to] if reply_to else None,
            client_id=client_id,
        ).message
        posted[client_id] = message["id"]

    def react():
        for who, client_id, emoji in REACTIONS:
            messaging_services.add_reaction(
                actor=people[who], message_id=posted[client_id], emoji=emoji
            )
        newest = max(posted[row[0]] for row in MESSAGES if row[2] == "general")
        messaging_services.mark_read(
            actor=people["alice"], room_id=rooms["general"], message_id=newest
        )

    yield make_users
    yield make_rooms
    for row in MESSAGES:
        yield lambda row=row: post(*row)
    yield react
    yield lambda: people


STEP_COUNT = 3 + len(MESSAGES)
