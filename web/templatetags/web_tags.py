"""Template filters of the pages: times in the reader's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template

register = template.Library()


def _zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@register.filter
def local_time(value: str | None, user) -> str:
    """An API time (ISO 8601, UTC) as "HH:MM" in the user's zone, the day too if not today.

    The script rewrites it in the browser's zone when the user chose none.
    """
    if not value:
        return ""
    when = datetime.fromisoformat(value).astimezone(_zone(user))
    now = datetime.now(when.tzinfo)
    if when.date() == now.date():
        return when.strftime("%H:%M")
    if when.year == now.year:
        return when.strftime("%b %-d, %H:%M")
    return when.strftime("%b %-d %Y, %H:%M")


@register.filter
def initial(profile: dict | None) -> str:
    if not profile:
        return "?"
    name = profile.get("display_name") or profile.get("username") or "?"
    return name[:1].upper()
