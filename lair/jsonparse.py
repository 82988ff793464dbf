"""The one JSON decoder for request bodies and socket frames: orjson with a depth cap.

DRF's JSONParser (the stdlib decoder) recursed once per nesting level: a body
of 1,000 ``[`` answered 500 with a RecursionError, before authentication.
orjson stops at 1,024 levels on its own; no API shape nests deeper than a few,
so anything past ``settings.JSON_MAX_DEPTH`` is refused as malformed too.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class JSONError(ValueError):
    """The text is not JSON, or it nests deeper than JSON_MAX_DEPTH."""


def _depth_exceeds(value: object, limit: int) -> bool:
    # Iterative: a recursive walk would bring back the RecursionError it guards.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend(
                (child, depth + 1) for child in item.values() if isinstance(child, dict | list)
            )
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


def loads(data: str | bytes) -> object:
    """Decode JSON ``data``; raise JSONError if it is invalid or nested too deeply."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise JSONError(f"Malformed JSON: {exc}") from None
    limit = settings.JSON_MAX_DEPTH
    if isinstance(value, dict | list):
        raw = data.encode() if isinstance(data, str) else data
        # Counting brackets is C speed: only a body that could nest deeper
        # than the limit (brackets inside strings count too) is walked.
        if raw.count(b"[") + raw.count(b"{") > limit and _depth_exceeds(value, limit):
            raise JSONError(f"JSON nested deeper than {limit} levels.")
    return value


class JSONParser(BaseParser):
    """DRF parser on :func:`loads`: malformed or too deep bodies are 400 parse_error."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read() if stream is not None else b""
        try:
            return loads(data)
        except JSONError as exc:
            raise ParseError(str(exc)) from None
