"""What operators read: site-wide figures, each in a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from messaging.models import Message
from realtime import presence
from rooms.models import Room
from sessions_app.models import DeviceSession


def site_stats() -> dict:
    """The figures of GET /admin/stats: one aggregate query per table, plus the cache
    for who is connected (no loop over rooms or users)."""
    now = timezone.now()
    day_ago = now - timedelta(hours=24)
    users = User.objects.aggregate(
        total=Count("pk", filter=Q(is_active=True)),
        active_24h=Count("pk", filter=Q(is_active=True, last_login__gte=day_ago)),
        suspended=Count("pk", filter=Q(is_suspended=True, is_active=True)),
    )
    rooms = Room.objects.aggregate(
        total=Count("pk"),
        public=Count("pk", filter=Q(type=Room.Type.PUBLIC)),
        private=Count("pk", filter=Q(type=Room.Type.PRIVATE)),
        direct=Count("pk", filter=Q(type=Room.Type.DIRECT)),
        archived=Count("pk", filter=Q(archived_at__isnull=False)),
    )
    messages = Message.objects.aggregate(
        total=Count("pk"), last_24h=Count("pk", filter=Q(created_at__gte=day_ago))
    )
    connected = presence.connection_totals()
    return {
        "users": {**users, "online": connected.users},
        "rooms": rooms,
        "messages": messages,
        "sessions": {"active": DeviceSession.objects.active().count()},
        "websocket": {"connections": connected.sockets},
    }
