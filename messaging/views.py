"""Messages API (and the room list, which needs message state): thin adapters."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts.models import User
from lair.api import validated
from lair.errors import ValidationError
from lair.pagination import MAX_INTEGER, LimitOffsetPagination, clamp_limit, query_integer
from lair.schema import CONFLICT_RESPONSES, ERROR_RESPONSES
from messaging import search, selectors, services
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
from rooms.serializers import RoomCreateSerializer, RoomListItemSerializer, RoomSerializer
from rooms.views import room_answer

LIMIT = OpenApiParameter("limit", int, description="1-100, default 50")
# What _int_param accepts: the schema shows the bounds.
BOUNDED = {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER}


def _int_param(request, name: str) -> int | None:
    value = query_integer(request.query_params.get(name), name)
    if value is not None and not 0 <= value <= MAX_INTEGER:
        raise ValidationError(
            f"'{name}' is out of range.", details={name: [f"Must be 0..{MAX_INTEGER}."]}
        )
    return value


def _offset(request) -> int:
    return _int_param(request, "offset") or 0


def cursor_links(request, page: list[dict], *, before, after, has_more) -> tuple:
    """next/previous URLs of a message page read by id cursors."""
    url = request.build_absolute_uri()
    url = remove_query_param(remove_query_param(url, "before"), "after")
    next_url = previous_url = None
    if after is not None:
        if has_more and page:
            next_url = replace_query_param(url, "after", page[-1]["id"])
        if page:
            previous_url = replace_query_param(url, "before", page[0]["id"])
    else:
        if has_more and page:
            next_url = replace_query_param(url, "before", page[-1]["id"])
        if before is not None and page:
            previous_url = replace_query_param(url, "after", page[0]["id"])
    return next_url, previous_url


def offset_links(request, offset: int, limit: int, has_more: bool) -> tuple:
    url = request.build_absolute_uri()
    next_url = replace_query_param(url, "offset", offset + limit) if has_more else None
    previous_url = None
    if offset > 0:
        previous_url = replace_query_param(url, "offset", max(0, offset - limit))
    return next_url, previous_url


class RoomCollectionView(APIView):
    # Only for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination

    @extend_schema(
        tags=["rooms"],
        parameters=[LIMIT, OpenApiParameter("offset", BOUNDED)],
        responses={200: RoomListItemSerializer(many=True), **ERROR_RESPONSES},
        summary="Rooms I belong to, with unread counts and the last message",
    )
    def get(self, request):
        limit = clamp_limit(request.query_params.get("limit"))
        offset = _offset(request)
        rooms, has_more = selectors.room_list(request.user, offset=offset, limit=limit)
        next_url, previous_url = offset_links(request, offset, limit, has_more)
        return Response({"results": rooms, "next": next_url, "previous": previous_url})

    @extend_schema(
        tags=["rooms"],
        request=RoomCreateSerializer,
        responses={201: RoomSerializer, **ERROR_RESPONSES},
        summary="Create a public or private room",
    )
    def post(self, request):
        data = validated(RoomCreateSerializer, request.data)
        room = room_services.create_room(actor=request.user, **data)
        return room_answer(request.user, room.pk, status.HTTP_201_CREATED)


class RoomMessagesView(APIView):
    @extend_schema(
        tags=["messages"],
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
    def get(self, request, room_id: int):
        before, after = _int_param(request, "before"), _int_param(request, "after")
        limit = clamp_limit(request.query_params.get("limit"))
        access = visible_room(request.user, room_id)
        messages = access.room.messages.all()
        page, has_more = selectors.message_page(
            messages, viewer_id=request.user.pk, before=before, after=after, limit=limit
        )
        next_url, previous_url = cursor_links(
            request, page, before=before, after=after, has_more=has_more
        )
        return Response({"results": page, "next": next_url, "previous": previous_url})

    @extend_schema(
        tags=["messages"],
        request=MessagePostSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer, **CONFLICT_RESPONSES},
        summary="Post a message (201), or get the one a repeated client_id made (200)",
    )
    def post(self, request, room_id: int):
        data = validated(MessagePostSerializer, request.data)
        message, created = services.post_message(
            actor=request.user,
            room_id=room_id,
            content=data["content"],
            parent_id=data.get("parent_id"),
            client_id=data.get("client_id"),
        )
        body = message.payload if created else selectors.message_dict(message, request.user.pk)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MessageDetailView(APIView):
    @extend_schema(tags=["messages"], responses={200: MessageSerializer, **ERROR_RESPONSES})
    def get(self, request, message_id: int):
        message, _ = services.readable_message(request.user, message_id)
        return Response(selectors.message_dict(message, request.user.pk))

    @extend_schema(
        tags=["messages"],
        request=MessageEditSerializer,
        responses={200: MessageSerializer, **CONFLICT_RESPONSES},
        summary="Edit my message",
    )
    def patch(self, request, message_id: int):
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
    def delete(self, request, message_id: int):
        services.delete_message(actor=request.user, message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ThreadView(APIView):
    @extend_schema(
        tags=["messages"],
        parameters=[OpenApiParameter("after", BOUNDED), LIMIT],
        responses={200: MessagePageSerializer, **ERROR_RESPONSES},
        summary="Replies to a thread root, oldest first",
    )
    def get(self, request, message_id: int):
        root, _ = services.readable_message(request.user, message_id)
        after = _int_param(request, "after") or 0
        limit = clamp_limit(request.query_params.get("limit"))
        page, has_more = selectors.message_page(
            selectors.thread_messages(root),
            viewer_id=request.user.pk,
            before=None,
            after=after,
            limit=limit,
        )
        next_url, _ = cursor_links(request, page, before=None, after=after, has_more=has_more)
        return Response({"results": page, "next": next_url, "previous": None})


class ReactionsView(APIView):
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
    def post(self, request, message_id: int):
        data = validated(ReactionSerializer, request.data)
        reaction, created = services.add_reaction(
            actor=request.user, message_id=message_id, emoji=data["emoji"]
        )
        return Response(
            {
                "message_id": reaction.message_id,
                "emoji": reaction.emoji,
                "user_id": reaction.user_id,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ReactionDetailView(APIView):
    @extend_schema(
        tags=["messages"], responses={204: None, **ERROR_RESPONSES}, summary="Take back a reaction"
    )
    def delete(self, request, message_id: int, emoji: str):
        services.remove_reaction(actor=request.user, message_id=message_id, emoji=emoji)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


def _date_param(request, name: str) -> date | datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        # A bare date first: fromisoformat would read "2026-01-02" as midnight.
        value = parse_date(raw) or parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise ValidationError(
            f"'{name}' must be a date (YYYY-MM-DD) or an ISO 8601 time.",
            details={name: ["Invalid date."]},
        )
    if isinstance(value, datetime) and value.tzinfo is None:
        value = timezone.make_aware(value)
    return value


class SearchView(APIView):
    @extend_schema(
        tags=["messages"],
        parameters=[
            OpenApiParameter(
                "q",
                # What the view accepts: 1-200 characters with a word among them.
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
    def get(self, request):
        query = request.query_params.get("q", "")
        if not query.strip() or len(query) > search.MAX_QUERY_LENGTH:
            raise ValidationError(
                "Give 1-200 characters to search for.",
                details={"q": ["Give 1-200 characters to search for."]},
            )
        if not search.terms_of(query):
            raise ValidationError(
                "The query has no words to search for.", details={"q": ["No words to search."]}
            )
        room_id = _int_param(request, "room")
        if room_id is not None:
            visible_room(request.user, room_id)
        author = None
        username = request.query_params.get("from", "").strip().lstrip("@").replace("\x00", "")
        if username:
            # Unknown usernames match nothing (author 0), they are not an error.
            author = User.objects.by_username(username).first() or User(pk=0)
        limit = clamp_limit(request.query_params.get("limit"), default=20)
        offset = _offset(request)
        results, has_more = search.search_messages(
            viewer=request.user,
            query=query,
            room_id=room_id,
            author=author,
            before=_date_param(request, "before"),
            after=_date_param(request, "after"),
            limit=limit,
            offset=offset,
        )
        next_url, previous_url = offset_links(request, offset, limit, has_more)
        return Response({"results": results, "next": next_url, "previous": previous_url})
