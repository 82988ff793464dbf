"""The one time format of the API, over REST and on the socket: UTC, microseconds, a "Z"."""

from __future__ import annotations

from datetime import UTC, datetime

UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_iso(value: datetime | None) -> str | None:
    """``value`` as API.md writes times (``2026-12-01T09:30:00.000000Z``); None stays None."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime(UTC_FORMAT)
