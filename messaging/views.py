"""Messages API (and the room list, which needs message state): thin adapters.

Each viewset parses the request (serializers shape bodies, lair.pagination
reads cursors and pages), calls one service or selector and answers.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from lair.api import validated
from lair.pagination import MAX_INTEGER, IdCursor, LimitOffsetPagination, OffsetWindow
from lair.schema import CONFLICT_RESPONSES, ERROR_RESPONSES
from messaging import selectors, services
from messaging.search import search_messages, search_query
from messaging.serializers import (
    MessageEditSerializer,
    MessagePageSerializer,
    MessagePostSerializer,
    MessageSerializer,
    ReactionAnswerSerializer,
    ReactionSerializer,
    ReadMarkerSerializer,
    ReadStateSerializer,
    SearchPageSerializer,
)
from rooms import services as room_services
from rooms.permissions import visible_room
from rooms.serializers import (
    RoomCreateSerializer,
    RoomListItemSerializer,
    RoomSerializer,
    room_data,
)

LIMIT = OpenApiParameter("limit", int, description="1-100, default 50")
# What lair.pagination.query_id accepts: the schema shows the bounds.
BOUNDED = {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER}


def _created_or_found(created: bool) -> int:
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


# Comments, not docstrings, on the viewsets: drf-spectacular would publish a
# docstring as every operation's description.


class RoomViewSet(viewsets.ViewSet):
    # /rooms: the rooms I belong to, and creating one.
    # Only for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination

    @extend_schema(
        tags=["rooms"],
        parameters=[LIMIT, OpenApiParameter("offset", BOUNDED)],
        responses={200: RoomListItemSerializer(many=True), **ERROR_RESPONSES},
        summary="Rooms I belong to, with unread counts and the last message",
    )
    def list(self, request):
        window = OffsetWindow.from_request(request)
        rooms, has_more = selectors.room_list(
            request.user, offset=window.offset, limit=window.limit
        )
        return window.paginated_response(request, rooms, has_more=has_more)

    @extend_schema(
        tags=["rooms"],
        request=RoomCreateSerializer,
        responses={201: RoomSerializer, **ERROR_RESPONSES},
        summary="Create a public or private room",
    )
    def create(self, request):
        data = validated(RoomCreateSerializer, request.data)
        room = room_services.create_room(actor=request.user, **data)
        return Response(room_data(request.user, room.pk), status=status.HTTP_201_CREATED)


class RoomMessageViewSet(viewsets.ViewSet):
    # /rooms/{room_id}/messages: a room's history, and posting to it.
    @extend_schema(
        tags=["messages"],
        # A page object, not a list of messages: named as the single read it is.
        operation_id="rooms_messages_retrieve",
        parameters=[
            OpenApiParameter("before", BOUNDED, description="Messages older than this id"),
            OpenApiParameter(
                "after", BOUNDED, description="Messages newer than this id, oldest first"
            ),
            LIMIT,
        ],
        responses={200: MessagePageSerializer, **ERROR_RESPONSES},
        summary="Message history, newest first (or oldest first after a cursor)",
    )
    def list(self, request, room_id: int):
        cursor = IdCursor.from_request(request)
        access = visible_room(request.user, room_id)
        page, has_more = selectors.room_history(
            access.room,
            viewer_id=request.user.pk,
            before=cursor.before,
            after=cursor.after,
            limit=cursor.limit,
        )
        return cursor.paginated_response(request, page, has_more=has_more)

    @extend_schema(
        tags=["messages"],
        request=MessagePostSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer, **CONFLICT_RESPONSES},
        summary="Post a message (201), or get the one a repeated client_id made (200)",
    )
    def create(self, request, room_id: int):
        data = validated(MessagePostSerializer, request.data)
        posted = services.post_message(
            actor=request.user,
            room_id=room_id,
            content=data["content"],
            parent_id=data.get("parent_id"),
            client_id=data.get("client_id"),
        )
        return Response(posted.message, status=_created_or_found(posted.created))


class MessageViewSet(viewsets.ViewSet):
    # /messages/{message_id}: one message, its thread and reactions; /messages/search.
    lookup_url_kwarg = "message_id"
    lookup_value_converter = "id"

    @extend_schema(tags=["messages"], responses={200: MessageSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, message_id: int):
        message, _ = services.readable_message(request.user, message_id)
        return Response(selectors.message_dict(message, request.user.pk))

    @extend_schema(
        tags=["messages"],
        request=MessageEditSerializer,
        responses={200: MessageSerializer, **CONFLICT_RESPONSES},
        summary="Edit my message",
    )
    def partial_update(self, request, message_id: int):
        data = validated(MessageEditSerializer, request.data)
        message = services.edit_message(
            actor=request.user, message_id=message_id, content=data["content"]
        )
        return Response(selectors.message_dict(message, request.user.pk))

    @extend_schema(
        tags=["messages"],
        responses={204: None, **ERROR_RESPONSES},
        summary="Delete a message (mine, or any as room moderator+); a placeholder stays",
    )
    def destroy(self, request, message_id: int):
        services.delete_message(actor=request.user, message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=["messages"],
        operation_id="messages_thread_retrieve",
        parameters=[OpenApiParameter("after", BOUNDED), LIMIT],
        responses={200: MessagePageSerializer, **ERROR_RESPONSES},
        summary="Replies to a thread root, oldest first",
    )
    @action(detail=True, methods=["get"], url_path="thread", url_name="thread")
    def thread(self, request, message_id: int):
        root, _ = services.readable_message(request.user, message_id)
        cursor = IdCursor.from_request(request, forward_only=True)
        page, has_more = selectors.thread_replies(
            root, viewer_id=request.user.pk, after=cursor.after, limit=cursor.limit
        )
        return cursor.paginated_response(request, page, has_more=has_more)

    @extend_schema(
        tags=["messages"],
        request=ReactionSerializer,
        responses={
            201: ReactionAnswerSerializer,
            200: ReactionAnswerSerializer,
            **CONFLICT_RESPONSES,
        },
        summary="React to a message (the same emoji twice is one reaction)",
    )
    @action(detail=True, methods=["post"], url_path="reactions", url_name="reactions")
    def reactions(self, request, message_id: int):
        data = validated(ReactionSerializer, request.data)
        reaction, created = services.add_reaction(
            actor=request.user, message_id=message_id, emoji=data["emoji"]
        )
        answer = {
            "message_id": reaction.message_id,
            "emoji": reaction.emoji,
            "user_id": reaction.user_id,
        }
        return Response(answer, status=_created_or_found(created))

    # ``path``: reactions stored under older rules may hold "/", and every
    # stored one can be taken back. The router puts the slash-terminated route
    # first, so a trailing slash is never part of the emoji.
    @extend_schema(
        tags=["messages"], responses={204: None, **ERROR_RESPONSES}, summary="Take back a reaction"
    )
    @action(detail=True, methods=["delete"], url_path="reactions/<path:emoji>", url_name="reaction")
    def reaction(self, request, message_id: int, emoji: str):
        services.remove_reaction(actor=request.user, message_id=message_id, emoji=emoji)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=["messages"],
        operation_id="messages_search_retrieve",
        parameters=[
            OpenApiParameter(
                "q",
                # What messaging.search accepts: 1-200 characters with a word among them.
                {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\w"},
                required=True,
                description="Words to find (1-200 characters, at least one word)",
            ),
            OpenApiParameter("room", BOUNDED, description="Only this room"),
            OpenApiParameter("from", str, description="Only messages by this username"),
            OpenApiParameter("before", str, description="Date (exclusive) or ISO time"),
            OpenApiParameter("after", str, description="Date (exclusive) or ISO time"),
            LIMIT,
            OpenApiParameter("offset", BOUNDED),
        ],
        responses={200: SearchPageSerializer, **ERROR_RESPONSES},
        summary="Full-text search in the rooms I may read, most relevant first",
    )
    @action(detail=False, methods=["get"], url_path="search", url_name="search")
    def search(self, request):
        query = search_query(request.user, request.query_params)
        window = OffsetWindow.from_request(request, default_limit=20)
        results, has_more = search_messages(
            viewer=request.user, query=query, limit=window.limit, offset=window.offset
        )
        return window.paginated_response(request, results, has_more=has_more)


class ReadView(APIView):
    @extend_schema(
        tags=["rooms"],
        request=ReadMarkerSerializer,
        responses={200: ReadStateSerializer, **ERROR_RESPONSES},
        summary="Move my read marker; answers my unread counts",
    )
    def post(self, request, room_id: int):
        data = validated(ReadMarkerSerializer, request.data)
        membership = services.mark_read(
            actor=request.user, room_id=room_id, message_id=data["message_id"]
        )
        return Response(selectors.read_state(request.user, membership))
