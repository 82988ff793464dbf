"""Reads of users."""

from __future__ import annotations

from datetime import UTC

from django.db.models import Case, IntegerField, Q, Value, When

from accounts import presence
from accounts.models import User


def search_users(*, query: str):
    """Active users whose username or display name contains ``query``, best matches first."""
    query = query.strip()
    users = User.objects.filter(is_active=True)
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


def profile_of(user: User) -> dict:
    """The signed-in user's own profile (shape of MeSerializer), built without DRF fields.

    GET /users/profile is the most frequent authenticated read; a plain dict
    costs a fraction of a ModelSerializer here (docs/PERFORMANCE.md).
    """
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar_url": user.avatar_url,
        "role": user.role,
        "presence": presence.presence_of(user.pk),
        "status_text": user.status_text,
        "timezone": user.timezone,
        "date_joined": user.date_joined.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
