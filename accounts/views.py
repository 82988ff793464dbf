from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import UserSettings
from accounts.serializers import MeSerializer, UserSettingsSerializer
from lair.schema import ERROR_RESPONSES


class ProfileView(APIView):
    @extend_schema(tags=["users"], responses={200: MeSerializer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        tags=["users"],
        request=MeSerializer,
        responses={200: MeSerializer, **ERROR_RESPONSES},
        summary="Change my display name, bio, status text or time zone",
    )
    def patch(self, request):
        data = MeSerializer(request.user, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.update_profile(user=request.user, **data.validated_data)
        return Response(MeSerializer(user).data)


class SettingsView(APIView):
    @extend_schema(tags=["users"], responses={200: UserSettingsSerializer, **ERROR_RESPONSES})
    def get(self, request):
        user_settings, _ = UserSettings.objects.get_or_create(user=request.user)
        return Response(UserSettingsSerializer(user_settings).data)

    @extend_schema(
        tags=["users"],
        request=UserSettingsSerializer,
        responses={200: UserSettingsSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request):
        data = UserSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user_settings = services.update_settings(user=request.user, **data.validated_data)
        return Response(UserSettingsSerializer(user_settings).data)
