"""Users API: /users, /users/{id} and my own profile, settings and avatar."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts import selectors, services
from accounts.serializers import (
    AvatarUploadSerializer,
    MeSerializer,
    PublicUserSerializer,
    UserSettingsSerializer,
)
from lair.api import validated
from lair.pagination import LimitOffsetPagination
from lair.schema import ERROR_RESPONSES
from realtime import presence


class UserViewSet(viewsets.GenericViewSet):
    # Users are a resource (the directory, a public profile); the caller's own
    # profile, settings and avatar are actions on the collection. A docstring
    # here would become every operation's description in the schema.

    # Also for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination
    lookup_url_kwarg = "user_id"
    lookup_value_converter = "id"

    @extend_schema(
        tags=["users"],
        parameters=[OpenApiParameter("q", str, description="Part of a username or display name")],
        responses={200: PublicUserSerializer(many=True), **ERROR_RESPONSES},
        summary="Search users",
    )
    def list(self, request):
        users = selectors.search_users(query=request.query_params.get("q", ""))
        page = self.paginate_queryset(users)
        context = {"presence": presence.presence_many(u.pk for u in page)}
        return self.get_paginated_response(
            PublicUserSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        tags=["users"],
        responses={200: PublicUserSerializer, **ERROR_RESPONSES},
        summary="A user's public profile",
    )
    def retrieve(self, request, user_id: int):
        user = selectors.active_user(user_id, with_settings=True)
        return Response(PublicUserSerializer(user).data)

    @extend_schema(tags=["users"], responses={200: MeSerializer, **ERROR_RESPONSES})
    @action(detail=False, methods=["get"], pagination_class=None)
    def profile(self, request):
        return Response(selectors.profile_of(request.user))

    @extend_schema(
        tags=["users"],
        request=MeSerializer,
        responses={200: MeSerializer, **ERROR_RESPONSES},
        summary="Change my display name, bio, status text or time zone",
    )
    @profile.mapping.patch
    def change_profile(self, request):
        changes = validated(MeSerializer, request.data, instance=request.user, partial=True)
        user = services.update_profile(user=request.user, **changes)
        return Response(MeSerializer(user).data)

    @extend_schema(tags=["users"], responses={200: UserSettingsSerializer, **ERROR_RESPONSES})
    @action(
        detail=False,
        methods=["get"],
        url_path="settings",
        url_name="settings",
        pagination_class=None,
    )
    def user_settings(self, request):
        return Response(UserSettingsSerializer(selectors.settings_of(request.user)).data)

    @extend_schema(
        tags=["users"],
        request=UserSettingsSerializer,
        responses={200: UserSettingsSerializer, **ERROR_RESPONSES},
    )
    @user_settings.mapping.patch
    def change_settings(self, request):
        changes = validated(UserSettingsSerializer, request.data, partial=True)
        user_settings = services.update_settings(user=request.user, **changes)
        return Response(UserSettingsSerializer(user_settings).data)

    @extend_schema(
        tags=["users"],
        request={"multipart/form-data": AvatarUploadSerializer},
        responses={200: MeSerializer, **ERROR_RESPONSES},
        summary="Upload my avatar (PNG, JPEG, WebP or GIF; at most 2 MB)",
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser],
        pagination_class=None,
    )
    def avatar(self, request):
        user = services.set_avatar(user=request.user, upload=request.FILES.get("avatar"))
        return Response(MeSerializer(user).data)

    @extend_schema(tags=["users"], request=None, responses={204: None, **ERROR_RESPONSES})
    @avatar.mapping.delete
    def remove_avatar(self, request):
        services.remove_avatar(user=request.user)
        return Response(status=204)
