"""Strict serializer fields: a JSON string, integer or boolean is only that.

DRF coerces by default: CharField takes ``0`` as ``"0"``, IntegerField takes
``"5"`` and ``5.0``, BooleanField takes ``"yes"`` and ``0``. The schema
promises types, so a client that sends the wrong one gets a 400 naming the
field instead of a silent conversion. Every app's serializers use these
(ModelSerializers through :class:`ModelSerializer`).
"""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

from lair.urlpaths import MAX_ID


class CharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class EmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(serializers.IntegerField):
    def __init__(self, **kwargs):
        # An integer column holds 64 signed bits; a larger number names nothing.
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        # DRF looks choices up by str(data): 1 would pass for "1".
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated fields are the strict ones above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.BooleanField: BooleanField,
        models.IntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
    }
    serializer_choice_field = ChoiceField
