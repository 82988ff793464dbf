"""What every API view does with a request body: shape it through a serializer."""

from __future__ import annotations


def validated(serializer_class, data, **kwargs) -> dict:
    """The serializer's validated data, or the 400 envelope (lair/errors.py) for bad input."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
