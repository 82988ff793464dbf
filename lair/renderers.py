from __future__ import annotations

import decimal
import uuid
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer


def _default(value: Any) -> Any:
    if isinstance(value, Promise):  # lazy translations in error messages
        return str(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


class FastJSONRenderer(JSONRenderer):
    """JSON through orjson: a fraction of the stdlib encoder's cost on list pages."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
