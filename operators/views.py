"""The admin API (/api/v1/admin/…): thin adapters over the apps' services and selectors.

Every rule and every audit entry is in a service (sessions_app, rooms,
messaging); the filters are checked by operators.selectors. Access is
operators.permissions': site admins everything, moderators the reads.
"""

from __future__ import annotations

from datetime import UTC

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from lair.api import validated
from lair.client_ip import client_ip
from lair.errors import ValidationError
from lair.pagination import MAX_LIMIT, LimitOffsetPagination, query_boolean, query_id
from lair.schema import ERROR_RESPONSES
from messaging import services as messaging_services
from operators import selectors
from operators.permissions import IsSiteAdmin, IsSiteOperator
from operators.serializers import (
    AdminRoomSerializer,
    AdminRoomUpdateSerializer,
    AdminUserSerializer,
    AdminUserUpdateSerializer,
    AuditEntrySerializer,
    BroadcastSentSerializer,
    BroadcastSerializer,
    StatsSerializer,
)
from realtime import presence
from rooms import services as room_services
from sessions_app import services as session_services

TAGS = ["admin"]
# Lists: ?limit= and ?offset= (lair.pagination), answered {results, next, previous}.
PAGE = [
    OpenApiParameter("limit", int, description="1..100 (default 50; larger is 100)"),
    OpenApiParameter("offset", int, description="Rows to skip"),
]


class AdminPagination(LimitOffsetPagination):
    """The API's offset pages, but a limit below 1 or a negative offset is a 400.

    The public lists read ``limit=0`` as 1; an operator's script that sends
    a negative number has a bug worth hearing about (the issue's "bad input").
    """

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        limit = query_id(raw, "limit")
        if limit is None:
            return self.default_limit
        if limit < 1:
            raise ValidationError(
                "'limit' must be at least 1.", details={"limit": ["Must be 1..100."]}
            )
        return min(limit, MAX_LIMIT)

    def get_offset(self, request):
        return query_id(request.query_params.get(self.offset_query_param), "offset") or 0


