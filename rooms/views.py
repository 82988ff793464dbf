"""Rooms API: thin adapters over rooms.services and rooms.selectors.

Two viewsets: a room with its members and invitations (``/rooms/{id}``...),
and my invitations (``/invitations``). The room list and creation
(``/rooms``) and a room's messages are messaging's.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lair.api import validated
from lair.client_ip import client_ip
from lair.pagination import LimitOffsetPagination, query_boolean
from lair.schema import CONFLICT_RESPONSES, ERROR_RESPONSES
from realtime import presence
from rooms import selectors, services
from rooms.permissions import visible_room
from rooms.serializers import (
    DirectRoomSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MemberAddSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    RoomSerializer,
    RoomUpdateSerializer,
    room_data,
)


def _people_presence(invitations) -> dict:
    # One presence read for the page, not one per inviter and invitee.
    people = {i.invitee_id for i in invitations} | {i.inviter_id for i in invitations}
    return {"presence": presence.presence_many(people - {None})}


class RoomViewSet(viewsets.ViewSet):
    lookup_url_kwarg = "room_id"
    lookup_value_converter = "id"
    # Only for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination

    @extend_schema(tags=["rooms"], responses={200: RoomSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, room_id: int):
        visible_room(request.user, room_id)
        return Response(room_data(request.user, room_id))

    @extend_schema(
        tags=["rooms"],
        request=RoomUpdateSerializer,
        responses={200: RoomSerializer, **ERROR_RESPONSES},
        summary="Change a room (room admin+); archived=true makes it read-only",
    )
    def partial_update(self, request, room_id: int):
        changes = validated(RoomUpdateSerializer, request.data)
        services.update_room(actor=request.user, room_id=room_id, ip=client_ip(request), **changes)
        return Response(room_data(request.user, room_id))

    @extend_schema(
        tags=["rooms"],
        responses={204: None, **ERROR_RESPONSES},
        summary="Delete a room and its messages (owner or site admin)",
    )
    def destroy(self, request, room_id: int):
        services.delete_room(actor=request.user, room_id=room_id, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=["rooms"],
        parameters=[OpenApiParameter("q", str, description="Part of a room name or topic")],
        responses={200: RoomSerializer(many=True), **ERROR_RESPONSES},
        summary="Search public rooms (and my private ones)",
    )
    @action(detail=False, methods=["get"])
    def search(self, request):
        paginator = LimitOffsetPagination()
        rooms = selectors.search_rooms(request.user, request.query_params.get("q", ""))
        page = paginator.paginate_queryset(rooms, request, view=self)
        context = {"roles": selectors.roles_of(request.user, [room.pk for room in page])}
        return paginator.get_paginated_response(
            RoomSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        tags=["rooms"],
        request=DirectRoomSerializer,
        responses={200: RoomSerializer, 201: RoomSerializer, **ERROR_RESPONSES},
        summary="Get or create my direct room with a user",
    )
    @action(detail=False, methods=["post"])
    def direct(self, request):
        data = validated(DirectRoomSerializer, request.data)
        room, created = services.get_or_create_direct_room(
            actor=request.user, user_id=data["user_id"]
        )
        return Response(room_data(request.user, room.pk), status=201 if created else 200)

    @extend_schema(
        tags=["rooms"],
        responses={200: MemberSerializer(many=True), **ERROR_RESPONSES},
        summary="Members of a room",
    )
    @action(detail=True, methods=["get"])
    def members(self, request, room_id: int):
        access = visible_room(request.user, room_id)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(selectors.room_members(access.room), request, self)
        context = {"presence": presence.presence_many(m.user_id for m in page)}
        return paginator.get_paginated_response(
            MemberSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        tags=["rooms"],
        request=MemberAddSerializer,
        responses={200: MemberSerializer, 201: MemberSerializer, **ERROR_RESPONSES},
        summary="Join a public room ({}), or add someone ({user_id})",
    )
    @members.mapping.post
    def add_member(self, request, room_id: int):
        data = validated(MemberAddSerializer, request.data)
        membership, created = services.join_or_add_member(
            actor=request.user, room_id=room_id, user_id=data.get("user_id")
        )
        return Response(
            MemberSerializer(membership).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        tags=["rooms"],
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, **ERROR_RESPONSES},
        summary="Change a member's room role (room admin+)",
    )
    @action(detail=True, methods=["patch"], url_path="members/<id:user_id>", url_name="member")
    def member(self, request, room_id: int, user_id: int):
        data = validated(MemberRoleSerializer, request.data)
        membership = services.change_member_role(
            actor=request.user, room_id=room_id, user_id=user_id, role=data["role"]
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        tags=["rooms"],
        parameters=[
            OpenApiParameter(
                "ban",
                bool,
                OpenApiParameter.QUERY,
                required=False,
                default=False,
                description=(
                    "Kick with a rejoin ban (room moderator+; not for yourself): the user "
                    "cannot join, be added or accept an invitation (403 permission_denied) "
                    "until a room admin+ adds them back, which lifts the ban."
                ),
            )
        ],
        responses={204: None, **ERROR_RESPONSES},
        summary="Leave a room (yourself) or remove a member (room moderator+), optionally banning",
    )
    @member.mapping.delete
    def remove_member(self, request, room_id: int, user_id: int):
        ban = query_boolean(request.query_params.get("ban"), "ban")
        services.remove_member(
            actor=request.user, room_id=room_id, user_id=user_id, ban=ban, ip=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=["invitations"],
        request=InvitationCreateSerializer,
        responses={200: InvitationSerializer, 201: InvitationSerializer, **CONFLICT_RESPONSES},
        summary="Invite a user into a room",
    )
    @action(detail=True, methods=["post"])
    def invitations(self, request, room_id: int):
        data = validated(InvitationCreateSerializer, request.data)
        invitation, created = services.invite(
            actor=request.user, room_id=room_id, user_id=data["user_id"]
        )
        return Response(
            InvitationSerializer(invitation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class InvitationViewSet(viewsets.ViewSet):
    lookup_url_kwarg = "invitation_id"
    lookup_value_converter = "id"
    # Only for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination

    @extend_schema(
        tags=["invitations"],
        responses={200: InvitationSerializer(many=True), **ERROR_RESPONSES},
        summary="My pending invitations",
    )
    def list(self, request):
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            selectors.pending_invitations(request.user), request, self
        )
        return paginator.get_paginated_response(
            InvitationSerializer(page, many=True, context=_people_presence(page)).data
        )

    @extend_schema(
        tags=["invitations"],
        request=None,
        responses={200: MemberSerializer, **ERROR_RESPONSES},
        summary="Accept an invitation: join its room",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, invitation_id: int):
        membership = services.accept_invitation(actor=request.user, invitation_id=invitation_id)
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        tags=["invitations"],
        request=None,
        responses={200: InvitationSerializer, **ERROR_RESPONSES},
        summary="Decline an invitation",
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, invitation_id: int):
        invitation = services.decline_invitation(actor=request.user, invitation_id=invitation_id)
        return Response(InvitationSerializer(invitation).data)
