"""Pagination of API.md: ``{"results", "next", "previous"}``, ``?limit=`` 1..100."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from lair.errors import ValidationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Larger ids or offsets cannot name anything; they would overflow SQLite's integers.
MAX_INTEGER = 2**53


# ASCII digits only (int() also reads "٣" and " 5"); the length keeps int()
# below Python's digit limit, a ValueError (a 500) past 4,300 digits.
_INTEGER = re.compile(r"-?[0-9]{1,100}")


def query_integer(raw: str | None, name: str) -> int | None:
    """Parse an integer query parameter; missing -> None, anything but an integer -> 400.

    The schema calls these integers: "abc", "1.5" or "" silently read as the
    default was a schema-violating request accepted.
    """
    if raw is None:
        return None
    if not _INTEGER.fullmatch(raw):
        raise ValidationError(
            f"'{name}' must be an integer.", details={name: ["A valid integer is required."]}
        )
    return int(raw)


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def query_boolean(raw: str | None, name: str) -> bool:
    """Parse a boolean query parameter: true/false/1/0; missing -> False, anything else -> 400."""
    if raw is None:
        return False
    value = _BOOLEANS.get(raw.lower())
    if value is None:
        raise ValidationError(
            f"'{name}' is true or false.", details={name: ["Must be true or false."]}
        )
    return value


def clamp_limit(raw: str | None, default: int = DEFAULT_LIMIT) -> int:
    """Parse ``?limit=``: missing -> default; not an integer -> 400; kept within 1..MAX_LIMIT."""
    value = query_integer(raw, "limit")
    if value is None:
        return default
    return max(1, min(value, MAX_LIMIT))


def query_id(raw: str | None, name: str) -> int | None:
    """Parse a cursor, offset or id query parameter: an integer in 0..MAX_INTEGER, else 400."""
    value = query_integer(raw, name)
    if value is not None and not 0 <= value <= MAX_INTEGER:
        raise ValidationError(
            f"'{name}' is out of range.", details={name: [f"Must be 0..{MAX_INTEGER}."]}
        )
    return value


def get_paginated_response(results: list, *, next_url: str | None, previous_url: str | None):
    """The one page shape of API.md: ``{"results", "next", "previous"}``."""
    return Response({"results": results, "next": next_url, "previous": previous_url})


@dataclass(frozen=True)
class OffsetWindow:
    """``?offset=&limit=`` of a list read by offset (the room list, search results).

    The reader fetches ``limit + 1`` rows and tells whether there were more;
    the links keep every other query parameter of the request.
    """

    offset: int
    limit: int

    @classmethod
    def from_request(cls, request, *, default_limit: int = DEFAULT_LIMIT) -> OffsetWindow:
        limit = clamp_limit(request.query_params.get("limit"), default=default_limit)
        offset = query_id(request.query_params.get("offset"), "offset") or 0
        return cls(offset=offset, limit=limit)

    def paginated_response(self, request, results: list, *, has_more: bool):
        url = request.build_absolute_uri()
        next_url = previous_url = None
        if has_more:
            next_url = replace_query_param(url, "offset", self.offset + self.limit)
        if self.offset > 0:
            previous_url = replace_query_param(url, "offset", max(0, self.offset - self.limit))
        return get_paginated_response(results, next_url=next_url, previous_url=previous_url)


@dataclass(frozen=True)
class IdCursor:
    """``?before=`` / ``?after=`` message-id cursors and ``?limit=`` of a message page.

    Without ``after`` the page is newest first and ``next`` goes to older
    messages; with it, oldest first and ``next`` goes to newer ones. A
    ``forward_only`` list (a thread) reads only ``after`` and has no
    ``previous``.
    """

    before: int | None
    after: int | None
    limit: int
    forward_only: bool = False

    @classmethod
    def from_request(cls, request, *, forward_only: bool = False) -> IdCursor:
        params = request.query_params
        if forward_only:
            before, after = None, query_id(params.get("after"), "after") or 0
        else:
            before, after = (
                query_id(params.get("before"), "before"),
                query_id(params.get("after"), "after"),
            )
        return cls(
            before=before,
            after=after,
            limit=clamp_limit(params.get("limit")),
            forward_only=forward_only,
        )

    def paginated_response(self, request, results: list[dict], *, has_more: bool):
        """The page with links by the ids of its first and last message."""
        url = request.build_absolute_uri()
        url = remove_query_param(remove_query_param(url, "before"), "after")
        next_url = previous_url = None
        if results:
            first, last = results[0]["id"], results[-1]["id"]
            if self.after is not None:
                if has_more:
                    next_url = replace_query_param(url, "after", last)
                previous_url = replace_query_param(url, "before", first)
            else:
                if has_more:
                    next_url = replace_query_param(url, "before", last)
                if self.before is not None:
                    previous_url = replace_query_param(url, "after", first)
        if self.forward_only:
            previous_url = None
        return get_paginated_response(results, next_url=next_url, previous_url=previous_url)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """Offset pages without a COUNT query: one extra row tells if there is a next page."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        return clamp_limit(request.query_params.get(self.limit_query_param))

    def get_offset(self, request):
        value = query_integer(request.query_params.get(self.offset_query_param), "offset")
        return max(0, min(value or 0, MAX_INTEGER))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        return rows[: self.limit]

    def get_next_link(self):
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return replace_query_param(url, self.offset_query_param, self.offset + self.limit)

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        offset = max(0, self.offset - self.limit)
        if offset == 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, offset)

    def get_paginated_response(self, data):
        return get_paginated_response(
            data, next_url=self.get_next_link(), previous_url=self.get_previous_link()
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next", "previous"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
