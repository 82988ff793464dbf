"""What every API view does with a request body: shape it through a serializer."""

from __future__ import annotations

from rest_framework.metadata import SimpleMetadata


def validated(serializer_class, data, **kwargs) -> dict:
    """The serializer's validated data, or the 400 envelope (lair/errors.py) for bad input."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ViewMetadata(SimpleMetadata):
    """OPTIONS on a viewset answers as on an APIView: name, description, renders, parses.

    DRF's default asks a viewset for its serializer to describe POST and PUT
    bodies; viewsets whose actions each pick their own serializer have none (a 500).
    """

    def determine_actions(self, request, view):
        return {}
