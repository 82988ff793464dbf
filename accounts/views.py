from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import UserSettings
from accounts.serializers import (
    AvatarUploadSerializer,
    MeSerializer,
    PublicUserSerializer,
    UserSettingsSerializer,
)
from lair.errors import ValidationError
from lair.pagination import LimitOffsetPagination
from lair.schema import ERROR_RESPONSES
from realtime import presence


class ProfileView(APIView):
    @extend_schema(tags=["users"], responses={200: MeSerializer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(selectors.profile_of(request.user))

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


class AvatarView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["users"],
        request={"multipart/form-data": AvatarUploadSerializer},
        responses={200: MeSerializer, **ERROR_RESPONSES},
        summary="Upload my avatar (PNG, JPEG, WebP or GIF; at most 2 MB)",
    )
    def post(self, request):
        upload = request.FILES.get("avatar")
        if upload is None:
            raise ValidationError(
                "Send the image in the 'avatar' field.",
                details={"avatar": ["No file was submitted."]},
            )
        user = services.set_avatar(user=request.user, upload=upload)
        return Response(MeSerializer(user).data)

    @extend_schema(tags=["users"], request=None, responses={204: None, **ERROR_RESPONSES})
    def delete(self, request):
        services.remove_avatar(user=request.user)
        return Response(status=204)


class UserListView(APIView):
    # Only for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination

    @extend_schema(
        tags=["users"],
        parameters=[OpenApiParameter("q", str, description="Part of a username or display name")],
        responses={200: PublicUserSerializer(many=True), **ERROR_RESPONSES},
        summary="Search users",
    )
    def get(self, request):
        paginator = LimitOffsetPagination()
        users = selectors.search_users(query=request.query_params.get("q", "")[:64])
        page = paginator.paginate_queryset(users, request, view=self)
        context = {"presence": presence.presence_many(u.pk for u in page)}
        return paginator.get_paginated_response(
            PublicUserSerializer(page, many=True, context=context).data
        )


class UserDetailView(APIView):
    @extend_schema(
        tags=["users"],
        responses={200: PublicUserSerializer, **ERROR_RESPONSES},
        summary="A user's public profile",
    )
    def get(self, request, user_id: int):
        user = selectors.active_user(user_id, with_settings=True)
        return Response(PublicUserSerializer(user).data)
