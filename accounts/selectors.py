"""Reads of users."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

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
