"""The socket frames messaging owns: ready, typing, presence and the protocol's own.

Every other frame is an event built where its change is made (realtime/log.py
for durable room events). A user appears in the one public shape of the API
(accounts.serializers.PublicUserSerializer, as in ``member.*`` events); a
typing frame names the typist with that shape's naming fields only, taken
once when the socket signs in.
"""

from __future__ import annotations

from datetime import datetime

from accounts.models import User
from accounts.serializers import PublicUserSerializer
from lair.times import utc_iso
from realtime import publish

# What a typing frame says of the typist: who, not how they are.
TYPIST_FIELDS = ("id", "username", "display_name")


def public_user(user: User) -> dict:
    """The public profile of ``user``: the user shape of every frame."""
    return dict(PublicUserSerializer(user).data)


def typist(profile: dict) -> dict:
    return {field: profile[field] for field in TYPIST_FIELDS}


def ready(profile: dict, room_ids) -> dict:
    """The first frame of a signed-in socket: who it is and the rooms it follows."""
    return {"type": "ready", "user": profile, "rooms": sorted(room_ids)}


def typing(room_id: int, typist_shape: dict, state: str) -> dict:
    """The channel message telling a room that someone started or stopped typing."""
    frame = {"type": "typing", "room_id": room_id, "user": typist_shape, "state": state}
    return publish.room_ephemeral(room_id, frame)


def presence(room_ids, user_id: int, status: str, last_seen: datetime | None = None) -> dict:
    """The channel message telling the user's rooms, each socket once, of a presence change."""
    frame = {
        "type": "presence",
        "user_id": user_id,
        "status": status,
        "last_seen": utc_iso(last_seen),
    }
    return publish.rooms_ephemeral(room_ids, frame)


def error(code: str, message: str) -> dict:
    """An ``error`` frame: a client frame was refused; the socket stays open."""
    return {"type": "error", "code": code, "message": message}


def pong(frame: dict) -> dict:
    """The answer to a ``ping``: its ``id`` echoed when it had one."""
    return {"type": "pong", "id": frame["id"]} if "id" in frame else {"type": "pong"}


def resumed(last_event_id: int) -> dict:
    """A ``resume`` replay is over: live events follow."""
    return {"type": "resumed", "last_event_id": last_event_id}


RESYNC_REQUIRED = {"type": "resync_required"}  # the log no longer reaches back that far


# --- frames from the client ---------------------------------------------------------

PING_ID_MAX_CHARS = 64


def _is_id(value) -> bool:
    # JSON true and 2.0 compare equal to the ints 1 and 2: only a real int is an id.
    return type(value) is int


def _is_ping_id(value) -> bool:
    """It is echoed back: nothing big or nested."""
    if isinstance(value, str):
        return len(value) <= PING_ID_MAX_CHARS
    return type(value) in (int, float) and abs(value) < 2**53


def shape_error(frame: dict) -> str | None:
    """Why a signed-in client's frame is malformed (a validation_error), or None."""
    kind = frame["type"]
    if kind == "ping" and "id" in frame and not _is_ping_id(frame["id"]):
        return "'id' is a number or a string of <= 64 chars."
    if kind == "typing":
        if not _is_id(frame.get("room_id")):
            return "room_id is the id of one of your rooms."
        if frame.get("state", "start") not in ("start", "stop"):
            return "state is 'start' or 'stop'."
    if kind == "presence" and frame.get("status") not in ("online", "away"):
        return "status is 'online' or 'away'."
    if kind == "resume" and not (_is_id(frame.get("after")) and frame["after"] >= 0):
        return "'after' is the last event_id you saw."
    return None
