"""GET and PATCH /api/v1/admin/config: the runtime config, for site admins.

The rules (who, which fields, which values) are lair.config's; this view
only hands the body over and shows the result.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lair import config
from lair.client_ip import client_ip
from lair.schema import ERROR_RESPONSES
from operators.permissions import IsSiteAdmin


def _field(name: str, rule: config.Rule) -> serializers.Field:
    description = settings.CONSTANCE_CONFIG[name][1]
    if rule.kind == "bool":
        return serializers.BooleanField(help_text=description)
    if rule.kind == "int":
        return serializers.IntegerField(
            min_value=rule.minimum, max_value=rule.maximum, help_text=description
        )
    return serializers.RegexField(config.RATE_PATTERN.pattern, help_text=description)


def _shape(name: str, *, required: bool):
    fields = {}
    for field_name, rule in config.RULES.items():
        field = _field(field_name, rule)
        field.required = required
        fields[field_name] = field
    return inline_serializer(name, fields)


CONFIG_SHAPE = _shape("RuntimeConfig", required=True)
CONFIG_CHANGES = _shape("RuntimeConfigChanges", required=False)


class ConfigView(APIView):
    """The runtime settings, effective in every process within seconds, no restart."""

    permission_classes = [IsSiteAdmin]

    @extend_schema(
        tags=["admin"],
        responses={200: CONFIG_SHAPE, **ERROR_RESPONSES},
        summary="The runtime config: every field and its value (admin)",
    )
    def get(self, request):
        return Response(config.view(actor=request.user))

    @extend_schema(
        tags=["admin"],
        request=CONFIG_CHANGES,
        responses={200: CONFIG_SHAPE, **ERROR_RESPONSES},
        summary="Change some runtime config fields; answers every field (admin)",
        description="Any subset of the fields. Unknown fields and wrong types or ranges are "
        "a 400 naming each field, and nothing changes. Every process applies the change "
        "within CONFIG_REFRESH_SECONDS (2 s by default); the change is audited "
        "(config.changed, old and new values).",
    )
    def patch(self, request):
        return Response(
            config.change(actor=request.user, changes=request.data, ip=client_ip(request))
        )
