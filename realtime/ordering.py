"""Event-log order for the fan-out: which durable events may go out now.

Publishers race after their commits (threads, processes), so an event can
arrive before its predecessor. Each event names that predecessor
(``previous``, realtime/log.py); an event whose predecessor has not gone
out yet waits for it. The fan-out reads a gap that does not fill on its
own from the event log (``gap_upto``, ``from_log``, ``flush``).

Pure bookkeeping: no I/O, no clock, no sockets, so that it can be tested
on its own (tests/realtime/test_ordering.py).
"""

from __future__ import annotations


class LogOrder:
    def __init__(self, delivered_upto: int | None = None):
        # The last durable event let out (None: not known yet, nothing is held).
        self.delivered_upto = delivered_upto
        # Events that arrived before their predecessor, by the id of that predecessor.
        self.waiting: dict[int, dict] = {}

    def arrived(self, message: dict) -> list[dict]:
        """The events to deliver, in order, now that ``message`` arrived live.

        Empty when it is old (delivered already from the log, or committed
        before this process subscribed) or waits for its predecessor.
        """
        event_id, previous = message["event_id"], message.get("previous")
        upto = self.delivered_upto
        if upto is not None and event_id <= upto:
            return []
        if upto is not None and previous is not None and previous > upto:
            self.waiting[previous] = message
            return []
        return self._chain(message)

    def gap_upto(self) -> int | None:
        """The newest waiting event: a gap read goes up to it (None: whatever the log has)."""
        return max((m["event_id"] for m in self.waiting.values()), default=None)

    def from_log(self, logged: dict) -> list[dict]:
        """The events to deliver now that ``logged`` was read from the log."""
        if self.delivered_upto is not None and logged["event_id"] <= self.delivered_upto:
            return []
        return self._chain(logged)

    def flush(self) -> list[dict]:
        """After a whole gap was read: the waiting events the log lacked (pruned), in id order."""
        held = sorted(self.waiting.values(), key=lambda m: m["event_id"])
        self.waiting.clear()
        out = []
        for message in held:
            if self.delivered_upto is None or message["event_id"] > self.delivered_upto:
                out.append(message)
                self.delivered_upto = message["event_id"]
        return out

    def _chain(self, message: dict) -> list[dict]:
        """``message``, then every waiting event it was the predecessor of."""
        out = []
        while message is not None:
            out.append(message)
            self.delivered_upto = message["event_id"]
            message = self.waiting.pop(self.delivered_upto, None)
        return out
