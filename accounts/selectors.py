"""Reads of users."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from accounts.models import User, UserSettings
from lair.errors import NotFound
from lair.times import utc_iso
from realtime import presence

SEARCH_QUERY_MAX_CHARS = 64


def search_users(*, query: str):
    """Active users whose username or display name contains ``query``, best matches first.

    A query longer than any username or display name (64) is cut there: it
    could only match nothing, slowly.
    """
    query = query[:SEARCH_QUERY_MAX_CHARS].strip()
    # settings: whether each user shows their presence (PublicUserSerializer).
    users = User.objects.filter(is_active=True).select_related("settings")
    if not query:
        return users.order_by("username")
    return (
        users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
        .annotate(
            rank=Case(
                When(username__iexact=query, then=Value(0)),
                When(username__istartswith=query, then=Value(1)),
                When(display_name__istartswith=query, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "username")
    )


# The two shapes of a user, owned here: the serializers (MeSerializer,
# PublicUserSerializer) describe these fields for the schema and render
# through the functions below, so REST, events and the socket answer one shape.
OWN_PROFILE_FIELDS = (
    "id",
    "username",
    "email",
    "display_name",
    "bio",
    "avatar_url",
    "role",
    "presence",
    "status_text",
    "timezone",
    "date_joined",
)
PUBLIC_PROFILE_FIELDS = (
    "id",
    "username",
    "display_name",
    "bio",
    "avatar_url",
    "role",
    "presence",
    "status_text",
    "last_seen",
)


def profile_of(user: User, *, presence_of: dict[int, str] | None = None) -> dict:
    """The signed-in user's own profile (OWN_PROFILE_FIELDS): the truth, email included.

    GET /users/profile is the most frequent authenticated read; a plain dict
    costs a fraction of a ModelSerializer here (docs/PERFORMANCE.md).
    ``presence_of`` is a map computed for a whole page; without it, one lookup.
    """
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar_url": user.avatar_url,
        "role": user.role,
        "presence": _presence(user, presence_of),
        "status_text": user.status_text,
        "timezone": user.timezone,
        "date_joined": utc_iso(user.date_joined),
    }


def public_profile_of(user: User, *, presence_of: dict[int, str] | None = None) -> dict:
    """What anyone signed in may see of ``user`` (PUBLIC_PROFILE_FIELDS): never the email.

    A user with show_presence off is offline to others, with no last-seen
    time (their own profile shows the truth to them). Reads ``user.settings``:
    list queries select it with the users.
    """
    shown = shows_presence(user)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar_url": user.avatar_url,
        "role": user.role,
        "presence": _presence(user, presence_of) if shown else presence.OFFLINE,
        "status_text": user.status_text,
        "last_seen": utc_iso(user.last_seen) if shown else None,
    }


def _presence(user: User, presence_of: dict[int, str] | None) -> str:
    if presence_of is not None and user.pk in presence_of:
        return presence_of[user.pk]
    return presence.presence_of(user.pk)


def settings_of(user: User) -> UserSettings:
    """The user's settings; for a user without a row the defaults, unsaved: a read never writes."""
    try:
        return UserSettings.objects.get(user=user)
    except UserSettings.DoesNotExist:
        return UserSettings(user=user)


def shows_presence(user: User) -> bool:
    """Whether others may see the user's presence and last-seen time (show_presence).

    Reads ``user.settings``: list queries select it with the users. A user
    without a settings row has the default, shown.
    """
    try:
        return user.settings.show_presence
    except UserSettings.DoesNotExist:
        return True


def shows_presence_of(user_id: int) -> bool:
    """``shows_presence`` by id, for the socket, which holds no settings row."""
    hidden = UserSettings.objects.filter(user_id=user_id, show_presence=False).exists()
    return not hidden


def active_user(user_id: int, *, with_settings: bool = False) -> User:
    """The active (not deleted) user ``user_id``, or NotFound: the one check of every path."""
    users = User.objects.filter(pk=user_id, is_active=True)
    if with_settings:
        users = users.select_related("settings")
    user = users.first()
    if user is None:
        raise NotFound("User not found.")
    return user


def active_user_named(username: str) -> User:
    """The active user with this username (any case), or NotFound."""
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise NotFound("User not found.")
    return user