def _optional_boolean(request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    return None if raw is None else query_boolean(raw, name)


def _optional_text(request, name: str, *, max_length: int = 64) -> str | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if len(raw) > max_length:
        raise ValidationError(
            f"'{name}' is too long.", details={name: [f"At most {max_length} characters."]}
        )
    return raw


def _moment(request, name: str):
    """An ISO 8601 time of the query (``2026-01-02T03:04:05Z``); a time without a zone is UTC."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        # A "+" in a query string is a space unless the client encoded it.
        when = parse_datetime(raw.strip().replace(" ", "+"))
    except ValueError:  # well formed, but no such time (month 13)
        when = None
    if when is None:
        raise ValidationError(
            f"'{name}' is not an ISO 8601 time.",
            details={name: ["An ISO 8601 time is required, e.g. 2026-01-02T03:04:05Z."]},
        )
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class StatsViewSet(viewsets.ViewSet):
    permission_classes = [IsSiteOperator]

    @extend_schema(
        tags=TAGS,
        responses={200: StatsSerializer, **ERROR_RESPONSES},
        summary="Site figures: users, rooms, messages, sessions, connections (admin, moderator)",
    )
    def list(self, request):
        return Response(selectors.site_stats())


class AdminUserViewSet(viewsets.GenericViewSet):
    permission_classes = [IsSiteOperator]
    pagination_class = AdminPagination
    lookup_url_kwarg = "user_id"
    lookup_value_converter = "id"

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("q", str, description="Part of a username, email or display name"),
            OpenApiParameter("role", str, enum=["admin", "moderator", "user", "guest"]),
            OpenApiParameter("is_suspended", bool),
            *PAGE,
        ],
        responses={200: AdminUserSerializer(many=True), **ERROR_RESPONSES},
        summary="Every account, deactivated ones too, newest first (admin, moderator)",
    )
    def list(self, request):
        users = selectors.users_for_operators(
            query=request.query_params.get("q", ""),
            role=request.query_params.get("role"),
            is_suspended=_optional_boolean(request, "is_suspended"),
        )
        page = self.paginate_queryset(users)
        context = {"presence": presence.presence_many(u.pk for u in page)}
        return self.get_paginated_response(
            AdminUserSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        tags=TAGS,
        responses={200: AdminUserSerializer, **ERROR_RESPONSES},
        summary="One account (admin, moderator)",
    )
    def retrieve(self, request, user_id: int):
        return Response(AdminUserSerializer(selectors.user_for_operators(user_id)).data)

    @extend_schema(
        tags=TAGS,
        request=AdminUserUpdateSerializer,
        responses={200: AdminUserSerializer, **ERROR_RESPONSES},
        summary="Change a user's site role or suspension (admin)",
    )
    def partial_update(self, request, user_id: int):
        changes = validated(AdminUserUpdateSerializer, request.data)
        user = selectors.user_for_operators(user_id)
        session_services.change_account(
            actor=request.user, user=user, ip=client_ip(request), **changes
        )
        return Response(AdminUserSerializer(selectors.user_for_operators(user_id)).data)

    @extend_schema(
        tags=TAGS,
        responses={204: None, **ERROR_RESPONSES},
        summary="Deactivate an account for good; its messages stay (admin)",
    )
    def destroy(self, request, user_id: int):
        user = selectors.user_for_operators(user_id)
        session_services.deactivate_user(actor=request.user, user=user, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminRoomViewSet(viewsets.GenericViewSet):
    permission_classes = [IsSiteOperator]
    pagination_class = AdminPagination
    lookup_url_kwarg = "room_id"
    lookup_value_converter = "id"

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("q", str, description="Part of a room name or topic"),
            OpenApiParameter("type", str, enum=["public", "private", "direct"]),
            OpenApiParameter("archived", bool),
            *PAGE,
        ],
        responses={200: AdminRoomSerializer(many=True), **ERROR_RESPONSES},
        summary="Every room, private and direct too, newest first (admin, moderator)",
    )
    def list(self, request):
        rooms = selectors.rooms_for_operators(
            query=request.query_params.get("q", ""),
            type=request.query_params.get("type"),
            archived=_optional_boolean(request, "archived"),
        )
        page = self.paginate_queryset(rooms)
        return self.get_paginated_response(AdminRoomSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        responses={200: AdminRoomSerializer, **ERROR_RESPONSES},
        summary="One room (admin, moderator)",
    )
    def retrieve(self, request, room_id: int):
        return Response(AdminRoomSerializer(selectors.room_for_operators(room_id)).data)

    @extend_schema(
        tags=TAGS,
        request=AdminRoomUpdateSerializer,
        responses={200: AdminRoomSerializer, **ERROR_RESPONSES},
        summary="Archive or unarchive a room, or change its name, topic or description (admin)",
    )
    def partial_update(self, request, room_id: int):
        changes = validated(AdminRoomUpdateSerializer, request.data)
        selectors.room_for_operators(room_id)
        room_services.update_room(
            actor=request.user, room_id=room_id, ip=client_ip(request), **changes
        )
        return Response(AdminRoomSerializer(selectors.room_for_operators(room_id)).data)

    @extend_schema(
        tags=TAGS,
        responses={204: None, **ERROR_RESPONSES},
        summary="Delete a room with its messages; members get room.deleted (admin)",
    )
    def destroy(self, request, room_id: int):
        selectors.room_for_operators(room_id)
        room_services.delete_room(actor=request.user, room_id=room_id, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BroadcastViewSet(viewsets.ViewSet):
    permission_classes = [IsSiteAdmin]

    @extend_schema(
        tags=TAGS,
        request=BroadcastSerializer,
        responses={
            202: OpenApiResponse(BroadcastSentSerializer, description="Sent to every socket"),
            **ERROR_RESPONSES,
        },
        summary="Send an announcement to every connected user (admin)",
    )
    def create(self, request):
        body = validated(BroadcastSerializer, request.data)
        frame = messaging_services.broadcast_system_message(
            actor=request.user, content=body["content"], ip=client_ip(request)
        )
        return Response(frame, status=status.HTTP_202_ACCEPTED)


class AuditLogViewSet(viewsets.GenericViewSet):
    permission_classes = [IsSiteOperator]
    pagination_class = AdminPagination

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("action", str, description="An action, e.g. user.suspended"),
            OpenApiParameter("actor", int, description="The id of the user who acted"),
            OpenApiParameter("target_type", str, description="e.g. user, room, message"),
            OpenApiParameter("target_id", str),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="ISO 8601, inclusive"),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="ISO 8601, inclusive"),
            *PAGE,
        ],
        responses={200: AuditEntrySerializer(many=True), **ERROR_RESPONSES},
        summary="The audit log, newest first (admin, moderator)",
    )
    def list(self, request):
        entries = selectors.audit_entries(
            action=_optional_text(request, "action"),
            actor_id=query_id(request.query_params.get("actor"), "actor"),
            target_type=_optional_text(request, "target_type", max_length=32),
            target_id=_optional_text(request, "target_id"),
            since=_moment(request, "since"),
            until=_moment(request, "until"),
        )
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)
