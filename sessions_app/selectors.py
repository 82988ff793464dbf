"""Reads of device sessions."""

from __future__ import annotations

from accounts.models import User
from sessions_app.models import DeviceSession


def active_sessions_of(user: User):
    """The user's live device sessions, the most recently used first."""
    return DeviceSession.objects.active().filter(user=user).order_by("-last_seen_at", "-id")
