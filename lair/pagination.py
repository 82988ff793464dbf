"""Pagination of API.md: ``{"results", "next", "previous"}``, ``?limit=`` 1..100."""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Larger ids or offsets cannot name anything; they would overflow SQLite's integers.
MAX_INTEGER = 2**53


def clamp_limit(raw: str | None, default: int = DEFAULT_LIMIT) -> int:
    """Parse ``?limit=``: missing or invalid -> default; above MAX_LIMIT -> MAX_LIMIT."""
    try:
        value = int(raw) if raw not in (None, "") else default
    except (TypeError, ValueError):
        return default
    return max(1, min(value, MAX_LIMIT))


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """Offset pages without a COUNT query: one extra row tells if there is a next page."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        return clamp_limit(request.query_params.get(self.limit_query_param))

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_INTEGER)

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
        return Response(
            {"results": data, "next": self.get_next_link(), "previous": self.get_previous_link()}
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
