"""What one socket may send: the frame rate (WS_MAX_FRAMES_PER_SECOND).

One client must not make the server send much more than it sends; the
socket caps per user and per address are counted with presence
(realtime/presence.py: admit_socket, admit_address).
"""

from __future__ import annotations

from django.conf import settings

from lair import metrics

OK, OVER, DROPPED = "ok", "over", "dropped"


class FrameRate:
    """Frames one socket sent in the current one-second window (WS_MAX_FRAMES_PER_SECOND)."""

    def __init__(self, now: float):
        self.window, self.count = now, 0

    def counted(self, now: float) -> str:
        """OK, OVER for the first frame past the cap (it gets an error), then DROPPED.

        Dropped frames get no answer, so that flooding cannot make the server
        send as much back.
        """
        cap = settings.WS_MAX_FRAMES_PER_SECOND
        if not cap:
            return OK
        if now - self.window >= 1.0:
            self.window, self.count = now, 0
        self.count += 1
        if self.count <= cap:
            return OK
        metrics.rate_limited("ws_frames")
        return OVER if self.count == cap + 1 else DROPPED
