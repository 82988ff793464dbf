"""Log formatting for the server processes."""

from __future__ import annotations

import logging


class PlainFormatter(logging.Formatter):
    """One line per security event, a traceback for everything else.

    Django logs each refused request (a Host outside ALLOWED_HOSTS, a path
    that climbs out of the media folder: "SuspiciousOperation") on the
    ``django.security`` loggers with its traceback. The request was answered
    400 as it should be; the traceback says nothing an operator needs and
    lets anyone fill the log with 30 lines per request.
    """

    def format(self, record: logging.LogRecord) -> str:
        if record.name.startswith("django.security") and record.exc_info:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)
